import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StatefulSet, ControllerRevision } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import { R } from '../../types/gvr.ts';
import type { KObject } from '../../types/meta.ts';
import { eventually, testContext } from '../../scheduler/testing.ts';
import type { TestContext } from '../../scheduler/testing.ts';
import { createStatefulSetController } from './index.ts';

type Sts = StatefulSet & KObject;

const statefulSet = (extra: Partial<StatefulSet['spec']> = {}, image = 'web:1'): Sts => ({
  apiVersion: 'apps/v1', kind: 'StatefulSet',
  metadata: { name: 'web', namespace: 'default', uid: 'uid-web', generation: 1, annotations: { 'kubernetes.io/change-cause': 'first' } },
  spec: {
    serviceName: 'nginx', replicas: 3, podManagementPolicy: 'OrderedReady', revisionHistoryLimit: 10,
    updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
    persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image, volumeMounts: [{ name: 'www', mountPath: '/data' }] }] } },
    volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    ...extra,
  },
});

function start(ctx: TestContext) {
  const c = createStatefulSetController(ctx);
  ctx.informers.start(ctx.signal);
  const done = c.run(ctx.signal);
  return async () => { ctx.stop(); await done; };
}

const live = (ctx: TestContext) => (ctx.client.objects(R.pods) as Array<Pod & KObject>).filter((p) => !p.metadata?.deletionTimestamp);
const names = (ctx: TestContext) => live(ctx).map((p) => p.metadata?.name).sort();
const sts = (ctx: TestContext) => ctx.client.objects(R.statefulsets)[0] as Sts;
const revisions = (ctx: TestContext) => ctx.client.objects(R.controllerrevisions) as Array<ControllerRevision & KObject>;
const claims = (ctx: TestContext) => ctx.client.objects(R.persistentvolumeclaims) as Array<PersistentVolumeClaim & KObject>;

/** plays the API server's defaulting and the kubelet: every pod becomes Running and Ready */
async function markReady(ctx: TestContext, only?: string) {
  for (const p of live(ctx)) {
    if (p.status?.phase === 'Running' || (only && p.metadata?.name !== only)) continue;
    await ctx.client.patch(R.pods, 'default', p.metadata?.name ?? '', 'merge', { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }, { subresource: 'status' });
  }
}
/** keeps marking pods ready until check holds */
async function readyUntil(ctx: TestContext, check: () => boolean, what: string) {
  await eventually(async () => { await markReady(ctx); return check(); }, what);
}

async function setSpec(ctx: TestContext, change: (s: Sts) => void) {
  const s = structuredClone(sts(ctx));
  change(s);
  await ctx.client.update(R.statefulsets, 'default', { ...s, metadata: { ...s.metadata, generation: (s.metadata?.generation ?? 1) + 1 } });
}

test('OrderedReady: web-0, web-1, web-2 one after another, each with its own claim, hostname and subdomain', async () => {
  const ctx = testContext([statefulSet()]);
  const stop = start(ctx);
  try {
    await eventually(() => names(ctx).length === 1, 'web-0');
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(names(ctx), ['web-0'], 'web-1 waits for web-0 to be Running and Ready');
    const pod0 = live(ctx)[0];
    assert.equal(pod0.spec?.hostname, 'web-0');
    assert.equal(pod0.spec?.subdomain, 'nginx');
    assert.equal(pod0.metadata?.labels?.['statefulset.kubernetes.io/pod-name'], 'web-0');
    assert.equal(pod0.metadata?.labels?.['apps.kubernetes.io/pod-index'], '0');
    assert.deepEqual(pod0.spec?.volumes, [{ name: 'www', persistentVolumeClaim: { claimName: 'www-web-0' } }]);
    assert.equal(pod0.metadata?.ownerReferences?.[0].kind, 'StatefulSet');
    assert.deepEqual(claims(ctx).map((c) => c.metadata?.name), ['www-web-0']);
    assert.deepEqual(claims(ctx)[0].metadata?.labels, { app: 'web' });
    assert.equal(claims(ctx)[0].metadata?.ownerReferences, undefined, 'Retain: nobody owns the claim');
    await markReady(ctx, 'web-0');
    await eventually(() => names(ctx).length === 2, 'web-1 after web-0 is ready');
    await readyUntil(ctx, () => sts(ctx).status?.readyReplicas === 3, 'three ready');
    assert.deepEqual(names(ctx), ['web-0', 'web-1', 'web-2']);
    assert.deepEqual(claims(ctx).map((c) => c.metadata?.name).sort(), ['www-web-0', 'www-web-1', 'www-web-2']);
    const created = ctx.events.filter((e) => e.reason === 'SuccessfulCreate').map((e) => e.message);
    assert.deepEqual(created.filter((m) => m.startsWith('create Pod')), ['web-0', 'web-1', 'web-2'].map((n) => `create Pod ${n} in StatefulSet web successful`));
    assert.ok(created.includes('create Claim www-web-1 Pod web-1 in StatefulSet web success'));
    const st = sts(ctx).status!;
    const rev = revisions(ctx);
    assert.equal(rev.length, 1);
    assert.equal(st.currentRevision, rev[0].metadata?.name);
    assert.equal(st.updateRevision, rev[0].metadata?.name);
    assert.equal(rev[0].metadata?.annotations?.['kubernetes.io/change-cause'], 'first', 'the set\'s annotations are on the revision');
    assert.equal(live(ctx)[0].metadata?.labels?.['controller-revision-hash'], rev[0].metadata?.name);
    assert.deepEqual([st.replicas, st.readyReplicas, st.currentReplicas, st.updatedReplicas, st.availableReplicas, st.collisionCount, st.observedGeneration], [3, 3, 3, 3, 3, 0, 1]);
  } finally { await stop(); }
});

test('scale down removes the highest ordinal first; whenScaled=Delete hands its claim to the pod', async () => {
  const ctx = testContext([statefulSet({ persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Delete' } })]);
  const stop = start(ctx);
  try {
    await readyUntil(ctx, () => sts(ctx).status?.readyReplicas === 3, 'three ready');
    for (const c of claims(ctx)) assert.deepEqual(c.metadata?.ownerReferences?.map((r) => r.kind), ['StatefulSet'], 'whenDeleted=Delete: the set owns each claim');
    await setSpec(ctx, (s) => { s.spec!.replicas = 1; });
    await eventually(() => names(ctx).length === 1, 'scaled to 1');
    assert.deepEqual(names(ctx), ['web-0']);
    const deleted = ctx.events.filter((e) => e.reason === 'SuccessfulDelete').map((e) => e.message);
    assert.deepEqual(deleted, ['delete Pod web-2 in StatefulSet web successful', 'delete Pod web-1 in StatefulSet web successful'], 'highest first');
    const c2 = claims(ctx).find((c) => c.metadata?.name === 'www-web-2')!;
    assert.deepEqual(c2.metadata?.ownerReferences?.map((r) => `${r.kind}/${r.name}`), ['Pod/web-2'], 'the condemned pod owns its claim (the GC deletes it)');
    assert.deepEqual(claims(ctx).find((c) => c.metadata?.name === 'www-web-0')!.metadata?.ownerReferences?.map((r) => r.kind), ['StatefulSet']);
  } finally { await stop(); }
});

test('a rolling update with a partition replaces only the ordinals at or above it, highest first', async () => {
  const ctx = testContext([statefulSet({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } })]);
  const stop = start(ctx);
  try {
    await readyUntil(ctx, () => sts(ctx).status?.readyReplicas === 3, 'three ready');
    const first = sts(ctx).status?.currentRevision;
    await setSpec(ctx, (s) => { s.spec!.template.spec!.containers[0].image = 'web:2'; s.metadata!.annotations = { 'kubernetes.io/change-cause': 'to web:2' }; });
    const image = (n: string) => live(ctx).find((p) => p.metadata?.name === n)?.spec?.containers[0].image;
    await readyUntil(ctx, () => image('web-2') === 'web:2' && image('web-1') === 'web:2' && sts(ctx).status?.updatedReplicas === 2 && sts(ctx).status?.readyReplicas === 3, 'ordinals 2 and 1 updated');
    assert.equal(image('web-0'), 'web:1', 'below the partition: untouched');
    const order = ctx.events.filter((e) => e.reason === 'SuccessfulDelete').map((e) => e.message.split(' ')[2]);
    assert.deepEqual(order, ['web-2', 'web-1']);
    const st = sts(ctx).status!;
    assert.equal(st.currentRevision, first);
    assert.notEqual(st.updateRevision, first);
    assert.equal(revisions(ctx).find((r) => r.metadata?.name === st.updateRevision)?.metadata?.annotations?.['kubernetes.io/change-cause'], 'to web:2');
    await setSpec(ctx, (s) => { s.spec!.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: 0 } }; });
    await readyUntil(ctx, () => image('web-0') === 'web:2' && sts(ctx).status?.currentRevision === sts(ctx).status?.updateRevision && sts(ctx).status?.currentReplicas === 3, 'all updated, current = update');
    // back to the first template: its revision is reused and renumbered as the newest (a rollback)
    await setSpec(ctx, (s) => { s.spec!.template.spec!.containers[0].image = 'web:1'; });
    await readyUntil(ctx, () => live(ctx).every((p) => p.spec?.containers[0].image === 'web:1') && sts(ctx).status?.currentRevision === first, 'rolled back');
    assert.equal(revisions(ctx).length, 2);
    assert.equal(revisions(ctx).find((r) => r.metadata?.name === first)?.revision, 3, JSON.stringify(revisions(ctx).map((r) => [r.metadata?.name, r.revision])));
  } finally { await stop(); }
});

test('Parallel makes every ordinal at once; OnDelete leaves old pods until they are deleted', async () => {
  const ctx = testContext([statefulSet({ podManagementPolicy: 'Parallel', updateStrategy: { type: 'OnDelete' }, volumeClaimTemplates: [] })]);
  const stop = start(ctx);
  try {
    await eventually(() => names(ctx).length === 3, 'three pods without waiting');
    assert.equal(live(ctx).filter((p) => p.status?.phase === 'Running').length, 0, 'none was ready when the others were made');
    await readyUntil(ctx, () => sts(ctx).status?.readyReplicas === 3, 'three ready');
    await setSpec(ctx, (s) => { s.spec!.template.spec!.containers[0].image = 'web:2'; });
    await eventually(() => revisions(ctx).length === 2 && sts(ctx).status?.updateRevision !== sts(ctx).status?.currentRevision, 'the update revision');
    await new Promise((r) => setTimeout(r, 150));
    assert.ok(live(ctx).every((p) => p.spec?.containers[0].image === 'web:1'), 'OnDelete: nothing replaced');
    await ctx.client.delete(R.pods, 'default', 'web-1');
    await eventually(() => live(ctx).find((p) => p.metadata?.name === 'web-1')?.spec?.containers[0].image === 'web:2', 'the deleted ordinal comes back new');
  } finally { await stop(); }
});

test('ordinals.start numbers the pods from there; a Failed pod is deleted and made again', async () => {
  const ctx = testContext([statefulSet({ replicas: 2, ordinals: { start: 5 }, volumeClaimTemplates: [] })]);
  const stop = start(ctx);
  try {
    await readyUntil(ctx, () => sts(ctx).status?.readyReplicas === 2, 'two ready');
    assert.deepEqual(names(ctx), ['web-5', 'web-6']);
    const failed = live(ctx).find((p) => p.metadata?.name === 'web-5')!;
    await ctx.client.patch(R.pods, 'default', 'web-5', 'merge', { status: { phase: 'Failed', conditions: [{ type: 'Ready', status: 'False' }] } }, { subresource: 'status' });
    await eventually(() => { const p = live(ctx).find((x) => x.metadata?.name === 'web-5'); return p && p.metadata?.uid !== failed.metadata?.uid; }, 'web-5 made again');
  } finally { await stop(); }
});

test('minReadySeconds: a ready pod counts as available only after that long', async () => {
  const ctx = testContext([statefulSet({ replicas: 1, minReadySeconds: 2, volumeClaimTemplates: [] })]);
  const stop = start(ctx);
  try {
    await eventually(() => names(ctx).length === 1, 'web-0');
    const at = new Date().toISOString();
    await ctx.client.patch(R.pods, 'default', 'web-0', 'merge', { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: at }] } }, { subresource: 'status' });
    await eventually(() => sts(ctx).status?.readyReplicas === 1, 'ready');
    assert.equal(sts(ctx).status?.availableReplicas, 0);
    await eventually(() => sts(ctx).status?.availableReplicas === 1, 'available after minReadySeconds (a requeue, no pod event)', 8000);
  } finally { await stop(); }
});
