// The HTTP/1.1 server on a unix socket: version prefix, routing, one error mapping, request logging,
// cancellation when the client goes away, and the hijack (upgrade) path for attach and exec start.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import type { Engine } from '../types.ts';
import { logger } from '../../lib/log.ts';
import { notFound } from '../../lib/errors.ts';
import { compileRoutes, matchRoute, splitVersion, type CompiledRoute, type Route, type RequestContext } from './router.ts';
import { toHttpError, errorBody, rawErrorResponse } from './errors.ts';
import { plainConnection, upgradedConnection } from './hijack.ts';

const log = logger('api');

export interface ApiServer {
  close(): Promise<void>;
}

export interface ServeOptions {
  socketPath: string;
  signal?: AbortSignal;
  serverVersion: string;
  routes: Route[];
}

export async function serveRoutes(engine: Engine, opts: ServeOptions): Promise<ApiServer> {
  const routes = compileRoutes(opts.routes);
  const streamPaths = routes.filter((r) => r.stream);
  const closing = new AbortController();
  const sockets = new Set<Socket | Duplex>();

  const server = createServer({
    requestTimeout: 0, // uploads (import, cp) may take long; the socket's own lifetime bounds them
    // only hijacking routes take the upgrade path; any other request that says "Upgrade" is a plain request
    shouldUpgradeCallback: (req) => isStreamRequest(streamPaths, req),
  });

  const base = (req: IncomingMessage, signal: AbortSignal) => ({ engine, req, signal, serverVersion: opts.serverVersion });

  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    const ac = new AbortController();
    const abort = () => ac.abort();
    closing.signal.addEventListener('abort', abort, { once: true });
    res.on('close', () => {
      closing.signal.removeEventListener('abort', abort);
      if (!res.writableFinished) ac.abort();
      log.debug('request', { method: req.method, path: req.url, status: res.statusCode, ms: Math.round(performance.now() - started) });
    });
    void handleRequest(routes, req, res, base(req, ac.signal));
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const started = performance.now();
    const ac = new AbortController();
    sockets.add(socket);
    const abort = () => ac.abort();
    closing.signal.addEventListener('abort', abort, { once: true });
    socket.on('error', () => {});
    socket.on('close', () => {
      sockets.delete(socket);
      closing.signal.removeEventListener('abort', abort);
      ac.abort();
      log.debug('request', { method: req.method, path: req.url, status: 101, ms: Math.round(performance.now() - started) });
    });
    void handleUpgrade(routes, req, socket, head, base(req, ac.signal));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log.error('server error', { err }));

  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= new Promise<void>((resolve) => {
      closing.abort();
      server.close(() => resolve());
      // streams (logs -f, attach, events) never end by themselves
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
    }));
  opts.signal?.addEventListener('abort', () => void close(), { once: true });
  return { close };
}

async function handleRequest(
  routes: CompiledRoute[],
  req: IncomingMessage,
  res: ServerResponse,
  base: Omit<RequestContext, 'params' | 'query' | 'apiVersion'>,
): Promise<void> {
  try {
    const url = new URL(req.url ?? '/', 'http://docker');
    const { version, path } = splitVersion(url.pathname);
    const found = matchRoute(routes, req.method ?? 'GET', path);
    if (!found) throw notFound('page not found');
    const ctx = { ...base, params: found.params, query: url.searchParams, apiVersion: version };
    if (found.route.handle) await found.route.handle({ ...ctx, res });
    else if (found.route.stream) {
      const conn = plainConnection(req, res);
      await found.route.stream({ ...ctx, conn });
      if (!res.writableEnded) res.end();
    }
  } catch (err) {
    replyError(res, err, req);
  }
}

async function handleUpgrade(
  routes: CompiledRoute[],
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  base: Omit<RequestContext, 'params' | 'query' | 'apiVersion'>,
): Promise<void> {
  const conn = upgradedConnection(req, socket, head);
  let opened = false;
  const tracked = {
    ...conn,
    open(contentType: string) {
      opened = true;
      return conn.open(contentType);
    },
    respond(status: number) {
      opened = true;
      conn.respond(status);
    },
  };
  try {
    const url = new URL(req.url ?? '/', 'http://docker');
    const { version, path } = splitVersion(url.pathname);
    const found = matchRoute(routes, req.method ?? 'GET', path);
    if (!found?.route.stream) throw notFound('page not found');
    await found.route.stream({ ...base, params: found.params, query: url.searchParams, apiVersion: version, conn: tracked });
    socket.end();
  } catch (err) {
    const e = toHttpError(err);
    if (opened) {
      log.warn('stream failed', { path: req.url, err: e.message });
      socket.destroy();
      return;
    }
    logFailure(req, e.status, e.message);
    socket.end(rawErrorResponse(e));
  }
}

function replyError(res: ServerResponse, err: unknown, req: IncomingMessage): void {
  const e = toHttpError(err);
  logFailure(req, e.status, e.message);
  if (res.headersSent) {
    // a streamed answer cannot change its status any more; cutting it short tells the client
    res.destroy();
    return;
  }
  const body = errorBody(e.message);
  res.writeHead(e.status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function logFailure(req: IncomingMessage, status: number, message: string): void {
  if (status >= 500) log.error('request failed', { method: req.method, path: req.url, status, message });
  else log.debug('request refused', { method: req.method, path: req.url, status, message });
}

function isStreamRequest(streamRoutes: CompiledRoute[], req: IncomingMessage): boolean {
  if (!/\bupgrade\b/i.test(String(req.headers.connection ?? ''))) return false;
  try {
    const { path } = splitVersion(new URL(req.url ?? '/', 'http://docker').pathname);
    return matchRoute(streamRoutes, req.method ?? 'GET', path) !== undefined;
  } catch {
    return false;
  }
}
