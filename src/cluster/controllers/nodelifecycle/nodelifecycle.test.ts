import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { R } from '../../types/gvr.ts';
import type { KObject } from '../../types/meta.ts';
import { eventually, makeNode, makePod, testContext } from '../../scheduler/testing.ts';
import type { TestContext } from '../../scheduler/testing.ts';
import { createNodeLifecycleController } from './index.ts';
import { evictionVerdict } from './eviction.ts';

const lease = (node: string, at = new Date()): KObject => ({
  apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: node, namespace: 'kube-node-lease' },
  spec: { holderIdentity: node, leaseDurationSeconds: 40, renewTime: at.toISOString() },
});

const readyPod = (name: string, node: string, spec: Partial<Pod['spec']> = {}) => ({
  ...makePod(name, { nodeName: node, owner: 'web', spec }),
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
});

function start(ctx: TestContext) {
  const c = createNodeLifecycleController(ctx, { gracePeriodMs: 2000, monitorPeriodMs: 50 });
  ctx.informers.start(ctx.signal);
  const done = c.run(ctx.signal);
  return async () => { ctx.stop(); await done; };
}

const node = (ctx: TestContext, name: string) => ctx.client.objects(R.nodes).find((n) => n.metadata?.name === name) as Node | undefined;
const pod = (ctx: TestContext, name: string) => ctx.client.objects(R.pods).find((p) => p.metadata?.name === name) as Pod | undefined;

test('a node without heartbeats goes Unknown, is tainted unreachable, its pods go not Ready and are evicted', async () => {
  const ctx = testContext([makeNode('n1'), lease('n1'), readyPod('web-1', 'n1'), makeNode('n2'), lease('n2'), readyPod('web-2', 'n2')]);
  const stop = start(ctx);
  try {
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(node(ctx, 'n1')?.spec?.taints, undefined, 'a healthy node is left alone');
    // n2 keeps heart-beating while the clock moves past n1's grace period
    ctx.advance(5000);
    await ctx.client.patch(R.leases, 'kube-node-lease', 'n2', 'merge', { spec: { renewTime: ctx.now().toISOString() } });
    await eventually(() => !pod(ctx, 'web-1'), 'web-1 to be evicted');
    const n1 = node(ctx, 'n1')!;
    const ready = n1.status!.conditions!.find((c) => c.type === 'Ready')!;
    assert.equal(ready.status, 'Unknown');
    assert.equal(ready.reason, 'NodeStatusUnknown');
    assert.equal(ready.message, 'Kubelet stopped posting node status.');
    assert.deepEqual(n1.spec!.taints!.map((t) => `${t.key}:${t.effect}`), ['node.kubernetes.io/unreachable:NoSchedule', 'node.kubernetes.io/unreachable:NoExecute']);
    assert.ok(ctx.events.some((e) => e.reason === 'NodeNotReady' && e.object === 'n1' && e.message === 'Node n1 status is now: NodeNotReady'));
    assert.ok(ctx.events.some((e) => e.reason === 'NodeNotReady' && e.object === 'default/web-1' && e.message === 'Node is not ready'));
    assert.ok(ctx.events.some((e) => e.reason === 'TaintManagerEviction' && e.message === 'Marking for deletion Pod default/web-1'));
    const markedNotReady = ctx.client.actions.find((a) => a.verb === 'patch' && a.name === 'web-1' && a.subresource === 'status');
    assert.deepEqual((markedNotReady?.object as { status: { conditions: { type: string; status: string }[] } }).status.conditions.map((c) => [c.type, c.status]), [['Ready', 'False']]);
    assert.ok(pod(ctx, 'web-2'), 'pods on the live node stay');
    assert.equal(node(ctx, 'n2')?.spec?.taints, undefined);
  } finally { await stop(); }
});

test('heartbeats resuming remove the taints', async () => {
  const ctx = testContext([makeNode('n1'), lease('n1')]);
  const stop = start(ctx);
  try {
    ctx.advance(5000);
    await eventually(() => node(ctx, 'n1')?.spec?.taints?.length === 2, 'the unreachable taints');
    await ctx.client.patch(R.leases, 'kube-node-lease', 'n1', 'merge', { spec: { renewTime: ctx.now().toISOString() } });
    await eventually(() => !node(ctx, 'n1')?.spec?.taints?.length, 'the taints to go');
  } finally { await stop(); }
});

test('a Ready=False node with fresh heartbeats gets the not-ready taints', async () => {
  const ctx = testContext([makeNode('n1', { ready: false }), lease('n1')]);
  const stop = start(ctx);
  try {
    await eventually(() => node(ctx, 'n1')?.spec?.taints?.length === 2, 'the not-ready taints');
    assert.ok(node(ctx, 'n1')!.spec!.taints!.every((t) => t.key === 'node.kubernetes.io/not-ready'));
  } finally { await stop(); }
});

test('pods stuck Terminating on an unreachable node are force-deleted after their grace period', async () => {
  const ctx = testContext([makeNode('n1'), lease('n1'), readyPod('web-1', 'n1', { terminationGracePeriodSeconds: 30 })], { gracefulPodDeletion: true });
  const stop = start(ctx);
  try {
    ctx.advance(5000);
    await eventually(() => pod(ctx, 'web-1')?.metadata?.deletionTimestamp, 'the eviction to mark the pod Terminating');
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(pod(ctx, 'web-1'), 'still Terminating within its grace period');
    ctx.advance(31_000);
    await eventually(() => !pod(ctx, 'web-1'), 'the force delete');
  } finally { await stop(); }
});

test('a pod tolerating unreachable for tolerationSeconds stays until they pass', async () => {
  const tolerant = readyPod('db-1', 'n1', { tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }] });
  const ctx = testContext([makeNode('n1'), lease('n1'), tolerant, readyPod('web-1', 'n1')]);
  const stop = start(ctx);
  try {
    ctx.advance(5000);
    await eventually(() => !pod(ctx, 'web-1'), 'the intolerant pod to go');
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(pod(ctx, 'db-1'));
    ctx.advance(61_000);
    await eventually(() => !pod(ctx, 'db-1'), 'the tolerant pod to go after 60 s');
  } finally { await stop(); }
});

test('pod GC force-deletes pods bound to a node that does not exist', async () => {
  const ctx = testContext([makeNode('n1'), lease('n1'), readyPod('lost', 'ghost'), readyPod('fine', 'n1')]);
  const stop = start(ctx);
  try {
    await eventually(() => !pod(ctx, 'lost'), 'the orphan to be collected');
    assert.ok(pod(ctx, 'fine'));
  } finally { await stop(); }
});

test('eviction verdicts: untolerated now, tolerated forever never, tolerationSeconds later', () => {
  const taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' };
  const since = () => 1000;
  assert.deepEqual(evictionVerdict(makePod('a'), [taint], since), { evict: true, at: 1000, taint });
  assert.deepEqual(evictionVerdict(makePod('b', { spec: { tolerations: [{ operator: 'Exists' }] } }), [taint], since), { evict: false });
  assert.equal(evictionVerdict(makePod('c', { spec: { tolerations: [{ key: taint.key, operator: 'Exists', tolerationSeconds: 5 }] } }), [taint], since).at, 6000);
  assert.deepEqual(evictionVerdict(makePod('d'), [{ key: 'x', effect: 'NoSchedule' }], since), { evict: false });
});
