// The kubelet's HTTPS server (port 10250): what the API server proxies kubectl's streams to.
//   GET  /containerLogs/{ns}/{pod}/{container}?follow&previous&tailLines&sinceSeconds&sinceTime&timestamps&limitBytes
//   GET|POST /exec/{ns}/{pod}/{container}?command=…&input&output&error&tty   (WebSocket v5/v4.channel.k8s.io, or SPDY/3.1 v4)
//   GET|POST /attach/{ns}/{pod}/{container}?input&output&error&tty
//   GET|POST /portForward/{ns}/{pod}                                      (SPDY/3.1, plain or in a WebSocket)
// Callers authenticate with a client certificate the cluster CA signed for the API server
// (CN kube-apiserver-kubelet-client or group system:masters), or whatever `authenticate` accepts.
// Everything reaches the runtime through the RuntimeService: exec/attach sessions, portForward, log paths.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { RuntimeService } from '../../../engine/types/runtime.ts';
import { isWebSocketRequest } from '../../../lib/websocket/index.ts';
import { logger } from '../../../lib/log.ts';
import { isKind } from '../../../lib/errors.ts';
import { hostname } from 'node:os';
import { selfSignedServingTls } from '../../server/tls.ts';
import { lookupByLabels, pickContainer, type PodLookup, type PodRuntimeView } from './lookup.ts';
import { writeCriLog, type LogQuery } from './logs.ts';
import { pickRemoteCommandProtocol, serveRemoteCommand } from './remotecommand.ts';
import { servePortForward } from './portforward.ts';
import { serveSpdyRemoteCommand, wantsSpdyRemoteCommand } from './spdy-remotecommand.ts';

export type { PodLookup, PodRuntimeView, PodContainer } from './lookup.ts';
export { lookupByLabels, POD_NAME_LABEL, POD_NAMESPACE_LABEL } from './lookup.ts';

const log = logger('kubelet-server');

export const DEFAULT_KUBELET_PORT = 10250;
export const KUBELET_CLIENT_CN = 'kube-apiserver-kubelet-client';

export interface KubeletServerOptions {
  runtime: RuntimeService;
  /** a pod's sandbox and containers; default: found by the kubelet's CRI labels (lookupByLabels) */
  podLookup?: PodLookup;
  /** default 10250; 0 picks a free one */
  port?: number;
  /** default 0.0.0.0 */
  address?: string;
  /** the serving certificate (PEM); default: self-signed (the API server does not verify it, as kube-apiserver
   *  without --kubelet-certificate-authority) */
  tls?: { cert: string; key: string };
  /** PEM: the CA whose client certificates are accepted (the cluster CA) */
  clientCa?: string;
  /** another way in (a bearer token, …): true lets the request through */
  authenticate?(req: IncomingMessage): boolean;
  /** more plain GET routes (e.g. /stats/summary): return true when handled */
  extraRoutes?(req: IncomingMessage, res: ServerResponse, url: URL): boolean | Promise<boolean>;
}

export interface KubeletServer {
  port: number;
  close(): Promise<void>;
}

class HttpError extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

const truthy = (v: string | null) => v === '1' || v === 'true' || v === 'True' || v === 't';

export async function startKubeletServer(opts: KubeletServerOptions): Promise<KubeletServer> {
  const lookup = opts.podLookup ?? lookupByLabels(opts.runtime);
  const isAllowed = (req: IncomingMessage): boolean => {
    const sock = req.socket as TLSSocket;
    if (sock.authorized) {
      const subject = sock.getPeerCertificate()?.subject ?? {};
      const orgs = ([] as string[]).concat(subject.O ?? []);
      if (subject.CN === KUBELET_CLIENT_CN || orgs.includes('system:masters')) return true;
    }
    return opts.authenticate?.(req) ?? false;
  };
  const ctx: Ctx = { runtime: opts.runtime, lookup };
  const tls = opts.tls ?? (await selfSignedServingTls(`${hostname()}@kubelet`, [hostname(), 'localhost', '127.0.0.1']));
  const server: Server = createServer({ cert: tls.cert, key: tls.key, ca: opts.clientCa, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://kubelet');
    if (url.pathname === '/healthz') return void res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
    if (!isAllowed(req)) return void res.writeHead(401, { 'Content-Type': 'text/plain' }).end('Unauthorized');
    serveRequest(ctx, req, res, url, opts.extraRoutes).catch((err: unknown) => {
      const code = err instanceof HttpError ? err.code : isKind(err, 'NotFound') ? 404 : 500;
      if (code === 500) log.error('request failed', { url: req.url, err: String(err) });
      if (!res.headersSent) res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end((err as Error).message);
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', (err) => log.debug('stream socket failed', { err: String(err) }));
    (socket as TLSSocket).setNoDelay?.(true); // small frames (keystrokes, SPDY replies) go at once
    if (!isAllowed(req)) return refuseUpgrade(socket, new HttpError(401, 'Unauthorized'));
    serveUpgrade(ctx, req, socket, head).catch((err: unknown) => refuseUpgrade(socket, err));
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? DEFAULT_KUBELET_PORT, opts.address ?? '0.0.0.0', () => ok());
  });
  const port = (server.address() as { port: number }).port;
  log.info(`kubelet server listening on ${opts.address ?? '0.0.0.0'}:${port}`);
  return {
    port,
    close: () => new Promise<void>((done) => {
      server.closeAllConnections();
      server.close(() => done());
    }),
  };
}

interface Ctx {
  runtime: RuntimeService;
  lookup: PodLookup;
}

/** /verb/{ns}/{pod}[/{container}] */
function parsePodPath(pathname: string): { verb: string; namespace: string; pod: string; container?: string } | undefined {
  const segs = pathname.split('/').filter(Boolean).map((s) => decodeURIComponent(s));
  if (segs.length < 3 || segs.length > 4) return undefined;
  return { verb: segs[0], namespace: segs[1], pod: segs[2], container: segs[3] };
}

async function findPod(ctx: Ctx, namespace: string, pod: string): Promise<PodRuntimeView> {
  const view = await ctx.lookup(namespace, pod);
  if (!view) throw new HttpError(404, `pod "${pod}" in namespace "${namespace}" not found on this node`);
  return view;
}

async function serveRequest(ctx: Ctx, req: IncomingMessage, res: ServerResponse, url: URL, extra: KubeletServerOptions['extraRoutes']): Promise<void> {
  if (extra && (await extra(req, res, url))) return;
  const p = parsePodPath(url.pathname);
  if (!p || p.verb !== 'containerLogs' || !p.container) throw new HttpError(404, `404 page not found: ${url.pathname}`);
  if (req.method !== 'GET') throw new HttpError(405, 'method not allowed');
  const q = url.searchParams;
  const previous = truthy(q.get('previous'));
  const view = await findPod(ctx, p.namespace, p.pod);
  const c = pickContainer(view, p.container, previous);
  if (!c) {
    throw new HttpError(400, previous
      ? `previous terminated container "${p.container}" in pod "${p.pod}" not found`
      : `container "${p.container}" in pod "${p.pod}" is waiting to start: ContainerCreating`);
  }
  const status = await ctx.runtime.containerStatus(c.id);
  const query = logQuery(q);
  const abort = new AbortController();
  res.on('close', () => abort.abort());
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  // a status that cannot be read right now is not a stop: only a container known to be gone or stopped ends -f
  const running = async () => {
    try {
      const st = await ctx.runtime.containerStatus(c.id);
      return st.state === 'CONTAINER_RUNNING' || st.state === 'CONTAINER_CREATED';
    } catch (err) {
      if (isKind(err, 'NotFound')) return false;
      log.debug('container status unreadable while following its log', { err: String(err) });
      return true;
    }
  };
  try {
    await writeCriLog(status.logPath, query, res, running, abort.signal);
  } catch (err) {
    // a container that never wrote has no file yet: an empty log
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  res.end();
}

function logQuery(q: URLSearchParams): LogQuery {
  const num = (name: string): number | undefined => {
    const v = q.get(name);
    if (v === null || v === '') return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new HttpError(400, `${name}: invalid value "${v}"`);
    return n;
  };
  const sinceSeconds = num('sinceSeconds');
  const sinceTime = q.get('sinceTime');
  const since = sinceSeconds !== undefined ? Date.now() / 1000 - sinceSeconds : sinceTime ? Date.parse(sinceTime) / 1000 : undefined;
  if (since !== undefined && Number.isNaN(since)) throw new HttpError(400, `sinceTime: invalid value "${sinceTime}"`);
  return { follow: truthy(q.get('follow')), since, tailLines: num('tailLines'), timestamps: truthy(q.get('timestamps')), limitBytes: num('limitBytes') };
}

/** input/output/error (kubelet's names) or stdin/stdout/stderr (PodExecOptions') */
const flag = (q: URLSearchParams, a: string, b: string) => truthy(q.get(a)) || truthy(q.get(b));

async function serveUpgrade(ctx: Ctx, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://kubelet');
  const p = parsePodPath(url.pathname);
  if (!p) throw new HttpError(404, `404 page not found: ${url.pathname}`);
  const view = await findPod(ctx, p.namespace, p.pod);
  if (p.verb === 'portForward') {
    return servePortForward(req, socket, head, (port) => ctx.runtime.portForward(view.sandboxId, port));
  }
  if ((p.verb !== 'exec' && p.verb !== 'attach') || !p.container) throw new HttpError(404, `404 page not found: ${url.pathname}`);
  const c = pickContainer(view, p.container, false);
  if (!c || !c.running) throw new HttpError(400, `container ${p.container} is not running in pod ${p.pod}`);
  const q = url.searchParams;
  const io = { tty: truthy(q.get('tty')), stdin: flag(q, 'input', 'stdin'), stdout: flag(q, 'output', 'stdout'), stderr: flag(q, 'error', 'stderr') };
  if (io.tty) io.stderr = false; // a terminal has one output
  const cmd = q.getAll('command');
  if (p.verb === 'exec' && cmd.length === 0) throw new HttpError(400, 'you must specify at least 1 command');
  const rc = {
    cmd,
    reportExit: p.verb === 'exec',
    start: () => (p.verb === 'exec' ? ctx.runtime.exec({ containerId: c.id, cmd, ...io }) : ctx.runtime.attach({ containerId: c.id, ...io })),
  };
  if (wantsSpdyRemoteCommand(req)) return serveSpdyRemoteCommand(socket, head, io, rc);
  if (!isWebSocketRequest(req)) throw new HttpError(400, `${p.verb} needs an upgrade: WebSocket (v5.channel.k8s.io, v4.channel.k8s.io) or SPDY/3.1 (v4.channel.k8s.io)`);
  const protocol = pickRemoteCommandProtocol(req);
  if (!protocol) throw new HttpError(400, `unsupported subprotocol: ${req.headers['sec-websocket-protocol'] ?? '(none)'}; this kubelet speaks v5.channel.k8s.io and v4.channel.k8s.io`);
  serveRemoteCommand(req, socket, head, protocol, rc);
}

function refuseUpgrade(socket: Duplex, err: unknown): void {
  const code = err instanceof HttpError ? err.code : isKind(err, 'NotFound') ? 404 : 500;
  if (code === 500) log.error('stream request failed', { err: String(err) });
  const body = Buffer.from((err as Error).message ?? String(err));
  const reason = ({ 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found' } as Record<number, string>)[code] ?? 'Internal Server Error';
  socket.end(`HTTP/1.1 ${code} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
}
