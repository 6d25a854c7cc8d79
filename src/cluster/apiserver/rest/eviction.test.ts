import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestRest, pod, type TestRest } from './testing.ts';
import { R } from '../../types/gvr.ts';
import type { KObject } from '../../types/meta.ts';
import { isStatusError } from '../../types/status-error.ts';

describe('pods/eviction', () => {
  let t: TestRest;
  before(async () => { t = await startTestRest(); });
  after(async () => { await t.cleanup(); });

  async function runningPod(name: string, ready = true) {
    const p = await t.rest.create(R.pods, 'default', pod(name, { labels: { app: 'web' }, nodeName: 'n1' }));
    await t.rest.update(R.pods, 'default', { ...p, status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } }, { subresource: 'status' });
  }
  const evict = (name: string) => t.rest.create(R.pods, 'default', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name } }, { subresource: 'eviction', name });
  const budget = async () => (await t.rest.get<KObject & { status: any }>(R.poddisruptionbudgets, 'default', 'web')).status;

  it('takes the one allowed disruption, then answers 429 as kube does', async () => {
    await runningPod('a');
    await runningPod('b');
    const b = await t.rest.create(R.poddisruptionbudgets, 'default', { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } } });
    // what the disruption controller would have written
    await t.rest.update(R.poddisruptionbudgets, 'default', { ...b, status: { observedGeneration: 1, currentHealthy: 2, desiredHealthy: 1, expectedPods: 2, disruptionsAllowed: 1 } }, { subresource: 'status' });

    await evict('a');
    const gone = await t.rest.get<KObject & { status: any }>(R.pods, 'default', 'a');
    assert.ok(gone.metadata?.deletionTimestamp, 'a is being deleted');
    assert.deepEqual(gone.status.conditions.find((c: any) => c.type === 'DisruptionTarget'), { type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting', lastProbeTime: null, lastTransitionTime: gone.status.conditions.find((c: any) => c.type === 'DisruptionTarget').lastTransitionTime });
    const st = await budget();
    assert.equal(st.disruptionsAllowed, 0);
    assert.deepEqual(Object.keys(st.disruptedPods), ['a']);
    assert.equal(st.conditions[0].reason, 'InsufficientPods');

    const err = await evict('b').then(() => undefined, (e) => e);
    assert.ok(isStatusError(err, 'TooManyRequests'), String(err));
    assert.equal(err.status.code, 429);
    assert.equal(err.message, "Cannot evict pod as it would violate the pod's disruption budget.");
    assert.deepEqual(err.status.details?.causes, [{ reason: 'DisruptionBudget', message: 'The disruption budget web needs 1 healthy pods and has 2 currently' }]);
    assert.equal((await t.rest.get(R.pods, 'default', 'b')).metadata?.deletionTimestamp, undefined);
  });

  it('an unready pod goes when the budget is met; a stale budget is "still being processed"', async () => {
    await runningPod('c', false);
    await evict('c');
    await t.rest.patch(R.poddisruptionbudgets, 'default', 'web', 'merge', { spec: { minAvailable: 0 } });
    const err = await evict('b').then(() => undefined, (e) => e);
    assert.ok(isStatusError(err, 'TooManyRequests'));
    assert.equal(err.status.details?.causes?.[0]?.message, 'The disruption budget web is still being processed by the server.');
  });
});
