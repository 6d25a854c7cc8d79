import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createHttpClient, resourcePath } from './http.ts';
import { loadKubeconfig } from './kubeconfig.ts';
import { R } from '../types/gvr.ts';
import { isStatusError } from '../types/status-error.ts';

interface Seen { method: string; url: string; headers: IncomingMessage['headers']; body: string }
const seen: Seen[] = [];
let server: Server;
let base = '';
let route: (req: IncomingMessage, res: ServerResponse, body: string) => void = () => {};
const tmp = mkdtempSync('/var/tmp/skiff-http-test-');

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      route(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
  rmSync(tmp, { recursive: true, force: true });
});

const json = (res: ServerResponse, code: number, obj: unknown) => {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(obj));
};

test('paths: core and group, namespaced and cluster-scoped, names and subresources', () => {
  assert.equal(resourcePath(R.pods, 'default'), '/api/v1/namespaces/default/pods');
  assert.equal(resourcePath(R.pods, undefined), '/api/v1/pods');
  assert.equal(resourcePath(R.pods, 'default', 'web', 'status'), '/api/v1/namespaces/default/pods/web/status');
  assert.equal(resourcePath(R.nodes, 'ignored', 'n1'), '/api/v1/nodes/n1');
  assert.equal(resourcePath(R.deployments, 'kube-system', 'dns', 'scale'), '/apis/apps/v1/namespaces/kube-system/deployments/dns/scale');
  assert.equal(resourcePath(R.ingressclasses, undefined, 'nginx'), '/apis/networking.k8s.io/v1/ingressclasses/nginx');
});

test('requests carry the token, query options, JSON bodies and patch content types', async () => {
  route = (_req, res) => json(res, 200, { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '5' }, items: [] });
  const c = createHttpClient({ server: base, token: 'sekret', userAgent: 'test-agent' });
  seen.length = 0;
  const list = await c.list(R.pods, 'default', { labelSelector: 'app=web,tier in (a,b)', fieldSelector: 'spec.nodeName=n1', limit: 10, resourceVersion: '0' });
  assert.equal(list.metadata.resourceVersion, '5');
  const u = new URL(seen[0].url, base);
  assert.equal(u.pathname, '/api/v1/namespaces/default/pods');
  assert.equal(u.searchParams.get('labelSelector'), 'app=web,tier in (a,b)');
  assert.equal(u.searchParams.get('fieldSelector'), 'spec.nodeName=n1');
  assert.equal(u.searchParams.get('limit'), '10');
  assert.equal(u.searchParams.get('resourceVersion'), '0');
  assert.equal(seen[0].headers.authorization, 'Bearer sekret');
  assert.equal(seen[0].headers['user-agent'], 'test-agent');

  await c.create(R.deployments, 'default', { metadata: { name: 'web' } }, { dryRun: true, fieldManager: 'me' });
  assert.equal(seen[1].method, 'POST');
  assert.equal(seen[1].url, '/apis/apps/v1/namespaces/default/deployments?dryRun=All&fieldManager=me');
  assert.deepEqual(JSON.parse(seen[1].body), { metadata: { name: 'web' } });

  await c.create(R.pods, 'default', { target: { name: 'n1' } }, { subresource: 'binding', name: 'p1' });
  assert.equal(seen[2].url, '/api/v1/namespaces/default/pods/p1/binding');

  await c.patch(R.pods, 'default', 'p1', 'strategic', { metadata: { labels: { a: 'b' } } }, { subresource: 'status' });
  assert.equal(seen[3].method, 'PATCH');
  assert.equal(seen[3].url, '/api/v1/namespaces/default/pods/p1/status');
  assert.equal(seen[3].headers['content-type'], 'application/strategic-merge-patch+json');

  await c.patch(R.pods, 'default', 'p1', 'apply', 'metadata:\n  name: p1\n', { force: true });
  assert.equal(seen[4].headers['content-type'], 'application/apply-patch+yaml');
  assert.equal(seen[4].url, '/api/v1/namespaces/default/pods/p1?fieldManager=skiff&force=true');
  assert.equal(seen[4].body, 'metadata:\n  name: p1\n');

  await c.delete(R.pods, 'default', 'p1', { gracePeriodSeconds: 0, propagationPolicy: 'Foreground' });
  assert.equal(seen[5].method, 'DELETE');
  assert.deepEqual(JSON.parse(seen[5].body), { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0, propagationPolicy: 'Foreground' });

  await c.update(R.nodes, undefined, { metadata: { name: 'n1' } }, { subresource: 'status' });
  assert.equal(seen[6].method, 'PUT');
  assert.equal(seen[6].url, '/api/v1/nodes/n1/status');
});

test('a non-2xx answer throws StatusError with the server Status, or a synthesized one', async () => {
  const c = createHttpClient({ server: base });
  route = (_req, res) => json(res, 404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'pods "x" not found', reason: 'NotFound', code: 404 });
  await assert.rejects(c.get(R.pods, 'default', 'x'), (e) => isStatusError(e, 'NotFound') && e.message === 'pods "x" not found');
  route = (_req, res) => { res.writeHead(502); res.end('bad gateway'); };
  await assert.rejects(c.get(R.pods, 'default', 'x'), (e) => isStatusError(e) && e.code === 502 && /bad gateway/.test(e.message));
  route = (_req, res) => { res.writeHead(409); res.end(); };
  await assert.rejects(c.get(R.pods, 'default', 'x'), (e) => isStatusError(e, 'Conflict'));
});

test('an unreachable server is a 503 StatusError', async () => {
  const c = createHttpClient({ server: 'http://127.0.0.1:1' });
  await assert.rejects(c.list(R.pods, undefined), (e) => isStatusError(e, 'ServiceUnavailable'));
});

test('watch parses line-delimited events split across chunks, ends when the server ends, and ends cleanly on abort', async () => {
  route = (req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    const ev = (n: string) => JSON.stringify({ type: 'ADDED', object: { kind: 'Pod', metadata: { name: n, resourceVersion: '1' } } });
    const text = `${ev('a')}\n${ev('b')}\n`;
    res.write(text.slice(0, 20));
    setTimeout(() => res.write(text.slice(20)), 10);
    if (req.url!.includes('timeoutSeconds=1')) setTimeout(() => res.end(), 30);
  };
  const c = createHttpClient({ server: base });
  const ac = new AbortController();
  const names: string[] = [];
  for await (const e of c.watch(R.pods, undefined, { timeoutSeconds: 1, allowWatchBookmarks: true, resourceVersion: '7' }, ac.signal)) names.push(e.object.metadata!.name!);
  assert.deepEqual(names, ['a', 'b']);
  const u = new URL(seen.at(-1)!.url, base);
  assert.equal(u.searchParams.get('watch'), 'true');
  assert.equal(u.searchParams.get('allowWatchBookmarks'), 'true');
  assert.equal(u.searchParams.get('resourceVersion'), '7');

  const names2: string[] = [];
  for await (const e of c.watch(R.pods, 'default', {}, ac.signal)) {
    names2.push(e.object.metadata!.name!);
    if (names2.length === 2) ac.abort();
  }
  assert.deepEqual(names2, ['a', 'b']);
});

test('loadKubeconfig reads server, CA data or file, token or tokenFile, by context', async () => {
  writeFileSync(join(tmp, 'ca.pem'), 'PEM');
  writeFileSync(join(tmp, 'tok'), 'file-token\n');
  writeFileSync(join(tmp, 'config'), `apiVersion: v1
kind: Config
current-context: a
clusters:
- name: ca
  cluster: { server: 'https://10.0.0.1:6443', certificate-authority-data: ${Buffer.from('CADATA').toString('base64')} }
- name: cb
  cluster: { server: 'https://10.0.0.2:6443', certificate-authority: ca.pem, insecure-skip-tls-verify: true }
contexts:
- name: a
  context: { cluster: ca, user: ua }
- name: b
  context: { cluster: cb, user: ub }
users:
- name: ua
  user: { token: abc }
- name: ub
  user: { tokenFile: tok }
`);
  const a = await loadKubeconfig(join(tmp, 'config'));
  assert.equal(a.server, 'https://10.0.0.1:6443');
  assert.equal(String(a.ca), 'CADATA');
  assert.equal(a.token, 'abc');
  const b = await loadKubeconfig(join(tmp, 'config'), 'b');
  assert.equal(String(b.ca), 'PEM');
  assert.equal(b.token, 'file-token');
  assert.equal(b.insecureSkipVerify, true);
  await assert.rejects(loadKubeconfig(join(tmp, 'config'), 'nope'), /no context "nope"/);
  await assert.rejects(loadKubeconfig(join(tmp, 'missing')), /does not exist/);
});
