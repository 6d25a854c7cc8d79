import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFakeClient } from '../client/fake.ts';
import { R } from '../types/gvr.ts';
import type { KObject } from '../types/meta.ts';
import { nodeObject, leaseObject, runningStatus, isReportedRunning } from './objects.ts';
import { runSimNodes } from './nodes.ts';

const until = async (cond: () => boolean | Promise<boolean>, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
};
type Any = Record<string, any>;

test('nodeObject: labels, capacity/allocatable, Ready condition, addresses, nodeInfo, podCIDR', () => {
  const n = nodeObject({ name: 'sim-3', slot: 3, cpu: '4', memory: '8Gi', maxPods: 110 }, new Date('2025-01-01T00:00:00Z')) as Any;
  assert.equal(n.metadata.labels['kubernetes.io/hostname'], 'sim-3');
  assert.equal(n.metadata.labels['node.kubernetes.io/instance-type'], 'skiff-sim');
  assert.deepEqual(n.status.capacity, { cpu: '4', memory: '8Gi', pods: '110', 'ephemeral-storage': '100Gi' });
  const ready = n.status.conditions.find((c: Any) => c.type === 'Ready');
  assert.deepEqual([ready.status, ready.reason, ready.message], ['True', 'KubeletReady', 'kubelet is posting ready status']);
  for (const t of ['MemoryPressure', 'DiskPressure', 'PIDPressure']) assert.equal(n.status.conditions.find((c: Any) => c.type === t).status, 'False');
  assert.deepEqual(n.status.addresses, [{ type: 'InternalIP', address: '10.99.0.4' }, { type: 'Hostname', address: 'sim-3' }]);
  assert.equal(n.status.nodeInfo.kubeletVersion, 'v1.32.0-skiff');
  assert.equal(n.status.nodeInfo.containerRuntimeVersion, 'skiff-sim://0.1');
  assert.equal(n.spec.podCIDR, '10.42.3.0/24');
});

test('leaseObject: kube-node-lease, 40 s, owned by the node; runningStatus: Running and Ready with addresses', () => {
  const l = leaseObject({ name: 'n1', uid: 'u1' }, new Date('2025-01-01T00:00:00.5Z')) as Any;
  assert.equal(l.metadata.namespace, 'kube-node-lease');
  assert.deepEqual(l.spec, { holderIdentity: 'n1', leaseDurationSeconds: 40, renewTime: '2025-01-01T00:00:00.500000Z' });
  assert.equal(l.metadata.ownerReferences[0].uid, 'u1');
  const pod = { metadata: { uid: 'p' }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] }, status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: 'T0' }] } };
  const st = runningStatus(pod, '10.99.0.1', '10.42.0.2', new Date('2025-01-01T00:00:01Z')) as Any;
  assert.equal(st.phase, 'Running');
  assert.deepEqual(st.conditions.map((c: Any) => `${c.type}=${c.status}`), ['PodReadyToStartContainers=True', 'Initialized=True', 'Ready=True', 'ContainersReady=True', 'PodScheduled=True']);
  assert.equal(st.conditions[4].lastTransitionTime, 'T0', 'PodScheduled kept');
  assert.equal(st.podIP, '10.42.0.2');
  assert.equal(st.hostIP, '10.99.0.1');
  const cs = st.containerStatuses[0];
  assert.deepEqual([cs.ready, cs.started, cs.restartCount, cs.image], [true, true, 0, 'nginx:1']);
  assert.match(cs.containerID, /^sim:\/\/[0-9a-f]{64}$/);
  assert.ok(cs.state.running.startedAt);
  assert.ok(isReportedRunning({ status: st }));
});

test('runSimNodes registers nodes and leases, runs bound pods, finishes deletions, heart-beats, and leaves nodes on stop', async (t) => {
  const c = createFakeClient([
    // an existing node keeps its podCIDR; new nodes avoid it
    { apiVersion: 'v1', kind: 'Node', metadata: { name: 'sim-0' }, spec: { podCIDR: '10.42.0.0/24' } },
    { apiVersion: 'v1', kind: 'Node', metadata: { name: 'other' }, spec: { podCIDR: '10.42.1.0/24' } },
  ], { gracefulPodDeletion: true });
  let clock = Date.parse('2025-01-01T00:00:00Z');
  const ac = new AbortController();
  t.after(() => ac.abort());
  const lines: string[] = [];
  const run = runSimNodes({ client: c, count: 3, prefix: 'sim', cpu: '2', memory: '4Gi', signal: ac.signal, log: (l) => lines.push(l),
    leaseIntervalMs: 20, statusIntervalMs: 20, now: () => new Date((clock += 1000)) });
  await until(() => c.objects(R.leases).length === 3);
  const nodes = c.objects(R.nodes).filter((n) => n.metadata!.name!.startsWith('sim-')) as Any[];
  assert.deepEqual(nodes.map((n) => n.metadata.name), ['sim-0', 'sim-1', 'sim-2']);
  assert.deepEqual(nodes.map((n) => n.spec.podCIDR), ['10.42.0.0/24', '10.42.2.0/24', '10.42.3.0/24']);
  for (const n of nodes) assert.equal(n.status.conditions.find((x: Any) => x.type === 'Ready').status, 'True');

  // heartbeats: the lease renewTime moves on
  const renew0 = (c.objects(R.leases)[0] as Any).spec.renewTime;
  await until(() => (c.objects(R.leases)[0] as Any).spec.renewTime !== renew0);

  const pod = (name: string, nodeName?: string): KObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName, containers: [{ name: 'c', image: 'busybox' }] } });
  await c.create(R.pods, 'default', pod('a', 'sim-1'));
  await c.create(R.pods, 'default', pod('b', 'sim-1'));
  await c.create(R.pods, 'default', pod('elsewhere', 'other'));
  await c.create(R.pods, 'default', pod('pending'));
  const get = (name: string) => c.get(R.pods, 'default', name) as Promise<Any>;
  await until(async () => (await get('a')).status?.phase === 'Running' && (await get('b')).status?.phase === 'Running');
  const [a, b] = [await get('a'), await get('b')];
  assert.equal(a.status.hostIP, '10.99.0.3');
  assert.match(a.status.podIP, /^10\.42\.2\.\d+$/);
  assert.notEqual(a.status.podIP, b.status.podIP);
  assert.equal((await get('elsewhere')).status, undefined, 'pods of other nodes are not ours');
  assert.equal((await get('pending')).status, undefined);

  // a bound pod marked for deletion is deleted for good (grace 0)
  await c.delete(R.pods, 'default', 'a');
  await until(() => !c.objects(R.pods).some((p) => p.metadata!.name === 'a'));
  assert.equal(c.actions.filter((x) => x.verb === 'delete' && x.name === 'a').length, 2, 'ours, then the kubelet-style final delete');

  ac.abort();
  await run;
  assert.equal(c.objects(R.nodes).length, 4, 'nodes stay registered after stop');
  assert.ok(lines.some((l) => l.includes('registered 3 node(s)')));
});

test('a pod annotated to finish exits after its time: Succeeded with exit 0, Failed otherwise (for Jobs on sim nodes)', async (t) => {
  const c = createFakeClient();
  const ac = new AbortController();
  t.after(() => ac.abort());
  const run = runSimNodes({ client: c, count: 1, prefix: 'fin', cpu: '1', memory: '1Gi', signal: ac.signal });
  const mk = (name: string, annotations: Record<string, string>): KObject =>
    ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', annotations }, spec: { nodeName: 'fin-0', restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } });
  await c.create(R.pods, 'default', mk('ok', { 'sim.skiff.dev/finish-after-seconds': '0' }));
  await c.create(R.pods, 'default', mk('bad', { 'sim.skiff.dev/finish-after-seconds': '0', 'sim.skiff.dev/exit-code': '2' }));
  await c.create(R.pods, 'default', mk('forever', {}));
  const phase = async (n: string) => ((await c.get(R.pods, 'default', n)) as Any).status?.phase;
  await until(async () => (await phase('ok')) === 'Succeeded' && (await phase('bad')) === 'Failed' && (await phase('forever')) === 'Running');
  const bad = (await c.get(R.pods, 'default', 'bad')) as Any;
  assert.equal(bad.status.containerStatuses[0].state.terminated.exitCode, 2);
  assert.equal(bad.status.conditions.find((x: Any) => x.type === 'Ready').status, 'False');
  ac.abort();
  await run;
});
