// Forwarding for the DNS servers (lib/dns/server.ts): a query that is not ours goes to each upstream in turn (UDP, then
// TCP when the answer came back truncated) and the first real answer goes back with the client's id.
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { randomInt } from 'node:crypto';
import { logger } from '../log.ts';

const log = logger('dns');

/** How long one upstream gets to answer (per transport), as Docker's resolver allows ~2 s. */
export const UPSTREAM_TIMEOUT_MS = 2000;

const HEADER_LEN = 12;
const FLAG_QR = 0x80; // in header byte 2
const FLAG_TC = 0x02; // in header byte 2
const RCODE_SERVFAIL = 2;
const RCODE_REFUSED = 5;

export interface Upstream {
  host: string;
  port: number;
}

/** `1.2.3.4`, `1.2.3.4:5353`, `::1`, `[::1]:5353` → host + port; anything else → undefined (skipped). */
export function parseUpstream(s: string): Upstream | undefined {
  if (net.isIP(s)) return { host: s, port: 53 };
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(s) ?? /^([^:]+):(\d+)$/.exec(s);
  if (!m || !net.isIP(m[1])) return undefined;
  const port = Number(m[2]);
  return port > 0 && port < 65536 ? { host: m[1], port } : undefined;
}

/**
 * The upstream's answer to `raw` (with the client's id), or undefined when none answered usefully. A client that
 * asked over TCP is forwarded over TCP; a UDP client over UDP, retried over TCP when the answer is truncated, and
 * given the full answer only when it fits `udpLimit` (else the truncated one, so the client retries over TCP).
 */
export async function forwardQuery(upstreams: string[], raw: Buffer, transport: 'udp' | 'tcp', udpLimit: number): Promise<Buffer | undefined> {
  if (raw.length < HEADER_LEN) return undefined;
  const clientId = raw.readUInt16BE(0);
  for (const spec of upstreams) {
    const up = parseUpstream(spec);
    if (!up) {
      log.debug('upstream skipped: not ip[:port]', { upstream: spec });
      continue;
    }
    const reply = await askUpstream(up, raw, transport, udpLimit);
    if (!reply) continue;
    const rcode = reply[3] & 0x0f;
    // SERVFAIL or REFUSED may be one server's trouble: try the next, as Docker does
    if (rcode === RCODE_SERVFAIL || rcode === RCODE_REFUSED) continue;
    reply.writeUInt16BE(clientId, 0);
    return reply;
  }
  return undefined;
}

async function askUpstream(up: Upstream, raw: Buffer, transport: 'udp' | 'tcp', udpLimit: number): Promise<Buffer | undefined> {
  if (transport === 'tcp') return exchangeTcp(up, raw);
  const viaUdp = await exchangeUdp(up, raw);
  if (!viaUdp || (viaUdp[2] & FLAG_TC) === 0) return viaUdp;
  const viaTcp = await exchangeTcp(up, raw);
  return viaTcp && viaTcp.length <= udpLimit ? viaTcp : viaUdp;
}

/** A copy of the query under a fresh random id, so an answer can be matched to it (and spoofing is harder). */
function withFreshId(raw: Buffer): { msg: Buffer; id: number } {
  const msg = Buffer.from(raw);
  const id = randomInt(0, 0x10000);
  msg.writeUInt16BE(id, 0);
  return { msg, id };
}

function isAnswerTo(reply: Buffer, id: number): boolean {
  return reply.length >= HEADER_LEN && reply.readUInt16BE(0) === id && (reply[2] & FLAG_QR) !== 0;
}

function exchangeUdp(up: Upstream, raw: Buffer): Promise<Buffer | undefined> {
  const { msg, id } = withFreshId(raw);
  return new Promise((resolve) => {
    // a socket per query: a random source port, and connect() so only that upstream's datagrams reach it
    const sock = dgram.createSocket({ type: net.isIPv6(up.host) ? 'udp6' : 'udp4' });
    const finish = (reply: Buffer | undefined, why?: unknown) => {
      clearTimeout(timer);
      if (why) log.debug('upstream udp failed', { upstream: `${up.host}:${up.port}`, err: why });
      sock.removeAllListeners('message');
      try {
        sock.close();
      } catch {
        // already closed by an earlier finish: nothing left to release
      }
      resolve(reply);
    };
    const timer = setTimeout(() => finish(undefined, 'timeout'), UPSTREAM_TIMEOUT_MS);
    sock.on('error', (err) => finish(undefined, err));
    sock.on('message', (reply) => {
      if (isAnswerTo(reply, id)) finish(reply);
    });
    sock.connect(up.port, up.host, () => sock.send(msg));
  });
}

function exchangeTcp(up: Upstream, raw: Buffer): Promise<Buffer | undefined> {
  const { msg, id } = withFreshId(raw);
  return new Promise((resolve) => {
    const sock = net.connect({ host: up.host, port: up.port });
    let done = false;
    const finish = (reply: Buffer | undefined, why?: unknown) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (why) log.debug('upstream tcp failed', { upstream: `${up.host}:${up.port}`, err: why });
      sock.destroy();
      resolve(reply);
    };
    const timer = setTimeout(() => finish(undefined, 'timeout'), UPSTREAM_TIMEOUT_MS);
    sock.on('error', (err) => finish(undefined, err));
    sock.on('close', () => finish(undefined, 'closed before answering'));
    sock.on('connect', () => sock.write(frameTcp(msg)));
    readTcpMessages(sock, (reply) => {
      if (isAnswerTo(reply, id)) finish(reply);
    });
  });
}

/** A DNS message over TCP: two bytes of length, then the message (RFC 1035 4.2.2). */
export function frameTcp(msg: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(msg.length, 0);
  return Buffer.concat([len, msg]);
}

/** Calls `onMessage` for each length-prefixed message read from the socket. */
export function readTcpMessages(sock: net.Socket, onMessage: (msg: Buffer) => void): void {
  let pending: Buffer = Buffer.alloc(0);
  sock.on('data', (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 2) {
      const len = pending.readUInt16BE(0);
      if (pending.length < 2 + len) break;
      const msg = pending.subarray(2, 2 + len);
      pending = pending.subarray(2 + len);
      onMessage(Buffer.from(msg));
    }
  });
}
