import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { R } from '../../types/gvr.ts';
import type { KObject } from '../../types/meta.ts';
import { createScheduler, targetNodeName } from '../../scheduler/index.ts';
import { eventually, makeNode, testContext } from '../../scheduler/testing.ts';
import type { TestContext } from '../../scheduler/testing.ts';
import { createDaemonSetController, nodeShouldRun, templateHash } from './index.ts';

const daemonSet = (image = 'agent:1', extra: Partial<DaemonSet['spec']> = {}): DaemonSet & KObject => ({
  apiVersion: 'apps/v1', kind: 'DaemonSet',
  metadata: { name: 'agent', namespace: 'kube-system' },
  spec: {
    selector: { matchLabels: { app: 'agent' } },
    template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'agent', image }] } },
    ...extra,
  },
});

function start(ctx: TestContext, withScheduler = false) {
  const controllers = [createDaemonSetController(ctx), ...(withScheduler ? [createScheduler(ctx)] : [])];
  ctx.informers.start(ctx.signal);
  const done = Promise.all(controllers.map((c) => c.run(ctx.signal)));
  return async () => { ctx.stop(); await done; };
}

const podsOf = (ctx: TestContext) => (ctx.client.objects(R.pods) as Pod[]).filter((p) => !p.metadata?.deletionTimestamp);
const dsStatus = (ctx: TestContext) => (ctx.client.objects(R.daemonsets)[0] as DaemonSet).status;

/** plays the kubelets: every bound pod becomes Running and Ready */
async function markReady(ctx: TestContext) {
  for (const p of podsOf(ctx)) {
    if (!p.spec?.nodeName || p.status?.phase === 'Running') continue;
    await ctx.client.patch(R.pods, p.metadata?.namespace, p.metadata?.name ?? '', 'merge', { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }, { subresource: 'status' });
  }
}

test('one pod per eligible node, pinned by node affinity, with the tolerations Kubernetes adds', async () => {
  const ctx = testContext([
    makeNode('n1'), makeNode('n2'), makeNode('tainted', { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] }),
    makeNode('cordoned', { unschedulable: true, taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] }),
    daemonSet(),
  ]);
  const stop = start(ctx);
  try {
    await eventually(() => podsOf(ctx).length === 3 && dsStatus(ctx)?.desiredNumberScheduled === 3, '3 daemon pods and status');
    const nodes = podsOf(ctx).map((p) => targetNodeName(p)).sort();
    assert.deepEqual(nodes, ['cordoned', 'n1', 'n2']);
    const pod = podsOf(ctx)[0];
    assert.equal(pod.spec?.nodeName, undefined, 'left to the scheduler');
    assert.match(pod.metadata?.name ?? '', /^agent-/);
    assert.ok(pod.metadata?.labels?.['controller-revision-hash']);
    assert.equal(pod.metadata?.ownerReferences?.[0].kind, 'DaemonSet');
    const keys = pod.spec?.tolerations?.map((t) => `${t.key}:${t.effect}`);
    assert.ok(keys?.includes('node.kubernetes.io/unreachable:NoExecute'));
    assert.ok(keys?.includes('node.kubernetes.io/unschedulable:NoSchedule'));
    const revisions = ctx.client.objects(R.controllerrevisions);
    assert.equal(revisions.length, 1);
    assert.equal(revisions[0].metadata?.name, `agent-${pod.metadata?.labels?.['controller-revision-hash']}`);
    assert.equal(revisions[0].revision, 1);
    assert.equal(dsStatus(ctx)?.currentNumberScheduled, 3);
    assert.ok(ctx.events.some((e) => e.reason === 'SuccessfulCreate' && e.object === 'kube-system/agent' && /^Created pod: agent-/.test(e.message)));
  } finally { await stop(); }
});

test('with the scheduler the pods land on their nodes; a new node gets one, a deleted node loses it', async () => {
  const ctx = testContext([makeNode('n1'), makeNode('n2'), daemonSet()]);
  const stop = start(ctx, true);
  try {
    await eventually(() => podsOf(ctx).filter((p) => p.spec?.nodeName).length === 2, 'two bound pods');
    for (const p of podsOf(ctx)) assert.equal(p.spec?.nodeName, targetNodeName({ spec: { affinity: p.spec?.affinity } } as Pod));
    await ctx.client.create(R.nodes, undefined, makeNode('n3'));
    await eventually(() => podsOf(ctx).some((p) => p.spec?.nodeName === 'n3'), 'a pod on the new node');
    await markReady(ctx);
    await eventually(() => dsStatus(ctx)?.numberReady === 3 && dsStatus(ctx)?.numberAvailable === 3, 'all ready');
    await ctx.client.delete(R.nodes, undefined, 'n1');
    await eventually(() => !podsOf(ctx).some((p) => targetNodeName(p) === 'n1'), 'the pod of the deleted node to go');
    await eventually(() => dsStatus(ctx)?.desiredNumberScheduled === 2, 'desired 2');
  } finally { await stop(); }
});

test('a rolling update replaces at most maxUnavailable pods at a time', async () => {
  const ctx = testContext([makeNode('n1'), makeNode('n2'), makeNode('n3'), makeNode('n4'), daemonSet()]);
  const stop = start(ctx, true);
  try {
    await eventually(async () => { await markReady(ctx); return dsStatus(ctx)?.numberAvailable === 4; }, 'v1 available');
    const oldHash = podsOf(ctx)[0].metadata?.labels?.['controller-revision-hash'];
    const ds = ctx.client.objects(R.daemonsets)[0] as DaemonSet & KObject;
    await ctx.client.update(R.daemonsets, 'kube-system', { ...ds, spec: { ...ds.spec!, template: { ...ds.spec!.template, spec: { containers: [{ name: 'agent', image: 'agent:2' }] } } } });
    let maxMissing = 0;
    await eventually(async () => {
      const live = podsOf(ctx);
      const availableOld = live.filter((p) => p.metadata?.labels?.['controller-revision-hash'] === oldHash && p.status?.phase === 'Running').length;
      const availableNew = live.filter((p) => p.metadata?.labels?.['controller-revision-hash'] !== oldHash && p.status?.phase === 'Running').length;
      maxMissing = Math.max(maxMissing, 4 - availableOld - availableNew);
      await markReady(ctx);
      return dsStatus(ctx)?.observedGeneration === 2 && dsStatus(ctx)?.updatedNumberScheduled === 4 && dsStatus(ctx)?.numberAvailable === 4;
    }, 'the update to finish', 20_000);
    assert.ok(maxMissing <= 1, `never more than 1 node without an available pod (saw ${maxMissing})`);
    assert.equal(ctx.client.objects(R.controllerrevisions).length, 2);
    assert.ok(podsOf(ctx).every((p) => p.spec?.containers[0].image === 'agent:2'));
  } finally { await stop(); }
});

test('OnDelete leaves old pods until someone deletes them', async () => {
  const ctx = testContext([makeNode('n1'), daemonSet('agent:1', { updateStrategy: { type: 'OnDelete' } })]);
  const stop = start(ctx);
  try {
    await eventually(() => podsOf(ctx).length === 1, 'the pod');
    const ds = ctx.client.objects(R.daemonsets)[0] as DaemonSet & KObject;
    await ctx.client.update(R.daemonsets, 'kube-system', { ...ds, spec: { ...ds.spec!, template: { ...ds.spec!.template, spec: { containers: [{ name: 'agent', image: 'agent:2' }] } } } });
    await eventually(() => ctx.client.objects(R.controllerrevisions).length === 2, 'the second revision');
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(podsOf(ctx)[0].spec?.containers[0].image, 'agent:1');
    await ctx.client.delete(R.pods, 'kube-system', podsOf(ctx)[0].metadata?.name ?? '');
    await eventually(() => podsOf(ctx)[0]?.spec?.containers[0].image === 'agent:2', 'the replacement from the new template');
  } finally { await stop(); }
});

test('node eligibility: nodeSelector, NoSchedule vs NoExecute taints', () => {
  const ds = daemonSet('a', {});
  ds.spec!.template.spec!.nodeSelector = { role: 'edge' };
  assert.deepEqual(nodeShouldRun(ds, makeNode('x')), { shouldRun: false, shouldContinueRunning: false });
  assert.deepEqual(nodeShouldRun(ds, makeNode('y', { labels: { role: 'edge' } })), { shouldRun: true, shouldContinueRunning: true });
  assert.deepEqual(nodeShouldRun(ds, makeNode('z', { labels: { role: 'edge' }, taints: [{ key: 'k', effect: 'NoSchedule' }] })), { shouldRun: false, shouldContinueRunning: true });
  assert.deepEqual(nodeShouldRun(ds, makeNode('w', { labels: { role: 'edge' }, taints: [{ key: 'k', effect: 'NoExecute' }] })), { shouldRun: false, shouldContinueRunning: false });
  assert.equal(nodeShouldRun(ds, makeNode('u', { labels: { role: 'edge' }, taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] })).shouldRun, true);
});

test('an orphan pod that matches the selector is adopted instead of duplicated', async () => {
  const orphan: Pod & KObject = {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'agent-old', namespace: 'kube-system', labels: { app: 'agent' } },
    spec: { nodeName: 'n1', containers: [{ name: 'agent', image: 'agent:1' }] },
  };
  const ctx = testContext([makeNode('n1'), makeNode('n2'), orphan, daemonSet()]);
  const stop = start(ctx);
  try {
    await eventually(() => podsOf(ctx).length === 2 && podsOf(ctx).every((p) => p.metadata?.ownerReferences?.length), 'adoption and one new pod');
    assert.deepEqual(podsOf(ctx).map((p) => targetNodeName(p)).sort(), ['n1', 'n2']);
  } finally { await stop(); }
});

test('a revision name held by other data is a hash collision: collisionCount goes up and the revision takes the next name', async () => {
  const ds = daemonSet();
  const squatter: KObject = {
    apiVersion: 'apps/v1', kind: 'ControllerRevision',
    metadata: { name: `agent-${templateHash(ds)}`, namespace: 'kube-system' }, data: { spec: { other: true } }, revision: 1,
  };
  const ctx = testContext([makeNode('n1'), squatter, ds]);
  const stop = start(ctx);
  try {
    await eventually(() => dsStatus(ctx)?.collisionCount === 1 && podsOf(ctx).length === 1, 'the collision counted and a pod made');
    const hash = podsOf(ctx)[0].metadata?.labels?.['controller-revision-hash'];
    assert.notEqual(`agent-${hash}`, squatter.metadata?.name);
    assert.ok(ctx.client.objects(R.controllerrevisions).some((r) => r.metadata?.name === `agent-${hash}`));
  } finally { await stop(); }
});
