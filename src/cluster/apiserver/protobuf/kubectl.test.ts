// End to end with the real kubectl (v1.32): its typed clients send create bodies as protobuf; the HTTP handler
// (behind HTTPS, the fake ApiClient behind it) must store exactly what kubectl would have sent as JSON.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createFakeClient, type FakeClient } from '../../client/fake.ts';
import type { ApiClient, DeleteOptions } from '../../client/types.ts';
import { resources } from '../../types/registry.ts';
import { createApiHandler } from '../http/index.ts';
import { minimalOpenApi } from '../http/testing.ts';
import { protobufMediaType } from './index.ts';

const run = promisify(execFile);
const have = (cmd: string) => { try { execFileSync('which', [cmd]); return true; } catch { return false; } };
const skip = !have('kubectl') || !have('openssl') ? 'kubectl or openssl not installed' : false;

let dir: string;
let server: Server;
let kubeconfig: string;
let client: FakeClient;
/** `METHOD path content-type` of every request with a body */
const bodies: string[] = [];
const deletes: (DeleteOptions & { name: string })[] = [];

const kubectl = async (...args: string[]) => {
  try {
    const { stdout, stderr } = await run('kubectl', ['--kubeconfig', kubeconfig, ...args], { env: { ...process.env, HOME: dir }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

/** the object the handler passed to the ApiClient for the last create of `resource` */
const sent = (resource: string) => client.actions.filter((a) => a.verb === 'create' && a.resource === resource).at(-1)?.object as Record<string, any>;

const sentAsProtobuf = (path: RegExp) => bodies.some((b) => b.endsWith(protobufMediaType) && path.test(b));

before(async () => {
  if (skip) return;
  dir = mkdtempSync('/var/tmp/skiff-protobuf-kubectl-');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
  client = createFakeClient([
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' }, status: { phase: 'Active' } },
    { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, spec: {}, status: {} },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1', namespace: 'default' }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox' }] }, status: { phase: 'Running' } },
  ]);
  // records the DeleteOptions the handler decoded (the fake's actions do not keep them)
  const rest: ApiClient = { ...client, delete: (gvr, ns, name, opts) => { deletes.push({ name, ...opts }); return client.delete(gvr, ns, name, opts); } };
  const handler = createApiHandler({ rest, resources, openapi: minimalOpenApi(resources), authenticate: (req) => (req.headers.authorization === 'Bearer s3cret' ? { name: 'admin', groups: [] } : undefined) });
  server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
    if (req.headers['content-type']) bodies.push(`${req.method} ${req.url} ${req.headers['content-type']}`);
    handler(req, res);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: https://127.0.0.1:${(server.address() as AddressInfo).port}\n    insecure-skip-tls-verify: true\n  name: t\n` +
    'contexts:\n- context:\n    cluster: t\n    user: u\n    namespace: default\n  name: t\ncurrent-context: t\nusers:\n- name: u\n  user:\n    token: s3cret\n');
});

after(async () => {
  if (server) {
    server.closeAllConnections();
    await new Promise<void>((ok) => server.close(() => ok()));
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('kubectl create deployment sends protobuf and the Deployment arrives as kubectl\'s JSON would', { skip }, async () => {
  const r = await kubectl('create', 'deployment', 'web', '--image=busybox', '--replicas=2');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /deployment.apps\/web created/);
  assert.ok(sentAsProtobuf(/^POST \/apis\/apps\/v1\/namespaces\/default\/deployments/), bodies.join('\n'));
  assert.deepEqual(sent('deployments'), {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', creationTimestamp: null, labels: { app: 'web' } },
    spec: {
      replicas: 2, selector: { matchLabels: { app: 'web' } },
      template: { metadata: { creationTimestamp: null, labels: { app: 'web' } }, spec: { containers: [{ name: 'busybox', image: 'busybox', resources: {} }] } },
      strategy: {},
    },
    status: {},
  });
  const stored = client.objects({ group: 'apps', version: 'v1', resource: 'deployments' })[0] as Record<string, any>;
  assert.equal(stored.spec.template.spec.containers[0].image, 'busybox');
  assert.equal(stored.spec.replicas, 2);
});

test('kubectl create namespace, configmap and secret arrive decoded (secret data base64)', { skip }, async () => {
  assert.equal((await kubectl('create', 'namespace', 'x')).code, 0);
  assert.deepEqual(sent('namespaces'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x', creationTimestamp: null }, spec: {}, status: {} });
  const cm = await kubectl('create', 'configmap', 'c', '--from-literal=a=b');
  assert.equal(cm.code, 0, cm.stderr);
  assert.deepEqual(sent('configmaps'), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default', creationTimestamp: null }, data: { a: 'b' } });
  const secret = await kubectl('create', 'secret', 'generic', 's', '--from-literal=a=b');
  assert.equal(secret.code, 0, secret.stderr);
  assert.deepEqual(sent('secrets'), { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default', creationTimestamp: null }, data: { a: 'Yg==' } });
  assert.ok(sentAsProtobuf(/^POST \/api\/v1\/namespaces\/default\/secrets/), bodies.join('\n'));
});

test('kubectl create job, cronjob, service, serviceaccount and ingress are decoded', { skip }, async () => {
  for (const args of [
    ['job', 'j', '--image=busybox', '--', 'echo', 'hi'],
    ['cronjob', 'cj', '--image=busybox', '--schedule=*/5 * * * *'],
    ['service', 'clusterip', 'svc', '--tcp=80:8080'],
    ['serviceaccount', 'sa'],
    ['ingress', 'ing', '--rule=example.com/path*=svc:80'],
  ]) {
    const r = await kubectl('create', ...args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  }
  assert.deepEqual(sent('jobs').spec.template.spec.containers[0].command, ['echo', 'hi']);
  assert.equal(sent('cronjobs').spec.schedule, '*/5 * * * *');
  assert.deepEqual(sent('services').spec.ports, [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }]);
  assert.deepEqual(sent('ingresses').spec.rules[0].http.paths[0], { path: '/path', pathType: 'Prefix', backend: { service: { name: 'svc', port: { number: 80 } } } });
});

test('kubectl drain evicts (policy/v1 Eviction) and, with --disable-eviction, deletes with DeleteOptions', { skip }, async () => {
  const r = await kubectl('drain', 'n1', '--force', '--grace-period=7', '--timeout=30s');
  assert.equal(r.code, 0, r.stderr);
  const eviction = client.actions.find((a) => a.verb === 'create' && a.subresource === 'eviction')?.object as Record<string, any>;
  assert.equal(eviction?.kind, 'Eviction');
  assert.equal(eviction.deleteOptions.gracePeriodSeconds, 7);
  assert.equal((await kubectl('uncordon', 'n1')).code, 0);
  await client.create({ group: '', version: 'v1', resource: 'pods' }, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p2', namespace: 'default' }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox' }] } });
  const d = await kubectl('drain', 'n1', '--force', '--disable-eviction', '--grace-period=3', '--timeout=30s');
  assert.equal(d.code, 0, d.stderr);
  assert.ok(sentAsProtobuf(/^DELETE \/api\/v1\/namespaces\/default\/pods\/p2/), bodies.join('\n'));
  assert.deepEqual(deletes.find((o) => o.name === 'p2'), { name: 'p2', gracePeriodSeconds: 3 });
});
