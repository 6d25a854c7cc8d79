// The HTTP face of the API server: authenticates each request, serves health, version, discovery and
// OpenAPI, and turns resource URLs into ApiClient calls (./resource.ts). It only handles requests; the
// caller owns the (HTTPS) server. Everything is what kubectl v1.32 sends and expects.
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { KubeletStreams } from '../streams/index.ts';
import { METRICS_PREFIX, type MetricsApi } from '../../metrics/index.ts';
import { statusOf } from './respond.ts';
import type { ApiClient } from '../../client/types.ts';
import type { ResourceSpec } from '../../types/resource.ts';
import { asResourceSet, type ResourceSet } from '../../types/resource-set.ts';
import type { OpenApiDocs } from '../openapi/types.ts';
import { createDiscovery, type Discovery, type DiscoveryDoc } from '../discovery.ts';
import { pathNotFound, unauthorizedError, verbNotAllowed } from './errors.ts';
import { contentTypeOf, negotiate, parseAccept, type Representation } from './negotiate.ts';
import { sendBytes, sendError, sendJson } from './respond.ts';
import { indexResources, parseResourcePath, type ResourceIndex } from './route.ts';
import { refuseKubeletSubresource, serveResource } from './resource.ts';
import { authorizeRequest, authorizeUpgrade } from './authorize.ts';
import type { Authorizer, Reviews } from '../../rbac/index.ts';

export { warningHeader } from './respond.ts';
export type { HttpWriteOptions } from './request.ts';

/** Who made a request, as Kubernetes' user.Info: name, uid, groups (system:authenticated included) and extra */
export interface ApiUser {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export interface ApiHandlerOptions {
  /** the REST layer (or any ApiClient) the requests are served from */
  rest: ApiClient;
  /** the served kinds: a fixed list, or the live set (discovery, routing and OpenAPI follow its changes) */
  resources: readonly ResourceSpec[] | ResourceSet;
  openapi?: OpenApiDocs;
  /** the caller of a request (from its bearer token), or undefined → 401; the authenticators are chained by the server */
  authenticate(req: IncomingMessage): ApiUser | undefined | Promise<ApiUser | undefined>;
  /** fields merged over the default /version answer */
  version?: object;
  /** the clock tables measure AGE against (tests) */
  now?: () => Date;
  /** pods/{log,exec,attach,portforward} and nodes/proxy through the kubelets; absent: 503 */
  streams?: KubeletStreams;
  /** metrics.k8s.io (kubectl top), served in-process; absent: the group is not discovered */
  metrics?: MetricsApi;
  /** RBAC: every request (impersonation included) is authorized; absent: every authenticated caller may do anything */
  authorizer?: Authorizer;
  /** the access and token reviews, answered (never stored); absent: they reach the REST layer like any kind */
  reviews?: Reviews;
  /** ServiceAccount issuer discovery (cluster/serviceaccount/discovery.ts): the documents at
   * /.well-known/openid-configuration and /openid/v1/jwks; absent: 404 */
  serviceAccountIssuer?: { openidConfiguration: object; jwks: object };
}

export type ApiHandler = (req: IncomingMessage, res: ServerResponse) => void;

const defaultVersion = {
  major: '1', minor: '32', gitVersion: 'v1.32.0-skiff', gitCommit: '', gitTreeState: 'clean', buildDate: '1970-01-01T00:00:00Z',
  goVersion: `node${process.versions.node}`, compiler: 'node', platform: 'linux/amd64',
};

/** /healthz, /livez, /readyz and their per-check subpaths: answered without authentication, as kube's RBAC allows */
const isHealthPath = (p: string) => /^\/(healthz|livez|readyz)(\/.*)?$/.test(p);

export function createApiHandler(opts: ApiHandlerOptions): ApiHandler {
  const set = asResourceSet(opts.resources);
  // discovery is encoded once per generation of the served set (its ETag changes with it)
  let discovery: { gen: number; doc: Discovery } | undefined;
  const discoveryNow = () => {
    if (discovery?.gen !== set.generation()) discovery = { gen: set.generation(), doc: createDiscovery([...set.list(), ...(opts.metrics?.resources ?? [])]) };
    return discovery.doc;
  };
  const index = indexResources(set);
  const version = { ...defaultVersion, ...opts.version };
  const now = opts.now ?? (() => new Date());
  return (req, res) => {
    route(req, res, { ...opts, resources: set, discovery: discoveryNow(), index, version, now }).catch((err) => sendError(res, err, { method: req.method, url: req.url }));
  };
}

interface Ctx extends ApiHandlerOptions {
  resources: ResourceSet;
  discovery: Discovery;
  index: ResourceIndex;
  version: object;
  now: () => Date;
}

async function route(req: IncomingMessage, res: ServerResponse, ctx: Ctx): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://apiserver');
  const path = url.pathname.replace(/\/+$/, '') || '/';
  if (isHealthPath(path)) {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw pathNotFound();
    return sendBytes(res, 200, Buffer.from('ok'), 'text/plain; charset=utf-8', { 'X-Content-Type-Options': 'nosniff' });
  }
  const caller = await ctx.authenticate(req);
  if (!caller) throw unauthorizedError();
  const user = authorizeRequest(req, url, caller, ctx.authorizer);
  const ranges = parseAccept(req.headers.accept);
  if (path === '/version') return sendJson(res, 200, ctx.version);
  if (ctx.serviceAccountIssuer && (path === '/.well-known/openid-configuration' || path === '/openid/v1/jwks')) {
    if (req.method !== 'GET') throw verbNotAllowed();
    const jwks = path === '/openid/v1/jwks';
    return sendJson(res, 200, jwks ? ctx.serviceAccountIssuer.jwks : ctx.serviceAccountIssuer.openidConfiguration, { contentType: jwks ? 'application/jwk-set+json' : 'application/json', headers: { 'Cache-Control': 'public, max-age=3600' } });
  }
  if (path === '/') return sendJson(res, 200, { paths: rootPaths(ctx) });
  if (path === '/api' || path === '/apis') {
    const rep = negotiate(ranges, { discovery: true });
    const doc = rep.as === 'discovery' ? ctx.discovery.aggregated(path, rep.version) : ctx.discovery.legacy(path)!;
    return sendDiscovery(req, res, doc, contentTypeOf(rep));
  }
  const legacy = ctx.discovery.legacy(path);
  if (legacy) return sendDiscovery(req, res, legacy, 'application/json');
  if (path === '/openapi/v2' || path.startsWith('/openapi/v3')) return serveOpenApi(req, res, ctx.openapi, path, url, ranges.map((r) => r.type));
  if (ctx.metrics && path.startsWith(METRICS_PREFIX)) return serveMetrics(req, res, ctx.metrics, path, url, negotiate(ranges, { table: true }), ctx.now());
  const nodeProxy = nodeProxyPath.exec(path);
  if (nodeProxy && ctx.streams) return ctx.streams.nodeProxy(req, res, decodeURIComponent(nodeProxy[1]), nodeProxy[2] ?? '/', url.search);
  const target = parseResourcePath(path, ctx.index);
  if (!target) throw pathNotFound();
  return serveResource({ req, res, url, client: ctx.rest, target, rep: negotiate(ranges, { table: true }), now: ctx.now, streams: ctx.streams, user, reviews: ctx.reviews });
}

/** GET metrics.k8s.io/v1beta1 nodes and pods (read-only: any other verb is 405, as metrics-server answers) */
async function serveMetrics(req: IncomingMessage, res: ServerResponse, metrics: MetricsApi, path: string, url: URL, rep: Representation, now: Date): Promise<void> {
  if (req.method !== 'GET') throw verbNotAllowed();
  const body = await metrics.get({ path: path.slice(METRICS_PREFIX.length), query: url.searchParams, table: rep.as === 'table', now });
  if (!body) throw pathNotFound();
  sendJson(res, 200, body, { contentType: contentTypeOf(rep), pretty: url.searchParams.get('pretty') === 'true' });
}

/** /api/v1/nodes/{name}/proxy[/{path}] */
const nodeProxyPath = /^\/api\/v1\/nodes\/([^/]+)\/proxy(\/.*)?$/;

export type ApiUpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** The 'upgrade' requests: pods/exec, pods/attach and pods/portforward (WebSocket or SPDY), proxied to the kubelet */
export function createApiUpgradeHandler(opts: ApiHandlerOptions): ApiUpgradeHandler {
  const index = indexResources(asResourceSet(opts.resources));
  return (req, socket, head) => {
    socket.on('error', () => socket.destroy()); // kubectl went away; the proxy's own side closes with it
    upgrade(req, socket, head, opts, index).catch((err: unknown) => refuseUpgrade(socket, err, { method: req.method, url: req.url }));
  };
}

async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, opts: ApiHandlerOptions, index: ResourceIndex): Promise<void> {
  const caller = await opts.authenticate(req);
  if (!caller) throw unauthorizedError();
  const url = new URL(req.url ?? '/', 'http://apiserver');
  authorizeUpgrade(req, url, caller, opts.authorizer);
  const target = parseResourcePath(url.pathname.replace(/\/+$/, ''), index);
  const sub = target?.subresource;
  if (!target || target.spec.kind !== 'Pod' || target.name === undefined || (sub !== 'exec' && sub !== 'attach' && sub !== 'portforward')) throw pathNotFound();
  if (!opts.streams) {
    return refuseKubeletSubresource(opts.rest, target); // no kubelets to proxy to: the answer a plain request gets
  }
  await opts.streams.upgrade(req, socket, head, target.namespace!, target.name, sub, url.searchParams);
}

/** An error before the upgrade: an HTTP answer with the Status, then the connection closes */
function refuseUpgrade(socket: Duplex, err: unknown, context: Record<string, unknown>): void {
  const status = statusOf(err, context);
  const body = Buffer.from(JSON.stringify(status));
  if (socket.destroyed) return;
  socket.end(`HTTP/1.1 ${status.code} ${STATUS_CODES[status.code] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
}

function rootPaths(ctx: Ctx): string[] {
  const groups = new Set(ctx.resources.list().map((r) => (r.group ? `/apis/${r.group}` : '/api')));
  const versions = new Set(ctx.resources.list().map((r) => (r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`)));
  return ['/api', '/apis', ...groups, ...versions, '/healthz', '/livez', '/readyz', '/openapi/v2', '/openapi/v3', '/version', ...(ctx.serviceAccountIssuer ? ['/.well-known/openid-configuration', '/openid/v1/jwks'] : [])].filter((p, i, a) => a.indexOf(p) === i).sort();
}

/** Discovery with its ETag: a matching If-None-Match is a 304, as kube-apiserver answers aggregated discovery */
function sendDiscovery(req: IncomingMessage, res: ServerResponse, doc: DiscoveryDoc, contentType: string): void {
  if (req.headers['if-none-match'] === doc.etag) {
    res.writeHead(304, { ETag: doc.etag });
    res.end();
    return;
  }
  sendBytes(res, 200, doc.json, contentType, { ETag: doc.etag, 'Cache-Control': 'public' });
}

// protobuf: field 1 (swagger, string) = "2.0"
const emptyOpenApiV2 = Buffer.from([0x0a, 0x03, 0x32, 0x2e, 0x30]);

function serveOpenApi(req: IncomingMessage, res: ServerResponse, docs: OpenApiDocs | undefined, path: string, url: URL, accepted: string[]): void {
  if (!docs) throw pathNotFound();
  if (path === '/openapi/v3') return sendJson(res, 200, docs.v3Root());
  // kubectl falls back to /openapi/v2 (protobuf only) to validate a kind the v3 documents lack; an empty but
  // valid v2 document (gnostic Document{swagger: "2.0"}) lets it skip that validation and report the unknown
  // kind as kube does ("no matches for kind …"), where a 404 would fail with "failed to download openapi".
  if (path === '/openapi/v2' && accepted.some((t) => t.startsWith('application/com.github.proto-openapi.spec.v2'))) {
    return sendBytes(res, 200, emptyOpenApiV2, 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf', {});
  }
  const jsonOk = accepted.length === 0 || accepted.some((t) => t === 'application/json' || t === '*/*' || t === 'application/*');
  const doc = path === '/openapi/v2' ? (jsonOk ? docs.v2Document() : undefined) : docs.v3Document(path.slice('/openapi/v3/'.length));
  if (!doc) throw pathNotFound();
  const etag = `"${doc.hash}"`;
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, { ETag: etag });
    res.end();
    return;
  }
  // a URL with the current hash may be cached forever (kube's serverRelativeURL ?hash=…)
  const immutable = url.searchParams.get('hash') === doc.hash;
  sendBytes(res, 200, doc.json, 'application/json', { ETag: etag, 'Cache-Control': immutable ? 'public, immutable, max-age=31536000' : 'no-cache, private' });
}
