import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import type { KObject } from '../../types/meta.ts';
import { R } from '../../types/gvr.ts';
import { eventually, testContext, type TestContext } from '../../scheduler/testing.ts';
import { createDisruptionController } from './controller.ts';
import { expectedPods } from './expected.ts';

let ctx: TestContext | undefined;
let running: Promise<unknown> | undefined;
afterEach(async () => { ctx?.stop(); ctx?.client.closeWatches(); await running; ctx = undefined; });

const rs: KObject = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-1', namespace: 'default', uid: 'rs-uid' }, spec: { replicas: 4 } };
const pod = (name: string, ready: boolean, extra: { owned?: boolean; bound?: boolean } = {}): KObject => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name, namespace: 'default', uid: `uid-${name}`, labels: { app: 'web' },
    ...(extra.owned === false ? {} : { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'rs-uid', controller: true }] }),
  },
  spec: { containers: [{ name: 'c', image: 'busybox' }], ...(extra.bound ? { nodeName: 'n1' } : {}) },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});
const pdb = (spec: object): KObject => ({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'b', namespace: 'default', generation: 1 }, spec: { selector: { matchLabels: { app: 'web' } }, ...spec } });
const statusOf = (c: TestContext) => (c.client.objects(R.poddisruptionbudgets)[0] as any)?.status;

test('minAvailable counts ready pods that are not going; disruptionsAllowed is what is above it', async () => {
  ctx = testContext([rs, pdb({ minAvailable: 2 }), pod('a', true), pod('b', true), pod('c', true), pod('d', false), pod('e', true, { bound: true })], { gracefulPodDeletion: true });
  running = createDisruptionController(ctx).run(ctx.signal);
  await ctx.client.delete(R.pods, 'default', 'e'); // bound: only marked deleting
  await eventually(() => statusOf(ctx!)?.currentHealthy === 3, 'status written');
  const st = statusOf(ctx);
  assert.deepEqual([st.expectedPods, st.desiredHealthy, st.currentHealthy, st.disruptionsAllowed], [5, 2, 3, 1]);
  assert.deepEqual(st.conditions.map((c: any) => [c.type, c.status, c.reason]), [['DisruptionAllowed', 'True', 'SufficientPods']]);
});

test('a just-evicted pod is not counted healthy; the budget runs out', async () => {
  const b = pdb({ minAvailable: 2 });
  b.status = { observedGeneration: 1, disruptedPods: { a: new Date().toISOString() } };
  ctx = testContext([rs, b, pod('a', true), pod('b', true), pod('c', true)]);
  running = createDisruptionController(ctx).run(ctx.signal);
  await eventually(() => statusOf(ctx!)?.currentHealthy === 2, 'status written');
  const st = statusOf(ctx);
  assert.equal(st.disruptionsAllowed, 0);
  assert.deepEqual(Object.keys(st.disruptedPods), ['a']);
  assert.deepEqual(st.conditions.map((c: any) => [c.status, c.reason]), [['False', 'InsufficientPods']]);
});

test('percentages and maxUnavailable scale with the controllers, rounding up', () => {
  const scales = { get: (kind: string) => (kind === 'ReplicaSet' ? rs : undefined) };
  const pods = [pod('a', true), pod('b', true)];
  assert.deepEqual(expectedPods({ maxUnavailable: 1 }, pods, scales), { expectedCount: 4, desiredHealthy: 3, unmanagedPods: [] });
  assert.deepEqual(expectedPods({ minAvailable: '30%' }, pods, scales), { expectedCount: 4, desiredHealthy: 2, unmanagedPods: [] });
  assert.deepEqual(expectedPods({ maxUnavailable: '50%' }, [...pods, pod('x', true, { owned: false })], scales), { expectedCount: 4, desiredHealthy: 2, unmanagedPods: ['x'] });
  assert.throws(() => expectedPods({ maxUnavailable: 1 }, pods, { get: () => undefined }), /found no controllers for pod "a"/);
});
