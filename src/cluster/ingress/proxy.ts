// The data path: an HTTP request (HTTP/1.1 or HTTP/2) is routed by host and path, its Service resolved to
// ready endpoints, and forwarded over a keep-alive connection pool as HTTP/1.1, the body streamed both ways.
// A target that refuses or does not answer the connect is skipped for the next one (round-robin order).
// WebSocket (HTTP/1.1 Upgrade) gets a raw TCP splice after the forwarded request head.
import { Agent, request, type IncomingMessage, type ServerResponse, type ClientRequest } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Backend, RouteTable } from './routes.ts';
import { route } from './routes.ts';
import type { Resolution, Target } from './backends.ts';
import { clientAddress, downstreamHeaders, upgradeHead, upstreamHeaders, type Forwarded } from './headers.ts';
import { logger } from '../../lib/log.ts';

const log = logger('ingress');
const connectTimeoutMs = 5_000;

export interface ProxyDeps {
  table(): RouteTable;
  resolve(b: Backend): Resolution;
  /** the targets in the order to try them (round-robin) */
  order(key: string, targets: Target[]): Target[];
}

type Req = IncomingMessage | Http2ServerRequest;
type Res = ServerResponse | Http2ServerResponse;

function hostOf(req: Req): string {
  return String(req.headers[':authority'] ?? req.headers.host ?? '');
}

function forwarded(req: Req, scheme: 'http' | 'https'): Forwarded {
  return { remote: clientAddress(req.socket?.remoteAddress), scheme, host: hostOf(req), port: req.socket?.localPort ?? 0 };
}

function plain(res: Res, status: number, text: string): void {
  if (res.headersSent) return void res.destroy();
  // the client went away meanwhile: nobody to answer
  if ((res as ServerResponse).destroyed || ('stream' in res && res.stream.destroyed)) return;
  (res as ServerResponse).writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** the targets for the request, or the status to answer with */
function targetsFor(deps: ProxyDeps, req: Req): { key: string; targets: Target[] } | { status: number; text: string } {
  const b = route(deps.table(), hostOf(req), req.url ?? '/');
  if (!b) return { status: 404, text: 'default backend - 404\n' };
  const r = deps.resolve(b);
  if ('missing' in r) return { status: 503, text: `503 Service Unavailable: ${r.message}\n` };
  const key = `${b.namespace}/${b.service}:${b.port}`;
  return { key, targets: deps.order(key, r.targets) };
}

const connectFailure = (err: NodeJS.ErrnoException) =>
  ['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTDOWN'].includes(err.code ?? '');

/** the handler for 'request' events of the HTTP and HTTPS (HTTP/2 + HTTP/1.1) servers */
export function createRequestHandler(deps: ProxyDeps, scheme: 'http' | 'https') {
  const agent = new Agent({ keepAlive: true, maxFreeSockets: 64, scheduling: 'lifo' });
  return function handle(req: Req, res: Res): void {
    // this runs inside the control plane's process: a request it cannot forward must not take it down
    try {
      forward(req, res);
    } catch (err) {
      log.debug('request not forwarded', { url: req.url, err });
      plain(res, 400, `400 Bad Request: ${(err as Error).message}\n`);
    }
  };

  function forward(req: Req, res: Res): void {
    const found = targetsFor(deps, req);
    if ('status' in found) return plain(res, found.status, found.text);
    const headers = upstreamHeaders(req.headers, forwarded(req, scheme));
    let retriedStale = false;
    const tryTarget = (i: number): void => {
      const t = found.targets[i];
      if (!t) return plain(res, 502, '502 Bad Gateway: no endpoint accepted the connection\n');
      let sent = false;
      let complete = false;
      let timer: NodeJS.Timeout | undefined;
      let up: ClientRequest;
      try {
        up = request({ host: t.host, port: t.port, method: req.method, path: req.url, headers, agent, setHost: false });
      } catch (err) {
        // what HTTP/2 lets through may not be a valid HTTP/1.1 request (a path with spaces, say)
        return plain(res, 400, `400 Bad Request: ${(err as Error).message}\n`);
      }
      const send = () => {
        sent = true;
        if (timer) clearTimeout(timer);
        (req as NodeJS.ReadableStream).pipe(up);
      };
      up.once('socket', (s: Socket) => {
        if (!s.connecting) return send();
        timer = setTimeout(() => up.destroy(Object.assign(new Error(`connect to ${t.host}:${t.port} timed out`), { code: 'ETIMEDOUT' })), connectTimeoutMs);
        s.once('connect', send);
      });
      up.on('error', (err: NodeJS.ErrnoException) => {
        if (timer) clearTimeout(timer);
        if (res.headersSent || (res as ServerResponse).writableEnded) return void res.destroy();
        // nothing of the body went out yet: another endpoint may take it
        if (!sent && connectFailure(err)) {
          log.debug('endpoint refused, trying the next', { target: `${t.host}:${t.port}`, err });
          return tryTarget(i + 1);
        }
        // a pooled connection the backend closed as we reused it: a body-less request may go again, once
        if (up.reusedSocket && err.code === 'ECONNRESET' && (req.method === 'GET' || req.method === 'HEAD') && !retriedStale) {
          retriedStale = true;
          return tryTarget(i);
        }
        plain(res, 502, `502 Bad Gateway: ${err.message}\n`);
      });
      up.on('response', (upRes) => {
        const h = downstreamHeaders(upRes.headers);
        // HTTP/2 has no reason phrase; HTTP/1.1 clients get the backend's
        if ('stream' in res) res.writeHead(upRes.statusCode ?? 502, h);
        else res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage ?? '', h);
        upRes.pipe(res as NodeJS.WritableStream);
        upRes.on('error', () => res.destroy());
        upRes.once('end', () => (complete = true));
      });
      // the client left before the answer was through: the upstream request goes too (not back to the pool)
      res.once('close', () => {
        if (!complete) up.destroy();
      });
    };
    tryTarget(0);
  }
}

/** the handler for 'upgrade' events (HTTP/1.1 only): WebSocket and the like, spliced raw */
export function createUpgradeHandler(deps: ProxyDeps, scheme: 'http' | 'https') {
  return function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const found = targetsFor(deps, req);
    if ('status' in found) {
      socket.end(`HTTP/1.1 ${found.status} ${found.status === 404 ? 'Not Found' : 'Service Unavailable'}\r\nconnection: close\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(found.text)}\r\n\r\n${found.text}`);
      return;
    }
    const requestHead = upgradeHead(req.method ?? 'GET', req.url ?? '/', req.headers, forwarded(req, scheme));
    const tryTarget = (i: number): void => {
      const t = found.targets[i];
      if (!t) return void socket.end('HTTP/1.1 502 Bad Gateway\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      const up = connect({ host: t.host, port: t.port });
      const timer = setTimeout(() => up.destroy(Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT' })), connectTimeoutMs);
      let connected = false;
      up.once('connect', () => {
        connected = true;
        clearTimeout(timer);
        up.write(requestHead);
        if (head.length) up.write(head);
        up.pipe(socket).pipe(up);
      });
      up.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        if (!connected && connectFailure(err) && !socket.destroyed) return tryTarget(i + 1);
        socket.destroy();
      });
      socket.on('close', () => up.destroy());
      up.on('close', () => socket.destroy());
    };
    tryTarget(0);
  };
}
