import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { createSchedulerCache, podFacts } from './cache.ts';
import { createDecider, feasibleNodesToFind } from './decide.ts';
import { filterNode, schedulingInfo, unschedulableMessage } from './plugins.ts';
import { makeNode, makePod } from './testing.ts';
import { toleratesTaint, targetNodeName } from './predicates.ts';

const info = (pod: Pod) => schedulingInfo(pod, podFacts(pod));

function cacheWith(...nodes: ReturnType<typeof makeNode>[]) {
  const c = createSchedulerCache();
  for (const n of nodes) c.setNode(n);
  return c;
}

test('filters give the Kubernetes reasons', () => {
  const c = cacheWith(
    makeNode('cordoned', { unschedulable: true }),
    makeNode('dead', { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] }),
    makeNode('small', { cpu: '500m', memory: '100Mi' }),
    makeNode('full', { pods: '0' }),
    makeNode('gpu', { labels: { gpu: 'yes' } }),
  );
  const reasonOf = (pod: Pod, node: string) => filterNode(info(pod), c.node(node)!)?.reasons;
  const pod = makePod('p', { cpu: '1', memory: '1Gi' });
  assert.deepEqual(reasonOf(pod, 'cordoned'), ['node(s) were unschedulable']);
  assert.deepEqual(reasonOf(pod, 'dead'), ['node(s) had untolerated taint {node.kubernetes.io/unreachable: }']);
  assert.deepEqual(reasonOf(pod, 'small'), ['Insufficient cpu', 'Insufficient memory']);
  assert.deepEqual(reasonOf(pod, 'full'), ['Too many pods']);
  assert.equal(reasonOf(pod, 'gpu'), undefined);
  const wantsGpu = makePod('g', { spec: { nodeSelector: { gpu: 'yes' } } });
  assert.deepEqual(reasonOf(wantsGpu, 'small'), ["node(s) didn't match Pod's node affinity/selector"]);
  assert.equal(reasonOf(wantsGpu, 'gpu'), undefined);
  const affinity = makePod('a', { spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['gpu'] }] }] } } } } });
  assert.deepEqual(reasonOf(affinity, 'small'), ["node(s) didn't match Pod's node affinity/selector"]);
  assert.equal(reasonOf(affinity, 'gpu'), undefined);
  assert.equal(targetNodeName(affinity), 'gpu');
  const tolerant = makePod('t', { spec: { tolerations: [{ operator: 'Exists' }] } });
  assert.equal(reasonOf(tolerant, 'dead'), undefined, 'an empty key with Exists tolerates everything');
  assert.equal(reasonOf(tolerant, 'cordoned'), undefined, 'tolerating the unschedulable taint passes a cordoned node');
});

test('host ports conflict only on the same protocol and port, 0.0.0.0 clashing with every IP', () => {
  const c = cacheWith(makeNode('n1'));
  c.upsertPod({ ...makePod('web', { hostPort: 8080 }), spec: { ...makePod('web', { hostPort: 8080 }).spec!, nodeName: 'n1' }, metadata: { name: 'web', namespace: 'default', uid: 'u1' } });
  assert.deepEqual(filterNode(info(makePod('x', { hostPort: 8080 })), c.node('n1')!)?.reasons, ["node(s) didn't have free ports for the requested pod ports"]);
  assert.equal(filterNode(info(makePod('y', { hostPort: 8081 })), c.node('n1')!), undefined);
});

test('toleration matching: Equal compares values, effect must match when set', () => {
  const taint = { key: 'k', value: 'v', effect: 'NoSchedule' };
  assert.equal(toleratesTaint({ key: 'k', operator: 'Equal', value: 'v' }, taint), true);
  assert.equal(toleratesTaint({ key: 'k', value: 'w' }, taint), false);
  assert.equal(toleratesTaint({ key: 'k', operator: 'Exists', effect: 'NoExecute' }, taint), false);
});

test('the unschedulable message is a sorted histogram plus the preemption verdict, as kube-scheduler words it', () => {
  const msg = unschedulableMessage(3, [
    { reasons: ['node(s) had untolerated taint {node.kubernetes.io/unreachable: }'], resolvable: false },
    { reasons: ['Insufficient cpu'], resolvable: true },
    { reasons: ['Insufficient cpu'], resolvable: true },
  ]);
  assert.equal(msg, '0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 2 Insufficient cpu. ' +
    'preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.');
  assert.equal(unschedulableMessage(0, []), 'no nodes available to schedule pods');
});

test('least allocated: a pod goes to the emptier node', () => {
  const c = cacheWith(makeNode('busy'), makeNode('idle'));
  c.assume(podFacts({ ...makePod('big', { cpu: '3', memory: '6Gi' }), metadata: { name: 'big', namespace: 'default', uid: 'b' } }), 'busy');
  const d = createDecider();
  for (let i = 0; i < 20; i++) assert.equal(d.decide(info(makePod(`p${i}`, { cpu: '100m' })), c.nodes()).node, 'idle');
});

test('spreading: pods of one owner go round the nodes', () => {
  const c = cacheWith(makeNode('a'), makeNode('b'), makeNode('c'));
  const d = createDecider();
  const per = new Map<string, number>();
  for (let i = 0; i < 30; i++) {
    const pod = { ...makePod(`w${i}`, { owner: 'web' }), metadata: { ...makePod(`w${i}`, { owner: 'web' }).metadata, uid: `w${i}` } };
    const node = d.decide(info(pod), c.nodes()).node!;
    c.assume(podFacts(pod), node);
    per.set(node, (per.get(node) ?? 0) + 1);
  }
  assert.deepEqual([...per.values()].sort(), [10, 10, 10]);
});

test('preferred affinity and PreferNoSchedule taints steer the choice', () => {
  const c = cacheWith(makeNode('plain'), makeNode('ssd', { labels: { disk: 'ssd' } }), makeNode('soft', { labels: { disk: 'ssd' }, taints: [{ key: 'x', effect: 'PreferNoSchedule' }] }));
  const pod = makePod('p', { spec: { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } }] } } } });
  const d = createDecider();
  for (let i = 0; i < 10; i++) assert.equal(d.decide(info(pod), c.nodes()).node, 'ssd');
});

test('ties are broken at random', () => {
  const c = cacheWith(makeNode('a'), makeNode('b'), makeNode('c'));
  const d = createDecider();
  const seen = new Set<string>();
  for (let i = 0; i < 60; i++) seen.add(d.decide(info(makePod('same')), c.nodes()).node!);
  assert.equal(seen.size, 3);
});

test('large clusters score a sample of nodes, never fewer than 100', () => {
  assert.equal(feasibleNodesToFind(50), 50);
  assert.equal(feasibleNodesToFind(100), 100);
  assert.equal(feasibleNodesToFind(1000), 420);
  assert.equal(feasibleNodesToFind(5000), 500);
  assert.equal(feasibleNodesToFind(10000), 500);
});

test('the cache counts assumed pods once, also after the binding shows up, and forgets failed ones', () => {
  const c = cacheWith(makeNode('n1'));
  const pod = { ...makePod('p', { cpu: '1' }), metadata: { name: 'p', namespace: 'default', uid: 'u' } };
  c.assume(podFacts(pod), 'n1');
  assert.equal(c.node('n1')!.reqCpu, 1000);
  c.upsertPod({ ...pod, spec: { ...pod.spec!, nodeName: 'n1' } });
  assert.equal(c.node('n1')!.reqCpu, 1000);
  assert.equal(c.isAssumed('default/p'), false);
  c.removePod(pod);
  assert.equal(c.node('n1')!.reqCpu, 0);
  c.assume(podFacts(pod), 'n1');
  c.forget('default/p');
  assert.equal(c.node('n1')!.podCount, 0);
});
