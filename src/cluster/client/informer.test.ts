import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFakeClient } from './fake.ts';
import { createInformerFactory } from './informer.ts';
import { R } from '../types/gvr.ts';
import type { KObject } from '../types/meta.ts';

const pod = (name: string, ns = 'default', labels: Record<string, string> = {}): KObject =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, labels }, spec: { nodeName: 'n1' } });

const until = async (cond: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
};

test('an informer lists, syncs, then follows the watch; handlers see the cache already updated', async (t) => {
  const c = createFakeClient([pod('a', 'default', { app: 'web' }), pod('b', 'other')]);
  const f = createInformerFactory(c);
  const pods = f.informer(R.pods);
  const seen: string[] = [];
  pods.on({
    add: (o) => seen.push(`add ${o.metadata!.name} cached=${pods.get(`${o.metadata!.namespace}/${o.metadata!.name}`) === o}`),
    update: (_o, n) => seen.push(`update ${n.metadata!.name}`),
    delete: (o) => seen.push(`delete ${o.metadata!.name} cached=${pods.get(`${o.metadata!.namespace}/${o.metadata!.name}`) !== undefined}`),
  });
  const ac = new AbortController();
  t.after(() => ac.abort());
  f.start(ac.signal);
  await f.waitForSync();
  assert.ok(pods.hasSynced());
  assert.deepEqual(pods.list('default').map((p) => p.metadata!.name), ['a']);
  assert.deepEqual(pods.list(undefined, 'app=web').map((p) => p.metadata!.name), ['a']);
  await c.create(R.pods, 'default', pod('c'));
  await c.patch(R.pods, 'default', 'a', 'merge', { metadata: { labels: { app: 'db' } } });
  await c.delete(R.pods, 'other', 'b');
  await until(() => seen.length === 5);
  assert.deepEqual(seen, ['add a cached=true', 'add b cached=true', 'add c cached=true', 'update a', 'delete b cached=false']);
  assert.deepEqual(pods.list('default', 'app=db').map((p) => p.metadata!.name), ['a']);
  ac.abort();
});

test('custom indexes answer byIndex and follow updates', async (t) => {
  const c = createFakeClient([pod('a'), pod('b')]);
  const f = createInformerFactory(c);
  const pods = f.informer(R.pods);
  pods.addIndex('node', (p) => [((p.spec as { nodeName?: string }).nodeName ?? '')]);
  const ac = new AbortController();
  t.after(() => ac.abort());
  f.start(ac.signal);
  await f.waitForSync();
  assert.equal(pods.byIndex('node', 'n1').length, 2);
  await c.patch(R.pods, 'default', 'a', 'merge', { spec: { nodeName: 'n2' } });
  await until(() => pods.byIndex('node', 'n2').length === 1);
  assert.deepEqual(pods.byIndex('node', 'n1').map((p) => p.metadata!.name), ['b']);
  ac.abort();
});

test('a watch that ends is resumed from the last resourceVersion (no missed events, no relist)', async (t) => {
  const c = createFakeClient([pod('a')]);
  const f = createInformerFactory(c);
  const pods = f.informer(R.pods);
  const ac = new AbortController();
  t.after(() => ac.abort());
  f.start(ac.signal);
  await f.waitForSync();
  c.clearActions();
  c.closeWatches();
  await c.create(R.pods, 'default', pod('b'));
  await until(() => pods.get('default/b') !== undefined);
  assert.equal(c.actions.filter((a) => a.verb === 'list').length, 0);
  ac.abort();
});

test('a 410 on watch relists and reconciles the cache (deletes missed while away are delivered)', async (t) => {
  const c = createFakeClient([pod('a'), pod('b')]);
  const f = createInformerFactory(c);
  const pods = f.informer(R.pods);
  const deleted: string[] = [];
  pods.on({ delete: (o) => deleted.push(o.metadata!.name!) });
  const ac = new AbortController();
  t.after(() => ac.abort());
  f.start(ac.signal);
  await f.waitForSync();
  c.clearActions();
  // all synchronous, before the informer re-watches: its watch ends, 'a' goes, history is compacted
  c.closeWatches();
  const gone = c.delete(R.pods, 'default', 'a');
  c.compact();
  await gone;
  await c.create(R.pods, 'default', pod('z'));
  await until(() => pods.get('default/z') !== undefined && pods.get('default/a') === undefined);
  assert.equal(c.actions.filter((a) => a.verb === 'list').length, 1, 'relisted once');
  assert.deepEqual(deleted, ['a']);
  ac.abort();
});

test('an informer asked for after start starts too; waitForSync waits for it; list by namespace is fast at 3,000 pods', async (t) => {
  const objs: KObject[] = [];
  for (let i = 0; i < 3000; i++) objs.push(pod(`p${i}`, `ns${i % 30}`, { app: `a${i % 3}` }));
  const c = createFakeClient(objs);
  const f = createInformerFactory(c);
  const ac = new AbortController();
  t.after(() => ac.abort());
  f.start(ac.signal);
  const pods = f.informer(R.pods);
  await f.waitForSync();
  assert.equal(pods.list().length, 3000);
  const t0 = performance.now();
  let n = 0;
  for (let i = 0; i < 300; i++) n += pods.list(`ns${i % 30}`, 'app=a1').length;
  assert.ok(n > 0);
  assert.ok(performance.now() - t0 < 2000, 'namespace-indexed lists are cheap');
  ac.abort();
});
