// ApiClient over HTTPS (or HTTP) to a Kubernetes API server: URLs as kube-apiserver routes them, JSON
// bodies, patch content types, watch as a stream of newline-delimited JSON events. Non-2xx answers throw a
// StatusError carrying the server's Status (or one made from the HTTP code when the body is not a Status).
import * as http from 'node:http';
import * as https from 'node:https';
import type { GVR, KObject, KList, Status, WatchEvent } from '../types/meta.ts';
import { findResource } from '../types/registry.ts';
import { StatusError, type StatusReason } from '../types/status-error.ts';
import type { ApiClient, DeleteOptions, ListOptions, PatchType, WatchOptions, WriteOptions } from './types.ts';
import { patchContentTypes } from './types.ts';

export interface HttpClientConfig {
  /** https://127.0.0.1:6443 */
  server: string;
  token?: string;
  /** PEM of the CA that signed the server's certificate */
  ca?: string | Buffer;
  insecureSkipVerify?: boolean;
  userAgent?: string;
  /** client-side limit on requests per second (burst 2×); absent: unlimited */
  qps?: number;
}

type Query = Record<string, string | number | boolean | undefined>;

const reasonByCode: Record<number, StatusReason> = {
  400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 405: 'MethodNotAllowed', 406: 'NotAcceptable',
  409: 'Conflict', 410: 'Expired', 413: 'RequestEntityTooLarge', 415: 'UnsupportedMediaType', 422: 'Invalid', 429: 'TooManyRequests',
  500: 'InternalError', 503: 'ServiceUnavailable', 504: 'Timeout',
};

/** The error for a non-2xx answer: the server's Status when it sent one, else one made from the code. */
export function statusErrorFrom(code: number, body: string): StatusError {
  try {
    const parsed = JSON.parse(body) as Status;
    if (parsed?.kind === 'Status' && parsed.message !== undefined) {
      return new StatusError({ ...parsed, code: parsed.code ?? code, reason: (parsed.reason ?? reasonByCode[code] ?? 'InternalError') as StatusReason, message: parsed.message });
    }
  } catch {}
  const text = body.trim().slice(0, 500);
  return new StatusError({ code, reason: reasonByCode[code] ?? (code >= 500 ? 'InternalError' : 'BadRequest'), message: text ? `the server responded with status ${code}: ${text}` : `the server responded with status ${code}` });
}

/** `/api/v1/namespaces/default/pods/web/status` and friends */
export function resourcePath(r: GVR, namespace: string | undefined, name?: string, subresource?: string): string {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const namespaced = findResource(r)?.namespaced ?? namespace !== undefined;
  let p = namespaced && namespace ? `${base}/namespaces/${encodeURIComponent(namespace)}/${r.resource}` : `${base}/${r.resource}`;
  if (name !== undefined) p += `/${encodeURIComponent(name)}`;
  if (subresource) p += `/${subresource}`;
  return p;
}

function encodeQuery(q: Query): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
}

const listQuery = (o: ListOptions = {}): Query => ({
  labelSelector: o.labelSelector, fieldSelector: o.fieldSelector, limit: o.limit, continue: o.continue,
  resourceVersion: o.resourceVersion, resourceVersionMatch: o.resourceVersionMatch,
});
const writeQuery = (o: WriteOptions = {}): Query => ({ dryRun: o.dryRun ? 'All' : undefined, fieldManager: o.fieldManager, fieldValidation: o.fieldValidation });
const deleteBody = (o: DeleteOptions = {}) => ({
  kind: 'DeleteOptions', apiVersion: 'v1',
  ...(o.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: o.gracePeriodSeconds } : {}),
  ...(o.propagationPolicy ? { propagationPolicy: o.propagationPolicy } : {}),
  ...(o.preconditions ? { preconditions: o.preconditions } : {}),
  ...(o.dryRun ? { dryRun: ['All'] } : {}),
});

/** A token bucket for cfg.qps: waits until a request may go. */
function rateLimiter(qps: number | undefined): () => Promise<void> {
  if (!qps || qps <= 0) return async () => {};
  const burst = Math.max(1, qps * 2);
  let tokens = burst;
  let last = Date.now();
  return async () => {
    const t = Date.now();
    tokens = Math.min(burst, tokens + ((t - last) / 1000) * qps);
    last = t;
    tokens -= 1;
    if (tokens < 0) await new Promise((r) => setTimeout(r, (-tokens / qps) * 1000));
  };
}

export function createHttpClient(cfg: HttpClientConfig): ApiClient {
  const url = new URL(cfg.server);
  const secure = url.protocol === 'https:';
  const mod = secure ? https : http;
  const tls = secure ? { ca: cfg.ca, rejectUnauthorized: !cfg.insecureSkipVerify } : {};
  // calls share a keep-alive pool (≥ 32 in flight); watches live long, so they get their own sockets
  const agent = new mod.Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 32, ...tls });
  const watchAgent = new mod.Agent({ keepAlive: false, ...tls });
  const basePath = url.pathname.replace(/\/$/, '');
  const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': cfg.userAgent ?? 'skiff/0.1' };
  if (cfg.token) headers.Authorization = `Bearer ${cfg.token}`;
  const limit = rateLimiter(cfg.qps);

  /** sends one request; resolves with the response (status checked by the caller) */
  function send(method: string, path: string, body: string | undefined, contentType: string | undefined, signal: AbortSignal | undefined, watch = false): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
      const h: Record<string, string | number> = { ...headers };
      if (body !== undefined) {
        h['Content-Type'] = contentType ?? 'application/json';
        h['Content-Length'] = Buffer.byteLength(body);
      }
      const req = mod.request(
        { protocol: url.protocol, hostname: url.hostname, port: url.port, path: basePath + path, method, headers: h, agent: watch ? watchAgent : agent, signal },
        resolve,
      );
      req.on('error', (err) => reject(signal?.aborted ? err : new StatusError({ code: 503, reason: 'ServiceUnavailable', message: `cannot reach the API server at ${cfg.server}: ${err.message}` }, { cause: err })));
      req.end(body);
    });
  }

  async function readAll(res: http.IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  async function call<T>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    await limit();
    const res = await send(method, path, body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body), contentType, undefined);
    const text = await readAll(res);
    const code = res.statusCode ?? 0;
    if (code < 200 || code > 299) throw statusErrorFrom(code, text);
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new StatusError({ code: 500, reason: 'InternalError', message: `the server sent invalid JSON for ${method} ${path}` }, { cause: err });
    }
  }

  async function* watchEvents<T extends KObject>(r: GVR, namespace: string | undefined, o: WatchOptions, signal: AbortSignal): AsyncGenerator<WatchEvent<T>> {
    const q: Query = {
      watch: 'true', labelSelector: o.labelSelector, fieldSelector: o.fieldSelector, resourceVersion: o.resourceVersion,
      allowWatchBookmarks: o.allowWatchBookmarks ? 'true' : undefined, timeoutSeconds: o.timeoutSeconds,
      sendInitialEvents: o.sendInitialEvents === undefined ? undefined : String(o.sendInitialEvents),
    };
    if (signal.aborted) return;
    await limit();
    let res: http.IncomingMessage;
    try {
      res = await send('GET', resourcePath(r, namespace) + encodeQuery(q), undefined, undefined, signal, true);
    } catch (err) {
      if (signal.aborted) return;
      throw err;
    }
    const code = res.statusCode ?? 0;
    if (code < 200 || code > 299) throw statusErrorFrom(code, await readAll(res));
    res.setEncoding('utf8');
    let buf = '';
    try {
      for await (const chunk of res as AsyncIterable<string>) {
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line) yield JSON.parse(line) as WatchEvent<T>;
        }
      }
      if (buf.trim()) yield JSON.parse(buf) as WatchEvent<T>;
    } catch (err) {
      // an abort, or the server going away mid-stream: the watch just ends, the informer resumes it
      if (signal.aborted || (err as { code?: string }).code === 'ECONNRESET' || (err as Error).name === 'AbortError') return;
      throw err;
    } finally {
      res.destroy();
    }
  }

  return {
    get: <T extends KObject>(r: GVR, ns: string | undefined, name: string, o: { subresource?: string } = {}) =>
      call<T>('GET', resourcePath(r, ns, name, o.subresource)),
    list: <T extends KObject>(r: GVR, ns: string | undefined, o?: ListOptions) =>
      call<KList<T>>('GET', resourcePath(r, ns) + encodeQuery(listQuery(o))),
    watch: <T extends KObject>(r: GVR, ns: string | undefined, o: WatchOptions, signal: AbortSignal) => watchEvents<T>(r, ns, o, signal),
    create: <T extends KObject>(r: GVR, ns: string | undefined, obj: KObject, o: WriteOptions & { subresource?: string; name?: string } = {}) =>
      call<T>('POST', (o.subresource ? resourcePath(r, ns, o.name ?? obj.metadata?.name ?? '', o.subresource) : resourcePath(r, ns)) + encodeQuery(writeQuery(o)), obj),
    update: <T extends KObject>(r: GVR, ns: string | undefined, obj: KObject, o: WriteOptions & { subresource?: string } = {}) =>
      call<T>('PUT', resourcePath(r, ns, obj.metadata?.name ?? '', o.subresource) + encodeQuery(writeQuery(o)), obj),
    patch: <T extends KObject>(r: GVR, ns: string | undefined, name: string, type: PatchType, body: string | object, o: WriteOptions & { subresource?: string; force?: boolean } = {}) => {
      // server-side apply needs a field manager; JSON is YAML, so an object body goes as JSON
      const q = { ...writeQuery(o), fieldManager: o.fieldManager ?? (type === 'apply' ? 'skiff' : undefined), force: o.force ? 'true' : undefined };
      return call<T>('PATCH', resourcePath(r, ns, name, o.subresource) + encodeQuery(q), body, patchContentTypes[type]);
    },
    delete: (r: GVR, ns: string | undefined, name: string, o?: DeleteOptions) =>
      call<KObject | Status>('DELETE', resourcePath(r, ns, name), deleteBody(o)),
    deleteCollection: (r: GVR, ns: string | undefined, o: ListOptions & DeleteOptions = {}) =>
      call<KList>('DELETE', resourcePath(r, ns) + encodeQuery(listQuery(o)), deleteBody(o)),
  };
}
