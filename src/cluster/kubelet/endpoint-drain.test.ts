import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFakeClient, createInformerFactory } from '../client/index.ts';
import { R } from '../types/gvr.ts';
import type { KObject } from '../types/meta.ts';
import { createEndpointSliceController } from '../controllers/endpointslice/index.ts';
import { createHarness, pod, service, waitFor } from '../controllers/endpoints/testing.ts';
import { createEndpointDrain, flippedEndpointOf, podUidsOf, readyEndpointOf, slicesByPodUid, type Slice } from './endpoint-drain.ts';

/** ready: true; false: was Ready, now terminating (serving); 'never': not Ready, not terminating; undefined: no conditions */
type EndpointState = boolean | 'never' | undefined;
const conditionsOf = (ready: EndpointState) =>
  ready === undefined ? {} : ready === 'never' ? { ready: false, serving: false, terminating: false } : { ready, serving: true, terminating: !ready };
const slice = (name: string, eps: Array<[uid: string, ready: EndpointState]>): Slice => ({
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
  metadata: { name, namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
  endpoints: eps.map(([uid, ready], i) => ({ addresses: [`10.0.0.${i + 2}`], conditions: conditionsOf(ready), targetRef: { kind: 'Pod', uid } })),
});

async function drainOver(initial: Slice[], marginMs = 150) {
  const client = createFakeClient(initial as unknown as KObject[]);
  const ac = new AbortController();
  const informers = createInformerFactory(client);
  const slices = informers.informer<Slice>(R.endpointslices);
  slices.addIndex(slicesByPodUid, podUidsOf);
  const drain = createEndpointDrain(slices, { marginMs, maxMs: 5000 });
  informers.start(ac.signal);
  await informers.waitForSync();
  return { client, drain, stop: () => { ac.abort(); client.closeWatches(); } };
}

test('readyEndpointOf: a missing ready condition counts as ready; other pods do not count', () => {
  assert.equal(readyEndpointOf([slice('a', [['u1', undefined]])], 'u1'), true);
  assert.equal(readyEndpointOf([slice('a', [['u1', false], ['u2', true]])], 'u1'), false);
  assert.equal(readyEndpointOf([], 'u1'), false);
});

test('flippedEndpointOf: serving and terminating only (a never-Ready pod was no endpoint)', () => {
  assert.equal(flippedEndpointOf([slice('a', [['u1', false]])], 'u1'), true);
  assert.equal(flippedEndpointOf([slice('a', [['u1', 'never']])], 'u1'), false);
  assert.equal(flippedEndpointOf([slice('a', [['u1', true]])], 'u1'), false);
  assert.equal(flippedEndpointOf([slice('a', [['u2', false]])], 'u1'), false);
});

test('a pod that is no ready endpoint is stopped at once', async () => {
  const h = await drainOver([slice('web-1', [['u1', 'never']])]);
  try {
    assert.deepEqual(await h.drain.drain('u1', 3000), { outcome: 'not-an-endpoint', waitedMs: 0 });
    assert.deepEqual(await h.drain.drain('nobody', 3000), { outcome: 'not-an-endpoint', waitedMs: 0 });
  } finally {
    h.stop();
  }
});

test('a kubelet that comes after the flip (the slice already shows it terminating) still waits the margin for the proxies', async () => {
  // stopping at once here let test/service-rollout see ECONNREFUSED: the slice was published, not yet applied
  const h = await drainOver([slice('web-1', [['u1', false], ['u2', true]])], 300);
  try {
    const r = await h.drain.drain('u1', 3000);
    assert.equal(r.outcome, 'removed');
    assert.ok(r.waitedMs >= 290 && r.waitedMs < 2000, `waited ${r.waitedMs} ms`);
    // the budget bounds the margin too
    const short = await h.drain.drain('u1', 100);
    assert.ok(short.waitedMs >= 90 && short.waitedMs < 1000, `waited ${short.waitedMs} ms`);
  } finally {
    h.stop();
  }
});

test('a ready endpoint waits until its slice says not ready, then the margin', async () => {
  const h = await drainOver([slice('web-1', [['u1', true], ['u2', true]])]);
  try {
    const t0 = performance.now();
    const done = h.drain.drain('u1', 3000);
    await new Promise((r) => setTimeout(r, 200));
    await h.client.update(R.endpointslices, 'default', slice('web-1', [['u1', false], ['u2', true]]) as unknown as KObject);
    const r = await done;
    assert.equal(r.outcome, 'removed');
    // the flip came after ~200 ms, the margin is 150 ms; nowhere near the 3 s budget
    assert.ok(r.waitedMs >= 340 && r.waitedMs < 2000, `waited ${r.waitedMs} ms`);
    assert.ok(performance.now() - t0 >= 340);
  } finally {
    h.stop();
  }
});

test('a deleted slice releases the wait; a slice that never changes runs the budget out', async () => {
  const h = await drainOver([slice('web-1', [['u1', true]]), slice('other-1', [['u9', true]])]);
  try {
    const done = h.drain.drain('u1', 3000);
    await h.client.delete(R.endpointslices, 'default', 'web-1');
    assert.equal((await done).outcome, 'removed');
    const r = await h.drain.drain('u9', 400);
    assert.equal(r.outcome, 'timeout');
    assert.ok(r.waitedMs >= 390 && r.waitedMs < 1500, `waited ${r.waitedMs} ms`);
  } finally {
    h.stop();
  }
});

test('with the EndpointSlice controller: deleting a ready pod flips its endpoint and ends the wait', async () => {
  const p = pod('a', { ip: '10.0.0.2' });
  (p.metadata as Record<string, unknown>).finalizers = ['test/hold']; // stays terminating, as a kubelet keeps it
  const h = createHarness([service('web', { selector: { app: 'web' }, ports: [{ port: 80, protocol: 'TCP' }] }), p, pod('b', { ip: '10.0.0.3' })]);
  const slices = h.ctx.informers.informer<Slice>(R.endpointslices);
  slices.addIndex(slicesByPodUid, podUidsOf);
  const drain = createEndpointDrain(slices, { marginMs: 50, maxMs: 10_000 });
  h.run(createEndpointSliceController(h.ctx));
  try {
    const uid = (await h.client.get(R.pods, 'default', 'a')).metadata?.uid ?? '';
    await waitFor(() => readyEndpointOf(slices.list('default'), uid), 'a ready endpoint');
    const done = drain.drain(uid, 10_000);
    await h.client.delete(R.pods, 'default', 'a');
    const r = await done;
    assert.equal(r.outcome, 'removed');
    const e = slices.list('default').flatMap((s) => s.endpoints ?? []).find((x) => x.targetRef?.uid === uid);
    assert.deepEqual(e?.conditions, { ready: false, serving: true, terminating: true });
  } finally {
    await h.stop();
  }
});
