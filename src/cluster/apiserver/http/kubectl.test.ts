// End to end with the real kubectl (v1.32): the handler behind an HTTPS server (kubectl sends bearer tokens
// only over TLS), the fake ApiClient behind it, and a kubeconfig with insecure-skip-tls-verify.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createFakeClient } from '../../client/fake.ts';
import { resources } from '../../types/registry.ts';
import { createApiHandler } from './index.ts';
import { minimalOpenApi } from './testing.ts';

const run = promisify(execFile);
const have = (cmd: string) => { try { execFileSync('which', [cmd]); return true; } catch { return false; } };
const skip = !have('kubectl') || !have('openssl') ? 'kubectl or openssl not installed' : false;

let dir: string;
let server: Server;
let kubeconfig: string;
const children: ChildProcess[] = [];

function writeKubeconfig(path: string, port: number, token: string) {
  writeFileSync(path, `apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: https://127.0.0.1:${port}\n    insecure-skip-tls-verify: true\n  name: t\n` +
    `contexts:\n- context:\n    cluster: t\n    user: u\n    namespace: default\n  name: t\ncurrent-context: t\nusers:\n- name: u\n  user:\n    token: ${token}\n`);
}

const kubectl = async (...args: string[]) => {
  try {
    const { stdout, stderr } = await run('kubectl', ['--kubeconfig', kubeconfig, ...args], { env: { ...process.env, HOME: dir }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

before(async () => {
  if (skip) return;
  dir = mkdtempSync('/var/tmp/skiff-kubectl-test-');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
  const client = createFakeClient([
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' }, status: { phase: 'Active' } },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'default', labels: { app: 'web' } },
      spec: { containers: [{ name: 'c', image: 'nginx' }], nodeName: 'n1' },
      status: { phase: 'Running', podIP: '10.42.0.5', containerStatuses: [{ name: 'c', ready: true, restartCount: 0, image: 'nginx', imageID: '', state: { running: {} } }] } },
  ]);
  const handler = createApiHandler({ rest: client, resources, openapi: minimalOpenApi(resources), authenticate: (req) => (req.headers.authorization === 'Bearer s3cret' ? { name: 'admin', groups: [] } : undefined) });
  server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, handler);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  kubeconfig = join(dir, 'kubeconfig');
  writeKubeconfig(kubeconfig, (server.address() as AddressInfo).port, 's3cret');
});

after(async () => {
  for (const c of children) if (c.exitCode === null) c.kill();
  if (server) {
    server.closeAllConnections();
    await new Promise<void>((ok) => server.close(() => ok()));
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('kubectl api-resources lists the served kinds from aggregated discovery', { skip }, async () => {
  const r = await kubectl('api-resources');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
  assert.match(r.stdout, /^nodes\s+no\s+v1\s+false\s+Node$/m);
});

test('kubectl get prints kube\'s columns, -o wide the wide ones, -o yaml the object', { skip }, async () => {
  const get = await kubectl('get', 'pods');
  assert.equal(get.code, 0, get.stderr);
  assert.match(get.stdout, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\n/);
  assert.match(get.stdout, /^web-1\s+1\/1\s+Running\s+0\s+\d+s$/m);
  const wide = await kubectl('get', 'pods', '-o', 'wide');
  assert.match(wide.stdout, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES\n/);
  assert.match(wide.stdout, /10\.42\.0\.5\s+n1\s+<none>\s+<none>/);
  const yaml = await kubectl('get', 'pod', 'web-1', '-o', 'yaml');
  assert.match(yaml.stdout, /^kind: Pod$/m);
  assert.match(yaml.stdout, /^ {2}name: web-1$/m);
  const missing = await kubectl('get', 'pod', 'nope');
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /Error from server \(NotFound\): pods "nope" not found/);
});

test('kubectl create -f, get -o wide and delete -f a Deployment and a Service', { skip }, async () => {
  const file = join(dir, 'app.yaml');
  writeFileSync(file, `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: nginx, image: 'nginx:1.25'}]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80, nodePort: 30080, protocol: TCP}]
`);
  const created = await kubectl('create', '-f', file);
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /deployment.apps\/web created\nservice\/web created/);
  const wide = await kubectl('get', 'deploy,svc', '-o', 'wide');
  assert.match(wide.stdout, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR$/m);
  assert.match(wide.stdout, /^deployment.apps\/web\s+0\/2\s+0\s+0\s+\d+s\s+nginx\s+nginx:1.25\s+app=web$/m);
  assert.match(wide.stdout, /^service\/web\s+NodePort\s+\S+\s+<none>\s+80:30080\/TCP\s+\d+s\s+app=web$/m);
  const deleted = await kubectl('delete', '-f', file);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.match(deleted.stdout, /deployment.apps "web" deleted/);
  assert.match((await kubectl('get', 'deploy')).stderr, /No resources found in default namespace/);
});

test('kubectl get -w prints changes as they happen', { skip }, async () => {
  assert.equal((await kubectl('create', '-f', writeCm('first'))).code, 0);
  const child = spawn('kubectl', ['--kubeconfig', kubeconfig, 'get', 'configmaps', '-w'], { env: { ...process.env, HOME: dir } });
  children.push(child);
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const waitFor = async (re: RegExp) => {
    for (let i = 0; i < 300 && !re.test(out); i++) await new Promise((r) => setTimeout(r, 100));
    assert.match(out, re);
  };
  await waitFor(/^first\s+1\s+\d+s$/m);
  const created = await kubectl('create', '-f', writeCm('watched'));
  assert.equal(created.code, 0, created.stderr);
  await waitFor(/^watched\s+1\s+\d+s$/m);
  child.kill();
});

function writeCm(name: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}}\ndata: {a: b}\n`);
  return file;
}

test('a wrong token makes kubectl say it must log in', { skip }, async () => {
  const bad = join(dir, 'bad-kubeconfig');
  writeKubeconfig(bad, (server.address() as AddressInfo).port, 'wrong');
  const r = await kubectl('--kubeconfig', bad, 'get', 'pods');
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /You must be logged in to the server/);
});
