// Header rewriting for the proxy: hop-by-hop headers stay on their hop (RFC 9110 7.6.1), HTTP/2's pseudo
// headers become a Host, and the X-Forwarded-* headers tell the backend who asked and how.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

const hopByHop = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'http2-settings', 'expect']);

/** the names the Connection header lists are hop-by-hop too */
function connectionListed(headers: IncomingHttpHeaders): Set<string> {
  const c = headers.connection;
  return new Set((Array.isArray(c) ? c.join(',') : (c ?? '')).split(',').map((s) => s.trim().toLowerCase()).filter((s) => s));
}

/** end-to-end headers only (no pseudo headers) */
export function endToEnd(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const listed = connectionListed(headers);
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || k.startsWith(':') || hopByHop.has(k) || listed.has(k)) continue;
    out[k] = v;
  }
  return out;
}

export interface Forwarded {
  /** the client's address */
  remote: string;
  scheme: 'http' | 'https';
  /** the Host (or :authority) the client asked for */
  host: string;
  /** the port the client connected to */
  port: number;
}

/** the client address without the IPv4-mapped prefix */
export const clientAddress = (a: string | undefined) => (a ?? '').replace(/^::ffff:(?=\d+\.)/, '');

/** the headers sent upstream: end-to-end ones, Host kept, X-Forwarded-For appended to */
export function upstreamHeaders(headers: IncomingHttpHeaders, f: Forwarded): OutgoingHttpHeaders {
  const out = endToEnd(headers);
  const prior = headers['x-forwarded-for'];
  out.host = f.host;
  out['x-forwarded-for'] = prior ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${f.remote}` : f.remote;
  out['x-forwarded-proto'] = f.scheme;
  out['x-forwarded-host'] = f.host;
  out['x-forwarded-port'] = String(f.port);
  out['x-real-ip'] = f.remote;
  return out;
}

/** a response's headers as the client may get them (HTTP/2 refuses connection-specific ones) */
export function downstreamHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  return endToEnd(headers);
}

/** the raw request head for an upgrade (WebSocket): the request line, forwarded headers, Connection: Upgrade */
export function upgradeHead(method: string, url: string, headers: IncomingHttpHeaders, f: Forwarded): string {
  const out = upstreamHeaders(headers, f);
  const lines = [`${method} ${url} HTTP/1.1`];
  for (const [k, v] of Object.entries(out)) for (const one of Array.isArray(v) ? v : [v]) if (one !== undefined) lines.push(`${k}: ${one}`);
  lines.push('connection: Upgrade', `upgrade: ${headers.upgrade ?? 'websocket'}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}
