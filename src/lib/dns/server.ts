// A DNS server over UDP and TCP on chosen addresses: each query is offered to the owner's `answer` (the
// engine's container names, the cluster's Services) and what it does not claim is forwarded to upstream
// resolvers, through an optional answer cache. Answers too big for the client's UDP buffer come back
// truncated so it asks again over TCP. Bad input is dropped, never thrown.
//
//   const dns = createDnsServer({ upstreams: ['10.0.0.53'], answer: (q, local) => ... });
//   await dns.listen('172.18.0.1');      // clients ask 172.18.0.1:53
//   await dns.unlisten('172.18.0.1');
//   await dns.close();
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import * as dnsPacket from 'dns-packet';
import { logger } from '../log.ts';
import { forwardQuery, readTcpMessages, frameTcp } from './forward.ts';
import { cacheKey, createAnswerCache, type AnswerCache, type CacheOptions } from './cache.ts';
import { compressMessage } from './compress.ts';

const log = logger('dns');

export const RCODE_NOERROR = 0;
export const RCODE_SERVFAIL = 2;
export const RCODE_NXDOMAIN = 3;

/** An answer of our own: NOERROR with records, NODATA (no records), or NXDOMAIN, with an SOA where negative. */
export interface LocalReply {
  rcode?: number;
  answers: dnsPacket.Answer[];
  authorities?: dnsPacket.Answer[];
  additionals?: dnsPacket.Answer[];
  /** sets the AA bit: we are the authority for the name */
  authoritative?: boolean;
}

/** Our reply to a question asked on `localAddress` (which listener), or undefined: not ours, forward it. */
export type Answerer = (question: dnsPacket.Question, localAddress: string) => LocalReply | undefined | Promise<LocalReply | undefined>;

export interface DnsServerOptions {
  /** resolvers to forward other names to: `ip`, `ip:port` or `[ipv6]:port`. Read at each query, so the caller may
   * change the array. */
  upstreams: string[];
  answer: Answerer;
  /** keep forwarded answers (off when absent) */
  cache?: CacheOptions;
}

export interface DnsServer {
  /** Serve UDP and TCP on ip:port (53 by default). Listening again on the same ip is a no-op. */
  listen(ip: string, port?: number): Promise<void>;
  unlisten(ip: string): Promise<void>;
  /** the port a listener got (port 0 asks the kernel for one) */
  portOf(ip: string): number | undefined;
  /** Ask the upstreams (through the cache) a question of our own, e.g. to follow a CNAME out of our zone. */
  lookup(name: string, type: dnsPacket.RecordType): Promise<dnsPacket.DecodedPacket | undefined>;
  close(): Promise<void>;
}

/** A plain DNS client's UDP limit (RFC 1035) unless its EDNS record says more. */
const UDP_DEFAULT_SIZE = 512;
/** What we offer in our own EDNS record (the DNS flag day 2020 size: no IP fragmentation). */
const EDNS_PAYLOAD = 1232;
/** Idle TCP clients are dropped after this long, so a silent peer cannot hold a socket forever. */
const TCP_IDLE_MS = 10_000;
/** At most this many queries forwarded at once (moby's maxConcurrent); more get SERVFAIL. */
const MAX_FORWARDS = 1024;

interface Listener {
  udp: dgram.Socket;
  tcp: net.Server;
  conns: Set<net.Socket>;
}

interface ServerState {
  opts: DnsServerOptions;
  listeners: Map<string, Listener>;
  /** listens under way, so a second listen (or an unlisten) of the same address waits for the first */
  starting: Map<string, Promise<void>>;
  forwarding: number;
  cache?: AnswerCache;
  /** forwards under way by cache key: the same question asked again meanwhile waits for the first */
  inflight: Map<string, Promise<Buffer | undefined>>;
}

export function createDnsServer(opts: DnsServerOptions): DnsServer {
  const state: ServerState = {
    opts, listeners: new Map(), starting: new Map(), forwarding: 0, inflight: new Map(),
    cache: opts.cache ? createAnswerCache(opts.cache) : undefined,
  };
  return {
    listen: (ip, port = 53) => {
      const pending = state.starting.get(ip) ?? listenOn(state, ip, port).finally(() => state.starting.delete(ip));
      state.starting.set(ip, pending);
      return pending;
    },
    unlisten: (ip) => unlistenFrom(state, ip),
    portOf: (ip) => {
      const l = state.listeners.get(ip);
      return l ? l.udp.address().port : undefined;
    },
    lookup: (name, type) => lookupUpstream(state, name, type),
    close: async () => {
      await Promise.all([...state.listeners.keys()].map((ip) => unlistenFrom(state, ip)));
    },
  };
}

async function listenOn(state: ServerState, ip: string, port: number): Promise<void> {
  if (state.listeners.has(ip)) return;
  const family = net.isIP(ip);
  if (family === 0) throw new TypeError(`dns: not an IP address: ${ip}`);
  const udp = dgram.createSocket({ type: family === 6 ? 'udp6' : 'udp4' });
  const conns = new Set<net.Socket>();
  const tcp = net.createServer((sock) => serveTcpClient(state, ip, sock, conns));
  const listener: Listener = { udp, tcp, conns };
  try {
    await bindUdp(udp, ip, port);
    // port 0: TCP takes the port the kernel gave UDP, so one number serves both
    await listenTcp(tcp, ip, udp.address().port);
  } catch (err) {
    await closeListener(listener);
    throw err;
  }
  udp.on('message', (msg, rinfo) => void serveUdpQuery(state, ip, udp, msg, rinfo));
  udp.on('error', (err) => log.warn('udp socket error', { ip, err }));
  tcp.on('error', (err) => log.warn('tcp listener error', { ip, err }));
  state.listeners.set(ip, listener);
}

async function unlistenFrom(state: ServerState, ip: string): Promise<void> {
  await state.starting.get(ip)?.catch(() => undefined); // a failed listen left nothing to close
  const listener = state.listeners.get(ip);
  if (!listener) return;
  state.listeners.delete(ip);
  await closeListener(listener);
}

function bindUdp(udp: dgram.Socket, address: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    udp.once('error', reject);
    udp.bind({ address, port, exclusive: true }, () => {
      udp.off('error', reject);
      resolve();
    });
  });
}

function listenTcp(tcp: net.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen({ host, port }, () => {
      tcp.off('error', reject);
      resolve();
    });
  });
}

async function closeListener(l: Listener): Promise<void> {
  for (const c of l.conns) c.destroy();
  await Promise.all([
    new Promise<void>((resolve) => {
      try {
        l.udp.close(() => resolve());
      } catch {
        resolve(); // never bound or already closed: nothing to release
      }
    }),
    new Promise<void>((resolve) => (l.tcp.listening ? l.tcp.close(() => resolve()) : resolve())),
  ]);
}

async function serveUdpQuery(state: ServerState, local: string, udp: dgram.Socket, msg: Buffer, rinfo: dgram.RemoteInfo): Promise<void> {
  try {
    const reply = await answerQuery(state, msg, local, 'udp');
    if (!reply) return;
    udp.send(reply, rinfo.port, rinfo.address, (err) => {
      if (err) log.debug('udp reply not sent', { to: rinfo.address, err });
    });
  } catch (err) {
    // the socket closed while the answer was on its way (unlisten), or a bug: log it, never crash the owner
    log.debug('udp query failed', { local, err });
  }
}

function serveTcpClient(state: ServerState, local: string, sock: net.Socket, conns: Set<net.Socket>): void {
  conns.add(sock);
  sock.setTimeout(TCP_IDLE_MS, () => sock.destroy());
  sock.on('close', () => conns.delete(sock));
  sock.on('error', (err) => log.debug('tcp client error', { local, err }));
  readTcpMessages(sock, async (msg) => {
    try {
      const reply = await answerQuery(state, msg, local, 'tcp');
      if (reply && sock.writable) sock.write(frameTcp(reply));
    } catch (err) {
      log.debug('tcp query failed', { local, err });
    }
  });
}

/** The reply to one raw query, or undefined to drop it (malformed, or not a query). */
async function answerQuery(state: ServerState, raw: Buffer, local: string, transport: 'udp' | 'tcp'): Promise<Buffer | undefined> {
  const query = decodeQuery(raw);
  if (!query) return undefined;
  const question = query.questions![0];
  const opcode = ((query.flags ?? 0) >> 11) & 0xf;
  const ours = opcode === 0 && (question.class === undefined || question.class === 'IN') ? await state.opts.answer(question, local) : undefined;
  if (ours) return encodeReply(query, ours, transport);
  const limit = transport === 'tcp' ? Infinity : udpLimit(query);
  const forwarded = await forwardCached(state, query, raw, transport);
  if (!forwarded) return encodeReply(query, { rcode: RCODE_SERVFAIL, answers: [] }, transport);
  forwarded.writeUInt16BE(query.id ?? 0, 0);
  return forwarded.length <= limit ? forwarded : truncated(query, forwarded);
}

/** The upstreams' answer (a fresh buffer), from the cache when there; one forward per question at a time. */
async function forwardCached(state: ServerState, query: dnsPacket.DecodedPacket, raw: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | undefined> {
  const key = state.cache ? cacheKey(query) : undefined;
  if (key === undefined) return forwardLimited(state, raw, transport, udpLimit(query));
  const hit = state.cache!.get(key);
  if (hit) return hit;
  let pending = state.inflight.get(key);
  if (!pending) {
    // asked over TCP upstream when needed, so the cached answer is whole; a UDP client gets it truncated if too big
    pending = forwardLimited(state, raw, 'udp', 65535).then((reply) => {
      if (reply) state.cache!.put(key, reply);
      return reply;
    }).finally(() => state.inflight.delete(key));
    state.inflight.set(key, pending);
  }
  const reply = await pending;
  return reply && Buffer.from(reply);
}

async function forwardLimited(state: ServerState, raw: Buffer, transport: 'udp' | 'tcp', limit: number): Promise<Buffer | undefined> {
  if (state.forwarding >= MAX_FORWARDS) return undefined;
  state.forwarding++;
  try {
    return await forwardQuery(state.opts.upstreams, raw, transport, limit);
  } finally {
    state.forwarding--;
  }
}

async function lookupUpstream(state: ServerState, name: string, type: dnsPacket.RecordType): Promise<dnsPacket.DecodedPacket | undefined> {
  const query: dnsPacket.Packet = { type: 'query', id: 0, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type, class: 'IN' }] };
  const raw = dnsPacket.encode(query);
  const reply = await forwardCached(state, dnsPacket.decode(raw), raw, 'tcp');
  if (!reply) return undefined;
  try {
    return dnsPacket.decode(reply);
  } catch {
    return undefined; // an upstream's garbage: as if it had not answered
  }
}

function decodeQuery(raw: Buffer): dnsPacket.DecodedPacket | undefined {
  try {
    const p = dnsPacket.decode(raw);
    if (p.flag_qr || !p.questions?.length) return undefined;
    return p;
  } catch {
    return undefined; // malformed packet: dropped, as Docker does
  }
}

function encodeReply(query: dnsPacket.DecodedPacket, r: LocalReply, transport: 'udp' | 'tcp'): Buffer {
  const flags = ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED) | dnsPacket.RECURSION_AVAILABLE | (r.authoritative ? dnsPacket.AUTHORITATIVE_ANSWER : 0) | (r.rcode ?? RCODE_NOERROR);
  const edns = ednsOf(query);
  const reply: dnsPacket.Packet = {
    type: 'response', id: query.id, flags, questions: query.questions, answers: r.answers,
    authorities: r.authorities ?? [], additionals: [...(r.additionals ?? []), ...edns],
  };
  const buf = compressMessage(dnsPacket.encode(reply));
  if (transport === 'tcp' || buf.length <= udpLimit(query)) return buf;
  // too big for the client's UDP buffer: truncated, so it asks again over TCP
  return dnsPacket.encode({ ...reply, flags: flags | dnsPacket.TRUNCATED_RESPONSE, answers: [], authorities: [], additionals: edns });
}

/** An upstream answer too big for the client's UDP buffer: its header and question with TC set. */
function truncated(query: dnsPacket.DecodedPacket, full: Buffer): Buffer {
  const flags = (full.readUInt16BE(2) & 0x7fff) | dnsPacket.TRUNCATED_RESPONSE;
  return dnsPacket.encode({ type: 'response', id: query.id, flags, questions: query.questions, answers: [], additionals: ednsOf(query) });
}

/** Our EDNS record when the client sent one (RFC 6891: a responder answers EDNS with EDNS). */
function ednsOf(query: dnsPacket.DecodedPacket): dnsPacket.Answer[] {
  const opt = query.additionals?.find((a): a is dnsPacket.OptAnswer => a.type === 'OPT');
  return opt ? [{ type: 'OPT', name: '.', udpPayloadSize: EDNS_PAYLOAD, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] } as dnsPacket.OptAnswer] : [];
}

/** The UDP payload the client accepts: 512, or what its EDNS OPT record offers. */
function udpLimit(query: dnsPacket.DecodedPacket): number {
  const opt = query.additionals?.find((a): a is dnsPacket.OptAnswer => a.type === 'OPT');
  return Math.max(UDP_DEFAULT_SIZE, Math.min(opt?.udpPayloadSize ?? 0, 4096));
}
