// The embedded DNS resolver (Docker's 127.0.0.11, moby libnetwork/resolver.go): on each user network's
// listen address it answers the names of that network's containers and forwards everything else to the
// host's resolvers. UDP and TCP on every address; bad input is dropped, never thrown.
//
//   const dns = createDnsServer({ upstreams: ['10.0.0.53'], resolveName, resolvePtr });
//   await dns.listen('172.18.0.1');      // a container on that network asks 172.18.0.1:53
//   await dns.unlisten('172.18.0.1');    // network removed
//   await dns.close();                   // daemon stops
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import * as dnsPacket from 'dns-packet';
import { logger } from '../../lib/log.ts';
import { forwardQuery, readTcpMessages, frameTcp } from './dns-forward.ts';

const log = logger('dns');

export interface DnsServerOptions {
  /** resolvers to forward other names to (the host's /etc/resolv.conf nameservers; the daemon runs in the host
   * netns): `ip`, `ip:port` or `[ipv6]:port`. Read at each query, so the caller may change the array. */
  upstreams: string[];
  /** A records for a name asked on the listener `localAddress` (which tells which network asks); undefined → not ours, forward */
  resolveName(name: string, localAddress: string): string[] | undefined;
  /** PTR for an IPv4 of ours; undefined → forward */
  resolvePtr(ip: string, localAddress: string): string | undefined;
}

export interface DnsServer {
  /** Serve UDP and TCP on ip:port (53 by default). Listening again on the same ip is a no-op. */
  listen(ip: string, port?: number): Promise<void>;
  unlisten(ip: string): Promise<void>;
  close(): Promise<void>;
}

/** Docker's TTL for the names it answers itself. */
const ANSWER_TTL = 600;
/** A plain DNS client's UDP limit (RFC 1035) unless its EDNS record says more. */
const UDP_DEFAULT_SIZE = 512;
/** Idle TCP clients are dropped after this long, so a silent peer cannot hold a socket forever. */
const TCP_IDLE_MS = 10_000;
/** At most this many queries forwarded at once (moby's maxConcurrent); more get SERVFAIL. */
const MAX_FORWARDS = 1024;

const RCODE_SERVFAIL = 2;

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
}

export function createDnsServer(opts: DnsServerOptions): DnsServer {
  const state: ServerState = { opts, listeners: new Map(), starting: new Map(), forwarding: 0 };
  return {
    listen: (ip, port = 53) => {
      const pending = state.starting.get(ip) ?? listenOn(state, ip, port).finally(() => state.starting.delete(ip));
      state.starting.set(ip, pending);
      return pending;
    },
    unlisten: (ip) => unlistenFrom(state, ip),
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
    // the socket closed while the answer was on its way (unlisten), or a bug: log it, never crash the daemon
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
  const answers = localAnswers(state.opts, query, question, local);
  if (answers) return encodeReply(query, answers, 0, transport);
  if (state.forwarding >= MAX_FORWARDS) return encodeReply(query, [], RCODE_SERVFAIL, transport);
  state.forwarding++;
  try {
    const forwarded = await forwardQuery(state.opts.upstreams, raw, transport, udpLimit(query));
    return forwarded ?? encodeReply(query, [], RCODE_SERVFAIL, transport);
  } finally {
    state.forwarding--;
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

/** Our answers for the question, or undefined when the name is not ours (forward it). */
function localAnswers(opts: DnsServerOptions, query: dnsPacket.DecodedPacket, q: dnsPacket.Question, local: string): dnsPacket.Answer[] | undefined {
  const opcode = ((query.flags ?? 0) >> 11) & 0xf;
  if (opcode !== 0 || (q.class !== undefined && q.class !== 'IN')) return undefined;
  const name = normalizeName(q.name);
  switch (q.type) {
    case 'A': {
      const ips = opts.resolveName(name, local);
      return ips && shuffle(ips.filter((ip) => net.isIPv4(ip))).map((ip) => ({ type: 'A', name: q.name, ttl: ANSWER_TTL, class: 'IN', data: ip }));
    }
    case 'AAAA':
      // a container name without an IPv6 address: NOERROR with no answer (not forwarded), as Docker does
      return opts.resolveName(name, local) === undefined ? undefined : [];
    case 'PTR': {
      const ip = ptrToIPv4(name);
      const host = ip === undefined ? undefined : opts.resolvePtr(ip, local);
      return host === undefined ? undefined : [{ type: 'PTR', name: q.name, ttl: ANSWER_TTL, class: 'IN', data: normalizeName(host) }];
    }
    default:
      return undefined;
  }
}

/** Names are case-insensitive and the trailing dot is ignored. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.+$/, '');
}

/** `4.3.2.1.in-addr.arpa` → `1.2.3.4`; anything else → undefined. */
export function ptrToIPv4(name: string): string | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.in-addr\.arpa$/.exec(normalizeName(name));
  if (!m) return undefined;
  const ip = [m[4], m[3], m[2], m[1]].map(Number).join('.');
  return net.isIPv4(ip) ? ip : undefined;
}

function encodeReply(query: dnsPacket.DecodedPacket, answers: dnsPacket.Answer[], rcode: number, transport: 'udp' | 'tcp'): Buffer {
  const flags = ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED) | dnsPacket.RECURSION_AVAILABLE | rcode;
  const reply = { type: 'response' as const, id: query.id, flags, questions: query.questions, answers };
  const buf = dnsPacket.encode(reply);
  if (transport === 'tcp' || buf.length <= udpLimit(query)) return buf;
  // too big for the client's UDP buffer: truncated, so it asks again over TCP
  return dnsPacket.encode({ ...reply, flags: flags | dnsPacket.TRUNCATED_RESPONSE, answers: [] });
}

/** The UDP payload the client accepts: 512, or what its EDNS OPT record offers. */
function udpLimit(query: dnsPacket.DecodedPacket): number {
  const opt = query.additionals?.find((a): a is dnsPacket.OptAnswer => a.type === 'OPT');
  return Math.max(UDP_DEFAULT_SIZE, Math.min(opt?.udpPayloadSize ?? 0, 4096));
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
