// The registry's HTTP(S) server: every request is matched to a route, authorized, and run; a thrown
// RegistryError becomes the spec's error body here and nowhere else.
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { logger } from '../lib/log.ts';
import { authorize, repoNeed, type AuthConfig } from './access.ts';
import { RegistryError, registryError, sendError } from './errors.ts';
import type { BlobContext } from './http-blobs.ts';
import { matchRoute } from './routes.ts';
import { serveToken } from './token-endpoint.ts';

const log = logger('registry');

export interface ServerConfig {
  blobs: Omit<BlobContext, 'mayPull'>;
  auth: AuthConfig;
  tls?: { cert: Buffer; key: Buffer };
  /** requests receiving blob bytes at once; more are answered 429 TOO_MANY_REQUESTS (clients retry) */
  maxUploads: number;
}

/** requests that bring blob bytes in: PATCH/PUT of an upload, POST (a monolithic upload may carry its blob) */
const receivesBlob = (method: string | undefined, path: string) => (method === 'PATCH' || method === 'PUT' || method === 'POST') && path.includes('/blobs/uploads');

export function createRegistryServer(cfg: ServerConfig): Server {
  const c: BlobContext = {
    ...cfg.blobs,
    mayPull: (req, name) => authorize(cfg.auth, req, [repoNeed(name, 'pull')]).then(() => true, () => false),
  };
  const load = { uploads: 0 };
  const handle = (req: IncomingMessage, res: ServerResponse) => void serve(cfg, c, load, req, res);
  const server = cfg.tls ? createHttpsServer({ cert: cfg.tls.cert, key: cfg.tls.key }, handle) : createHttpServer(handle);
  // layers take as long as they take: no whole-request deadline
  server.requestTimeout = 0;
  server.keepAliveTimeout = 30_000;
  return server;
}

async function serve(cfg: ServerConfig, c: BlobContext, load: { uploads: number }, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const head = req.method === 'HEAD';
  const t0 = performance.now();
  res.once('finish', () => log.debug('request', { method: req.method, url: req.url, status: res.statusCode, ms: Math.round(performance.now() - t0) }));
  res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
  try {
    const url = new URL(req.url ?? '/', 'http://registry');
    const token = cfg.auth.token;
    if (token && url.pathname === token.path) {
      if (req.method !== 'GET') throw registryError('UNSUPPORTED', 'the token endpoint answers GET');
      await serveToken(cfg.auth, token, req, res, url);
      return;
    }
    const matched = matchRoute(req.method ?? 'GET', url.pathname);
    if (matched === undefined) throw registryError('UNSUPPORTED', 'no such endpoint', { status: 404 });
    if (matched === null) throw registryError('UNSUPPORTED', `method ${req.method} is not allowed here`);
    await authorize(cfg.auth, req, matched.method.need({ name: matched.name, url }));
    if (!receivesBlob(req.method, url.pathname)) {
      await matched.method.run({ c, req, res, name: matched.name, ref: matched.ref, url });
      return;
    }
    if (load.uploads >= cfg.maxUploads) {
      throw registryError('TOO_MANY_REQUESTS', `too many uploads at once (${cfg.maxUploads}): retry shortly`, { headers: { 'Retry-After': '1', Connection: 'close' } });
    }
    load.uploads++;
    try {
      await matched.method.run({ c, req, res, name: matched.name, ref: matched.ref, url });
    } finally {
      load.uploads--;
    }
  } catch (err) {
    if (err instanceof RegistryError) {
      if (err.status >= 500) log.warn('request failed', { method: req.method, url: req.url, err });
      sendError(res, err, head);
      return;
    }
    if (req.destroyed || res.destroyed) {
      log.debug('client went away', { method: req.method, url: req.url, err });
      return;
    }
    log.error('request failed', { method: req.method, url: req.url, err });
    sendError(res, registryError('UNKNOWN', err instanceof Error ? err.message : String(err)), head);
  }
}
