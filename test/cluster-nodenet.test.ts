// Node networking on the control plane's side: the `kubernetes` Service's endpoints name the server's
// advertised address (and come back when deleted), and an agent started without --pod-cidr gets its Node's
// podCIDR from the server's --cluster-cidr and runs its pods there; join tokens carry the CA's hash.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { join } from 'node:path';
import { KUBECTL, startControlPlane, type ControlPlane } from './cluster-harness.ts';
import { SKIFF, run, waitFor } from './harness.ts';
import { startNode, loadBusybox, testNetworkPodCIDR, type TestNode } from './kubelet-harness.ts';

const ADVERTISED = '192.0.2.10'; // TEST-NET-1: only ever written into objects, never dialled
let cp: ControlPlane;
let node: TestNode | undefined;
const nodes: TestNode[] = [];
const podCIDR = testNetworkPodCIDR();

before(async () => {
  cp = await startControlPlane({ args: ['--advertise-address', ADVERTISED, '--cluster-cidr', podCIDR, '--node-cidr-mask-size', '24'] });
});

after(async () => {
  if (node) await cp?.kubectl(['delete', 'pods', '--all', '--wait=true', '--timeout=60s'], { timeoutMs: 90_000 }).catch(() => undefined);
  for (const n of [node, ...nodes]) await n?.cleanup();
  await cp?.cleanup();
});

test('the kubernetes Service: its EndpointSlice and Endpoints name the advertised address and port, and come back when deleted', async () => {
  const svc = await cp.kjson(['get', 'service', 'kubernetes']);
  assert.equal(svc.spec.clusterIP, '10.43.0.1');
  // pods reach the server by that address (client-go's in-cluster config): the serving certificate names it
  assert.ok(new X509Certificate(readFileSync(join(cp.root, 'tls', 'serving.crt'))).subjectAltName?.includes('IP Address:10.43.0.1'));
  assert.deepEqual(svc.spec.ports, [{ name: 'https', port: 443, protocol: 'TCP', targetPort: cp.port }]);
  const want = { endpoints: [{ addresses: [ADVERTISED], conditions: { ready: true } }], ports: [{ name: 'https', port: cp.port, protocol: 'TCP' }] };
  const slice = await cp.kjson(['get', 'endpointslice', 'kubernetes']);
  assert.deepEqual({ endpoints: slice.endpoints, ports: slice.ports }, want);
  assert.equal(slice.metadata.labels['kubernetes.io/service-name'], 'kubernetes');
  const ep = await cp.kjson(['get', 'endpoints', 'kubernetes']);
  assert.deepEqual(ep.subsets, [{ addresses: [{ ip: ADVERTISED }], ports: [{ name: 'https', port: cp.port, protocol: 'TCP' }] }]);
  const lease = await cp.kjson(['get', 'lease', '-n', 'kube-system', `apiserver-endpoint-${ADVERTISED}-${cp.port}`]);
  assert.equal(lease.spec.holderIdentity, `${ADVERTISED}:${cp.port}`);
  // the reconciler (every 10 s) puts back what someone removed
  assert.equal((await cp.kubectl(['delete', 'endpointslice', 'kubernetes'])).code, 0);
  const back = await waitFor('the kubernetes EndpointSlice back', async () => {
    const r = await cp.kubectl(['get', 'endpointslice', 'kubernetes', '-o', 'json']);
    return r.code === 0 ? JSON.parse(r.stdout) : undefined;
  }, 30_000, 500);
  assert.deepEqual({ endpoints: back.endpoints, ports: back.ports }, want);
});

test('skiff server refuses a bad --cluster-cidr, --node-cidr-mask-size or --advertise-address before it starts', async () => {
  const bad = async (flags: string[], message: RegExp) => {
    const r = await run(SKIFF, ['server', '--root', `${cp.root}/never`, '--port', '0', ...flags], { timeoutMs: 30_000 });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, message);
  };
  await bad(['--cluster-cidr', '10.42.0.0'], /invalid cluster CIDR "10.42.0.0": use an IPv4 CIDR like 10.42.0.0\/16/);
  await bad(['--cluster-cidr', '10.42.0.0/16', '--node-cidr-mask-size', '8'], /invalid node CIDR mask size 8 for the cluster CIDR 10.42.0.0\/16: use 16-30/);
  await bad(['--advertise-address', 'example.org'], /invalid advertise address "example.org": use an IP address/);
});

test('an agent without --pod-cidr gets its Node a podCIDR from --cluster-cidr and runs its pods there', async () => {
  node = await startNode(cp.kubeconfig, undefined, { allocated: true, podCIDR });
  const n = await waitFor('the node Ready', async () => {
    const o = await cp.kjson(['get', 'node', node!.name]).catch(() => undefined);
    return o?.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True') ? o : undefined;
  }, 90_000, 300);
  assert.equal(n.spec.podCIDR, podCIDR);
  assert.deepEqual(n.spec.podCIDRs, [podCIDR]);
  await loadBusybox(node, 'busybox:nodenet-test');
  const r = await cp.kubectl(['run', 'one', '--image=busybox:nodenet-test', '--image-pull-policy=IfNotPresent', `--overrides={"spec":{"nodeName":"${node.name}"}}`, '--', 'sleep', '3600']);
  assert.equal(r.code, 0, r.stderr);
  const ip = await waitFor('one Running', async () => {
    const p = await cp.kjson(['get', 'pod', 'one']);
    return p.status?.phase === 'Running' && p.status.podIP;
  }, 90_000, 300);
  assert.ok(ip.startsWith(podCIDR.replace(/0\/24$/, '')), `${ip} in ${podCIDR}`);
});

test('join tokens: skiff token create prints K10<CA hash>::<id>.<secret>; an agent joins with it and no --ca-file; a wrong hash, an expired or deleted token are refused', async () => {
  const token = (await run(SKIFF, ['token', 'create', '--kubeconfig', cp.kubeconfig, '--description', 'nodenet test'], { timeoutMs: 30_000 }));
  assert.equal(token.code, 0, token.stderr);
  const full = token.stdout.trim();
  const m = /^K10([0-9a-f]{64})::([a-z0-9]{6})\.([a-z0-9]{16})$/.exec(full);
  assert.ok(m, full);
  const caPem = readFileSync(join(cp.root, 'tls', 'ca.crt'));
  assert.equal(m[1], createHash('sha256').update(caPem).digest('hex'), 'the hash is the CA PEM\'s');
  assert.deepEqual(await fetchInsecure(`https://127.0.0.1:${cp.port}/cacerts`), caPem, '/cacerts serves the CA to anyone');
  const list = await run(SKIFF, ['token', 'list', '--kubeconfig', cp.kubeconfig], { timeoutMs: 30_000 });
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /^TOKEN\s+TTL\s+EXPIRES\s+USAGES\s+DESCRIPTION\s+EXTRA GROUPS\n/);
  assert.match(list.stdout, new RegExp(`${m[2]}\\.${m[3]}\\s+(23h|24h)\\s+\\S+Z\\s+authentication,signing\\s+nodenet test\\s+system:bootstrappers:skiff:default-node-token`));
  const secret = await cp.kjson(['get', 'secret', '-n', 'kube-system', `bootstrap-token-${m[2]}`]);
  assert.equal(secret.type, 'bootstrap.kubernetes.io/token');

  // a wrong hash: the agent stops before it makes anything, and says why
  const bad = full.replace(/^K10(.)/, (_x, c: string) => `K10${c === '0' ? '1' : '0'}`);
  const badRoot = mkdtempSync('/var/tmp/skiff-nodenet-bad-');
  try {
    const r = await run(SKIFF, ['agent', '--server', `https://127.0.0.1:${cp.port}`, '--token', bad, '--root', badRoot, '--node-name', 'never'], { timeoutMs: 30_000 });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /the CA certificate of https:\/\/127\.0\.0\.1:\d+ does not match the join token \(its sha256 is [0-9a-f]{64}, the token names [0-9a-f]{64}\): is --server the cluster the token came from\?/);
  } finally {
    rmSync(badRoot, { recursive: true, force: true });
  }

  const joined = await startNode(cp.kubeconfig, { server: `https://127.0.0.1:${cp.port}`, token: full });
  nodes.push(joined);
  await waitFor('the token-joined node Ready', async () => {
    const n = await cp.kjson(['get', 'node', joined.name]).catch(() => undefined);
    return n?.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True');
  }, 90_000, 300);
  assert.match(readFileSync(join(joined.root, 'agent.log'), 'utf8'), /node agent starting/);
  assert.doesNotMatch(readFileSync(join(joined.root, 'agent.log'), 'utf8'), /not verified/, 'the server was verified by the hash');

  // the bearer is refused once the token is deleted, and once it has expired
  const asToken = (t: string) => run(KUBECTL, ['--server', `https://127.0.0.1:${cp.port}`, '--token', t, '--insecure-skip-tls-verify', 'get', 'nodes'], { timeoutMs: 30_000 });
  assert.equal((await asToken(`${m[2]}.${m[3]}`)).code, 0);
  const del = await run(SKIFF, ['token', 'delete', '--kubeconfig', cp.kubeconfig, m[2]], { timeoutMs: 30_000 });
  assert.equal(del.stdout.trim(), `bootstrap token "${m[2]}" deleted`, del.stderr);
  await waitFor('the deleted token refused', async () => /Unauthorized|must be logged in/.test((await asToken(`${m[2]}.${m[3]}`)).stderr), 10_000, 200);
  const short = (await run(SKIFF, ['token', 'create', '--kubeconfig', cp.kubeconfig, '--ttl', '2s'], { timeoutMs: 30_000 })).stdout.trim().split('::')[1];
  assert.equal((await asToken(short)).code, 0);
  await new Promise((r) => setTimeout(r, 2500));
  assert.match((await asToken(short)).stderr, /Unauthorized|must be logged in/);
  // and the token cleaner deletes its Secret once it has expired
  await waitFor('the expired token\'s Secret gone', async () => (await cp.kubectl(['get', 'secret', '-n', 'kube-system', `bootstrap-token-${short.split('.')[0]}`])).code !== 0, 10_000, 250);
});

function fetchInsecure(url: string): Promise<Buffer> {
  return new Promise((ok, fail) => {
    httpsGet(url, { rejectUnauthorized: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c)).on('end', () => ok(Buffer.concat(chunks))).on('error', fail);
    }).on('error', fail);
  });
}
