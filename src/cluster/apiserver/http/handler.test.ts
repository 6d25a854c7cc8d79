import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApiClient } from '../../client/types.ts';
import { createFakeClient, type FakeClient } from '../../client/fake.ts';
import { resources } from '../../types/registry.ts';
import type { KObject, WatchEvent } from '../../types/meta.ts';
import { createApiHandler, type ApiHandlerOptions } from './index.ts';
import { minimalOpenApi } from './testing.ts';

const servers: Server[] = [];
after(() => { for (const s of servers) { s.closeAllConnections(); s.close(); } });

async function serve(rest: ApiClient, extra: Partial<ApiHandlerOptions> = {}): Promise<string> {
  const handler = createApiHandler({ rest, resources, authenticate: (req) => (req.headers.authorization === 'Bearer t0k' ? { name: 'admin', groups: ['system:masters'] } : undefined), ...extra });
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const auth = { authorization: 'Bearer t0k' };
let fake: FakeClient;
let base: string;
const call = (path: string, init: RequestInit = {}) => fetch(`${base}${path}`, { ...init, headers: { ...auth, ...(init.headers as Record<string, string>) } });
const json = async (path: string, init: RequestInit = {}) => {
  const res = await call(path, init);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test bodies are read field by field
  return { code: res.status, body: (await res.json()) as any, headers: res.headers };
};

before(async () => {
  fake = createFakeClient([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } }]);
  base = await serve(fake, { openapi: minimalOpenApi(resources) });
});

test('no or a wrong bearer token is 401 Unauthorized; health needs none', async () => {
  for (const headers of [{}, { authorization: 'Bearer nope' }]) {
    const res = await fetch(`${base}/api/v1/namespaces/default/pods`, { headers });
    assert.equal(res.status, 401);
    assert.deepEqual((await res.json()) as object, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 401, reason: 'Unauthorized', message: 'Unauthorized' });
  }
  for (const p of ['/healthz', '/livez', '/readyz', '/readyz/ping']) {
    const res = await fetch(`${base}${p}`);
    assert.deepEqual([res.status, await res.text()], [200, 'ok'], p);
  }
});

test('/version answers kube 1.32', async () => {
  const { body } = await json('/version');
  assert.deepEqual([body.major, body.minor, body.gitVersion, body.platform], ['1', '32', 'v1.32.0-skiff', 'linux/amd64']);
});

test('discovery: aggregated v2 when asked (with its Content-Type and an ETag honoured by If-None-Match), legacy otherwise', async () => {
  const accept = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';
  const res = await call('/apis', { headers: { accept } });
  assert.equal(res.headers.get('content-type'), 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
  assert.equal(((await res.json()) as { kind: string }).kind, 'APIGroupDiscoveryList');
  const again = await call('/apis', { headers: { accept, 'if-none-match': res.headers.get('etag')! } });
  assert.equal(again.status, 304);
  assert.equal((await json('/apis', { headers: { accept: 'application/json' } })).body.kind, 'APIGroupList');
  assert.equal((await json('/api/v1')).body.kind, 'APIResourceList');
  assert.equal((await json('/apis/apps/v1/')).body.groupVersion, 'apps/v1');
});

test('openapi: v3 root and documents from opts.openapi, 404 when not served', async () => {
  const root = (await json('/openapi/v3')).body;
  const url = root.paths['apis/apps/v1'].serverRelativeURL as string;
  const doc = await call(url);
  assert.equal(doc.status, 200);
  assert.match(doc.headers.get('cache-control')!, /immutable/);
  assert.equal((await call('/openapi/v3/apis/nope/v1')).status, 404);
  // v2 only as an empty protobuf document (kubectl then skips client-side validation of unknown kinds)
  const v2 = await call('/openapi/v2', { headers: { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' } });
  assert.equal(v2.status, 200);
  assert.deepEqual([...new Uint8Array(await v2.arrayBuffer())], [0x0a, 0x03, 0x32, 0x2e, 0x30]);
  assert.equal((await call('/openapi/v2', { headers: { accept: 'application/json' } })).status, 404);
  const bare = await serve(fake);
  assert.equal((await fetch(`${bare}/openapi/v3`, { headers: auth })).status, 404);
});

test('unknown resources are 404 with kube\'s message; a wrong verb is 405', async () => {
  const nf = await json('/api/v1/namespaces/default/foos');
  assert.deepEqual([nf.code, nf.body.reason, nf.body.message], [404, 'NotFound', 'the server could not find the requested resource']);
  const na = await json('/api/v1/namespaces', { method: 'DELETE' });
  assert.deepEqual([na.code, na.body.reason], [405, 'MethodNotAllowed']);
});

const cm = (name: string, extra: object = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...extra }, data: { a: '1' } });
const post = (path: string, body: unknown, contentType = 'application/json') =>
  json(path, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': contentType } });

test('create (JSON and YAML) is 201, fills the namespace from the URL; get and list return what was stored', async () => {
  const created = await post('/api/v1/namespaces/default/configmaps?fieldManager=test', cm('c1'));
  assert.equal(created.code, 201);
  assert.equal(created.body.metadata.namespace, 'default');
  const yaml = await post('/api/v1/namespaces/default/configmaps', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c2\ndata:\n  b: "2"\n', 'application/yaml');
  assert.equal(yaml.code, 201);
  assert.equal((await json('/api/v1/namespaces/default/configmaps/c2')).body.data.b, '2');
  const list = await json('/api/v1/namespaces/default/configmaps');
  assert.equal(list.body.kind, 'ConfigMapList');
  assert.deepEqual(list.body.items.map((i: KObject) => i.metadata?.name).sort(), ['c1', 'c2']);
  assert.equal((await json('/api/v1/namespaces/default/configmaps/nope')).code, 404);
});

test('bodies that disagree with the URL are 400 with kube\'s wording', async () => {
  const ns = await post('/api/v1/namespaces/default/configmaps', cm('x', { namespace: 'other' }));
  assert.deepEqual([ns.code, ns.body.message], [400, 'the namespace of the provided object does not match the namespace sent on the request']);
  const av = await post('/api/v1/namespaces/default/configmaps', { ...cm('x'), apiVersion: 'apps/v1' });
  assert.deepEqual([av.code, av.body.message], [400, 'the API version in the data (apps/v1) does not match the expected API version (v1)']);
  const kind = await post('/api/v1/namespaces/default/configmaps', { ...cm('x'), kind: 'Secret' });
  assert.equal(kind.code, 400);
  assert.match(kind.body.message, /^Secret in version "v1" cannot be handled as a ConfigMap/);
  const bad = await post('/api/v1/namespaces/default/configmaps', '{"apiVersion": "v1", kind');
  assert.equal(bad.code, 400);
  assert.match(bad.body.message, /^the object provided is unrecognized \(must be of type ConfigMap\): couldn't get version\/kind; json parse error/);
  const name = await json('/api/v1/namespaces/default/configmaps/c1', { method: 'PUT', body: JSON.stringify(cm('other')), headers: { 'content-type': 'application/json' } });
  assert.deepEqual([name.code, name.body.message], [400, 'the name of the object (other) does not match the name on the URL (c1)']);
  const media = await post('/api/v1/namespaces/default/configmaps', 'x', 'text/plain');
  assert.equal(media.code, 415);
});

test('update and patches (merge, json, apply YAML with force) reach the client with their options', async () => {
  await post('/api/v1/namespaces/default/configmaps', cm('p1'));
  const current = (await json('/api/v1/namespaces/default/configmaps/p1')).body;
  const put = await json('/api/v1/namespaces/default/configmaps/p1', { method: 'PUT', body: JSON.stringify({ ...current, data: { a: '2' } }), headers: { 'content-type': 'application/json' } });
  assert.deepEqual([put.code, put.body.data.a], [200, '2']);
  const merge = await json('/api/v1/namespaces/default/configmaps/p1', { method: 'PATCH', body: '{"data":{"m":"1"}}', headers: { 'content-type': 'application/merge-patch+json' } });
  assert.deepEqual([merge.code, merge.body.data.m], [200, '1']);
  fake.clearActions();
  const apply = await json('/api/v1/namespaces/default/configmaps/p1?fieldManager=me&force=true', { method: 'PATCH', body: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: p1\ndata:\n  y: "1"\n', headers: { 'content-type': 'application/apply-patch+yaml' } });
  assert.equal(apply.code, 200);
  assert.equal(fake.actions[0].patchType, 'apply');
  const badType = await json('/api/v1/namespaces/default/configmaps/p1', { method: 'PATCH', body: '{}', headers: { 'content-type': 'application/json' } });
  assert.equal(badType.code, 415);
});

test('delete takes DeleteOptions from the body; deletecollection honours the label selector; dryRun=All', async () => {
  await post('/api/v1/namespaces/default/configmaps', cm('d1', { labels: { del: 'yes' } }));
  await post('/api/v1/namespaces/default/configmaps', cm('d2', { labels: { del: 'yes' } }));
  await post('/api/v1/namespaces/default/configmaps', cm('keep'));
  const dry = await json('/api/v1/namespaces/default/configmaps/keep?dryRun=All', { method: 'DELETE' });
  assert.equal(dry.code, 200);
  assert.equal((await json('/api/v1/namespaces/default/configmaps/keep')).code, 200);
  const del = await json('/api/v1/namespaces/default/configmaps/keep', { method: 'DELETE', body: JSON.stringify({ kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Foreground' }), headers: { 'content-type': 'application/json' } });
  assert.equal(del.code, 200);
  assert.equal((await json('/api/v1/namespaces/default/configmaps/keep')).code, 404);
  const coll = await json('/api/v1/namespaces/default/configmaps?labelSelector=del%3Dyes', { method: 'DELETE' });
  assert.equal(coll.code, 200);
  const left = (await json('/api/v1/namespaces/default/configmaps')).body.items.map((i: KObject) => i.metadata?.name);
  assert.ok(!left.includes('d1') && !left.includes('d2'));
  assert.equal((await json('/api/v1/namespaces/default/configmaps?labelSelector=a%20in%20(', {})).code, 400);
});

test('GET with the Table Accept answers a meta.k8s.io/v1 Table for list and get', async () => {
  const accept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';
  const list = await json('/api/v1/namespaces/default/configmaps', { headers: { accept } });
  assert.equal(list.headers.get('content-type'), 'application/json;as=Table;v=v1;g=meta.k8s.io');
  assert.equal(list.body.kind, 'Table');
  assert.deepEqual(list.body.columnDefinitions.map((c: { name: string }) => c.name), ['Name', 'Data', 'Age']);
  assert.equal(list.body.rows[0].object.kind, 'PartialObjectMetadata');
  const one = await json('/api/v1/namespaces/default/configmaps/c1?includeObject=Object', { headers: { accept } });
  assert.deepEqual([one.body.rows.length, one.body.rows[0].cells[0], one.body.rows[0].object.kind], [1, 'c1', 'ConfigMap']);
});

async function readLines(res: Response, n: number): Promise<WatchEvent[]> {
  const reader = res.body!.getReader();
  let text = '';
  const out: WatchEvent[] = [];
  while (out.length < n) {
    const { value, done } = await reader.read();
    if (done) break;
    text += Buffer.from(value).toString();
    let nl: number;
    while ((nl = text.indexOf('\n')) >= 0) {
      out.push(JSON.parse(text.slice(0, nl)));
      text = text.slice(nl + 1);
    }
  }
  await reader.cancel();
  return out;
}

test('watch streams one JSON event per line as changes happen, as Tables when asked', async () => {
  const ac = new AbortController();
  const res = await call('/api/v1/namespaces/default/configmaps?watch=1&fieldSelector=metadata.name%3Dw1', { signal: ac.signal });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/json');
  const events = readLines(res, 2);
  await post('/api/v1/namespaces/default/configmaps', cm('w1'));
  await json('/api/v1/namespaces/default/configmaps/w1', { method: 'PATCH', body: '{"data":{"z":"1"}}', headers: { 'content-type': 'application/merge-patch+json' } });
  assert.deepEqual((await events).map((e) => [e.type, e.object.metadata?.name]), [['ADDED', 'w1'], ['MODIFIED', 'w1']]);
  ac.abort();

  const tres = await call('/api/v1/watch/namespaces/default/configmaps?resourceVersion=0', { headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } });
  const tables = await readLines(tres, 2);
  const [first, second] = tables.map((e) => e.object as unknown as { kind: string; columnDefinitions: unknown[]; rows: unknown[] });
  assert.deepEqual([first.kind, first.rows.length, first.columnDefinitions.length > 0], ['Table', 1, true]);
  assert.deepEqual([second.kind, second.columnDefinitions.length], ['Table', 0]);
});

test('watch ends at timeoutSeconds, and a client that goes away aborts the ApiClient watch', async () => {
  let aborted = false;
  const stub = { ...fake, watch: (_r: unknown, _ns: unknown, _o: unknown, signal: AbortSignal) => (async function* () {
    await new Promise<void>((ok) => signal.addEventListener('abort', () => { aborted = true; ok(); }, { once: true }));
  })() } as unknown as ApiClient;
  const url = await serve(stub);
  const timed = await fetch(`${url}/api/v1/namespaces/default/pods?watch=true&timeoutSeconds=1`, { headers: auth });
  assert.equal(await timed.text(), '');
  aborted = false;
  const ac = new AbortController();
  const res = await fetch(`${url}/api/v1/namespaces/default/pods?watch=true`, { headers: auth, signal: ac.signal });
  assert.equal(res.status, 200);
  ac.abort();
  for (let i = 0; i < 100 && !aborted; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(aborted, true);
});

test('warnings pushed by the client become Warning: 299 headers; a non-StatusError is a 500 InternalError', async () => {
  const stub = {
    ...fake,
    create: async (_r: unknown, _ns: unknown, obj: KObject, opts: { warnings?: string[] }) => {
      opts.warnings?.push('unknown field "spec.foo"');
      return obj;
    },
    get: async () => { throw new Error('disk on fire'); },
  } as unknown as ApiClient;
  const url = await serve(stub);
  const res = await fetch(`${url}/api/v1/namespaces/default/configmaps?fieldValidation=Warn`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(cm('w')) });
  assert.equal(res.status, 201);
  assert.equal(res.headers.get('warning'), '299 - "unknown field \\"spec.foo\\""');
  const err = await fetch(`${url}/api/v1/namespaces/default/configmaps/x`, { headers: auth });
  const body = (await err.json()) as { reason: string; message: string };
  assert.deepEqual([err.status, body.reason, body.message], [500, 'InternalError', 'Internal error occurred: disk on fire']);
});
