// Node networking on the control plane's side: the `kubernetes` Service's endpoints name the server's
// advertised address (and come back when deleted), and an agent started without --pod-cidr gets its Node's
// podCIDR from the server's --cluster-cidr and runs its pods there.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startControlPlane, type ControlPlane } from './cluster-harness.ts';
import { SKIFF, run, waitFor } from './harness.ts';
import { startNode, loadBusybox, testNetworkPodCIDR, type TestNode } from './kubelet-harness.ts';

const ADVERTISED = '192.0.2.10'; // TEST-NET-1: only ever written into objects, never dialled
let cp: ControlPlane;
let node: TestNode | undefined;
const podCIDR = testNetworkPodCIDR();

before(async () => {
  cp = await startControlPlane({ args: ['--advertise-address', ADVERTISED, '--cluster-cidr', podCIDR, '--node-cidr-mask-size', '24'] });
});

after(async () => {
  if (node) await cp?.kubectl(['delete', 'pods', '--all', '--wait=true', '--timeout=60s'], { timeoutMs: 90_000 }).catch(() => undefined);
  await node?.cleanup();
  await cp?.cleanup();
});

test('the kubernetes Service: its EndpointSlice and Endpoints name the advertised address and port, and come back when deleted', async () => {
  const svc = await cp.kjson(['get', 'service', 'kubernetes']);
  assert.equal(svc.spec.clusterIP, '10.43.0.1');
  assert.deepEqual(svc.spec.ports, [{ name: 'https', port: 443, protocol: 'TCP', targetPort: cp.port }]);
  const want = { endpoints: [{ addresses: [ADVERTISED], conditions: { ready: true } }], ports: [{ name: 'https', port: cp.port, protocol: 'TCP' }] };
  const slice = await cp.kjson(['get', 'endpointslice', 'kubernetes']);
  assert.deepEqual({ endpoints: slice.endpoints, ports: slice.ports }, want);
  assert.equal(slice.metadata.labels['kubernetes.io/service-name'], 'kubernetes');
  const ep = await cp.kjson(['get', 'endpoints', 'kubernetes']);
  assert.deepEqual(ep.subsets, [{ addresses: [{ ip: ADVERTISED }], ports: [{ name: 'https', port: cp.port, protocol: 'TCP' }] }]);
  const lease = await cp.kjson(['get', 'lease', '-n', 'kube-system', `apiserver-endpoint-${ADVERTISED}`]);
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
