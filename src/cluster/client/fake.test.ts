import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFakeClient } from './fake.ts';
import { R } from '../types/gvr.ts';
import { isStatusError } from '../types/status-error.ts';
import type { KObject, WatchEvent } from '../types/meta.ts';

const pod = (name: string, labels: Record<string, string> = {}, extra: Partial<KObject> = {}): KObject =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels }, spec: { containers: [{ name: 'c', image: 'busybox' }] }, ...extra });

test('create assigns uid, creationTimestamp, resourceVersion from one global counter, and generation for spec kinds', async () => {
  const c = createFakeClient([], { now: () => new Date('2025-01-02T03:04:05.678Z') });
  const a = await c.create(R.pods, 'default', pod('a'));
  const d = await c.create(R.deployments, 'default', { metadata: { name: 'web' }, spec: { replicas: 1 } });
  assert.match(a.metadata!.uid!, /^[0-9a-f-]{36}$/);
  assert.equal(a.metadata!.creationTimestamp, '2025-01-02T03:04:05Z');
  assert.equal(Number(d.metadata!.resourceVersion), Number(a.metadata!.resourceVersion) + 1);
  assert.equal(d.metadata!.generation, 1);
  assert.equal(d.kind, 'Deployment');
  assert.equal(d.apiVersion, 'apps/v1');
});

test('generateName makes a unique name; a duplicate name is AlreadyExists', async () => {
  const c = createFakeClient();
  const g = await c.create(R.pods, 'default', { metadata: { generateName: 'web-' } });
  assert.match(g.metadata!.name!, /^web-[a-z0-9]{5}$/);
  await c.create(R.pods, 'default', pod('x'));
  await assert.rejects(c.create(R.pods, 'default', pod('x')), (e) => isStatusError(e, 'AlreadyExists') && e.code === 409);
});

test('update with a stale resourceVersion is a 409 Conflict; a spec change bumps generation, a status-only update does not', async () => {
  const c = createFakeClient();
  const d = await c.create(R.deployments, 'default', { metadata: { name: 'web' }, spec: { replicas: 1 } });
  const d2 = await c.update(R.deployments, 'default', { ...d, spec: { replicas: 2 } });
  assert.equal(d2.metadata!.generation, 2);
  await assert.rejects(c.update(R.deployments, 'default', { ...d, spec: { replicas: 3 } }), (e) => isStatusError(e, 'Conflict'));
  const d3 = await c.update(R.deployments, 'default', { ...d2, status: { replicas: 2 } }, { subresource: 'status' });
  assert.equal(d3.metadata!.generation, 2);
  assert.deepEqual(d3.status, { replicas: 2 });
  // the main resource cannot change status
  const d4 = await c.update(R.deployments, 'default', { ...d3, status: { replicas: 9 } });
  assert.deepEqual(d4.status, { replicas: 2 });
});

test('list filters by namespace, label selector and field selector (dotted paths), and pages with limit/continue', async () => {
  const c = createFakeClient([
    pod('a', { app: 'web' }, { spec: { nodeName: 'n1' } }),
    pod('b', { app: 'web' }),
    pod('c', { app: 'db' }, { spec: { nodeName: 'n1' } }),
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'd', namespace: 'other', labels: { app: 'web' } } },
  ]);
  assert.deepEqual((await c.list(R.pods, 'default', { labelSelector: 'app=web' })).items.map((p) => p.metadata!.name), ['a', 'b']);
  assert.deepEqual((await c.list(R.pods, undefined, { labelSelector: 'app in (web)' })).items.map((p) => p.metadata!.name), ['a', 'b', 'd']);
  assert.deepEqual((await c.list(R.pods, undefined, { fieldSelector: 'spec.nodeName=n1' })).items.map((p) => p.metadata!.name), ['a', 'c']);
  assert.deepEqual((await c.list(R.pods, undefined, { fieldSelector: 'spec.nodeName=' })).items.map((p) => p.metadata!.name), ['b', 'd']);
  assert.deepEqual((await c.list(R.pods, undefined, { fieldSelector: 'metadata.namespace!=default' })).items.map((p) => p.metadata!.name), ['d']);
  const page1 = await c.list(R.pods, undefined, { limit: 3 });
  assert.equal(page1.items.length, 3);
  const page2 = await c.list(R.pods, undefined, { limit: 3, continue: page1.metadata.continue });
  assert.deepEqual(page2.items.map((p) => p.metadata!.name), ['d']);
  assert.equal(page2.metadata.continue, undefined);
});

test('patches: merge, strategic (containers by name), json; status patch only touches status', async () => {
  const c = createFakeClient([pod('a', { app: 'web' })]);
  let p = await c.patch(R.pods, 'default', 'a', 'merge', { metadata: { labels: { app: null, tier: 'x' } } });
  assert.deepEqual(p.metadata!.labels, { tier: 'x' });
  p = await c.patch(R.pods, 'default', 'a', 'strategic', { spec: { containers: [{ name: 'c', image: 'nginx' }, { name: 'd', image: 'x' }] } });
  assert.deepEqual((p.spec as { containers: unknown[] }).containers, [{ name: 'c', image: 'nginx' }, { name: 'd', image: 'x' }]);
  p = await c.patch(R.pods, 'default', 'a', 'json', JSON.stringify([{ op: 'replace', path: '/spec/containers/0/image', value: 'alpine' }]));
  assert.equal((p.spec as { containers: Array<{ image: string }> }).containers[0].image, 'alpine');
  p = await c.patch(R.pods, 'default', 'a', 'merge', { status: { phase: 'Running' }, spec: { nodeName: 'sneaky' } }, { subresource: 'status' });
  assert.equal((p.status as { phase: string }).phase, 'Running');
  assert.equal((p.spec as { nodeName?: string }).nodeName, undefined);
  await assert.rejects(c.patch(R.pods, 'default', 'nope', 'merge', {}), (e) => isStatusError(e, 'NotFound') && e.message === 'pods "nope" not found');
});

test('binding sets spec.nodeName once; scale subresource reads and writes spec.replicas', async () => {
  const c = createFakeClient([pod('a'), { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' }, spec: { replicas: 1 } }]);
  await c.create(R.pods, 'default', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'a' }, target: { kind: 'Node', name: 'n1' } }, { subresource: 'binding', name: 'a' });
  assert.equal(((await c.get(R.pods, 'default', 'a')).spec as { nodeName: string }).nodeName, 'n1');
  await assert.rejects(c.create(R.pods, 'default', { target: { name: 'n2' } }, { subresource: 'binding', name: 'a' }), (e) => isStatusError(e, 'Conflict'));
  const scale = await c.get(R.deployments, 'default', 'web', { subresource: 'scale' });
  assert.deepEqual(scale.spec, { replicas: 1 });
  await c.patch(R.deployments, 'default', 'web', 'merge', { spec: { replicas: 5 } }, { subresource: 'scale' });
  assert.equal(((await c.get(R.deployments, 'default', 'web')).spec as { replicas: number }).replicas, 5);
});

test('delete with finalizers only marks deletionTimestamp; removing the last finalizer deletes', async () => {
  const c = createFakeClient([pod('a', {}, { metadata: { name: 'a', namespace: 'default', finalizers: ['x/y'] } })]);
  const marked = (await c.delete(R.pods, 'default', 'a')) as KObject;
  assert.ok(marked.metadata!.deletionTimestamp);
  assert.equal(c.objects(R.pods).length, 1);
  await c.patch(R.pods, 'default', 'a', 'merge', { metadata: { finalizers: null } });
  assert.equal(c.objects(R.pods).length, 0);
  await assert.rejects(c.get(R.pods, 'default', 'a'), (e) => isStatusError(e, 'NotFound'));
});

test('gracefulPodDeletion marks bound pods; a delete with grace 0 removes them', async () => {
  const c = createFakeClient([pod('a', {}, { spec: { nodeName: 'n1' } })], { gracefulPodDeletion: true });
  await c.delete(R.pods, 'default', 'a');
  assert.ok(c.objects(R.pods)[0].metadata!.deletionTimestamp);
  const res = await c.delete(R.pods, 'default', 'a', { gracePeriodSeconds: 0 });
  assert.equal(res.kind, 'Status');
  assert.equal(c.objects(R.pods).length, 0);
});

test('deleteCollection deletes what the selector selects; actions record every call', async () => {
  const c = createFakeClient([pod('a', { app: 'web' }), pod('b', { app: 'web' }), pod('c', { app: 'db' })]);
  const gone = await c.deleteCollection(R.pods, 'default', { labelSelector: 'app=web' });
  assert.equal(gone.items.length, 2);
  assert.deepEqual(c.objects(R.pods).map((p) => p.metadata!.name), ['c']);
  assert.deepEqual(c.actions.map((a) => a.verb), ['deletecollection']);
  c.clearActions();
  assert.equal(c.actions.length, 0);
});

async function take(it: AsyncIterator<WatchEvent>, n: number): Promise<WatchEvent[]> {
  const out: WatchEvent[] = [];
  while (out.length < n) {
    const r = await it.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

test('watch without resourceVersion starts with ADDED for everything, then live events; selector transitions become ADDED/DELETED', async () => {
  const c = createFakeClient([pod('a', { app: 'web' })]);
  const ac = new AbortController();
  const it = c.watch(R.pods, 'default', { labelSelector: 'app=web' }, ac.signal)[Symbol.asyncIterator]();
  assert.deepEqual((await take(it, 1)).map((e) => [e.type, e.object.metadata!.name]), [['ADDED', 'a']]);
  await c.create(R.pods, 'default', pod('b', { app: 'db' }));
  await c.patch(R.pods, 'default', 'b', 'merge', { metadata: { labels: { app: 'web' } } });
  await c.patch(R.pods, 'default', 'a', 'merge', { metadata: { labels: { x: '1' } } });
  await c.patch(R.pods, 'default', 'a', 'merge', { metadata: { labels: { app: 'other' } } });
  assert.deepEqual((await take(it, 3)).map((e) => [e.type, e.object.metadata!.name]), [['ADDED', 'b'], ['MODIFIED', 'a'], ['DELETED', 'a']]);
  ac.abort();
  assert.equal((await it.next()).done, true);
});

test('watch from a resourceVersion replays later changes; after compact it answers ERROR 410', async () => {
  const c = createFakeClient([pod('a')]);
  const list = await c.list(R.pods, 'default');
  await c.create(R.pods, 'default', pod('b'));
  await c.delete(R.pods, 'default', 'a');
  const ac = new AbortController();
  const it = c.watch(R.pods, undefined, { resourceVersion: list.metadata.resourceVersion }, ac.signal)[Symbol.asyncIterator]();
  assert.deepEqual((await take(it, 2)).map((e) => [e.type, e.object.metadata!.name]), [['ADDED', 'b'], ['DELETED', 'a']]);
  c.closeWatches();
  assert.equal((await it.next()).done, true);
  c.compact();
  const events = await take(c.watch(R.pods, undefined, { resourceVersion: list.metadata.resourceVersion }, ac.signal)[Symbol.asyncIterator](), 5);
  assert.equal(events.length, 1);
  assert.equal(events[0].type, 'ERROR');
  assert.equal((events[0].object as { code?: number }).code, 410);
});
