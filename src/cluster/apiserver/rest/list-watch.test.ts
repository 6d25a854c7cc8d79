import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { R } from '../../types/gvr.ts';
import type { KObject, WatchEvent } from '../../types/meta.ts';
import { isStatusError } from '../../types/status-error.ts';
import { startTestRest, pod, collect, type TestRest } from './testing.ts';

let t: TestRest;
before(async () => {
  t = await startTestRest({ historySize: 50, bookmarkIntervalMs: 200 });
  await t.rest.create(R.namespaces, undefined, { metadata: { name: 'lw' } });
  for (let i = 0; i < 10; i++) await t.rest.create(R.pods, 'lw', pod(`p${i}`, { labels: { app: i % 2 ? 'odd' : 'even' }, nodeName: i < 3 ? 'n1' : undefined }));
});
after(async () => { await t.cleanup(); });

const names = (items: KObject[]) => items.map((o) => o.metadata?.name);
const summary = (evs: WatchEvent[]) => evs.map((e) => `${e.type} ${e.object.metadata?.name ?? ''}`);

test('list answers PodList with a resourceVersion, in name order', async () => {
  const l = await t.rest.list(R.pods, 'lw');
  assert.equal(l.kind, 'PodList');
  assert.equal(l.apiVersion, 'v1');
  assert.ok(Number(l.metadata.resourceVersion) > 0);
  assert.deepEqual(names(l.items), ['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8', 'p9']);
});

test('label and field selectors filter; an unknown field label is 400', async () => {
  assert.deepEqual(names((await t.rest.list(R.pods, 'lw', { labelSelector: 'app=odd' })).items), ['p1', 'p3', 'p5', 'p7', 'p9']);
  assert.deepEqual(names((await t.rest.list(R.pods, 'lw', { fieldSelector: 'spec.nodeName=n1' })).items), ['p0', 'p1', 'p2']);
  assert.deepEqual(names((await t.rest.list(R.pods, undefined, { fieldSelector: 'metadata.name=p4,metadata.namespace=lw' })).items), ['p4']);
  await assert.rejects(t.rest.list(R.pods, 'lw', { fieldSelector: 'spec.bogus=1' }), (e) => isStatusError(e) && e.code === 400 && e.message === 'field label not supported: spec.bogus');
});

test('limit and continue page through at one revision with remainingItemCount', async () => {
  const first = await t.rest.list(R.pods, 'lw', { limit: 4 });
  assert.deepEqual(names(first.items), ['p0', 'p1', 'p2', 'p3']);
  assert.equal(first.metadata.remainingItemCount, 6);
  assert.ok(first.metadata.continue);
  await t.rest.create(R.pods, 'lw', pod('p35'));
  const second = await t.rest.list(R.pods, 'lw', { limit: 4, continue: first.metadata.continue });
  assert.deepEqual(names(second.items), ['p4', 'p5', 'p6', 'p7'], 'the page is read at the first page\'s revision');
  assert.equal(second.metadata.resourceVersion, first.metadata.resourceVersion);
  const third = await t.rest.list(R.pods, 'lw', { limit: 4, continue: second.metadata.continue });
  assert.deepEqual(names(third.items), ['p8', 'p9']);
  assert.equal(third.metadata.continue, undefined);
  const filtered = await t.rest.list(R.pods, 'lw', { limit: 2, labelSelector: 'app=odd' });
  assert.deepEqual(names(filtered.items), ['p1', 'p3']);
  await t.rest.delete(R.pods, 'lw', 'p35');
});

test('resourceVersion=0 and Exact lists; a too-new resourceVersion times out with 504', async () => {
  const l = await t.rest.list(R.pods, 'lw', { resourceVersion: '0' });
  assert.equal(l.items.length, 10);
  const rv = Number(l.metadata.resourceVersion);
  const exact = await t.rest.list(R.pods, 'lw', { resourceVersion: String(rv), resourceVersionMatch: 'Exact' });
  assert.equal(exact.metadata.resourceVersion, String(rv));
  await assert.rejects(t.rest.list(R.pods, 'lw', { resourceVersion: String(rv + 1000) }), (e) => isStatusError(e) && e.code === 504 && /Too large resource version/.test(e.message));
});

test('watch without resourceVersion starts with ADDED for every object, then live changes', async () => {
  const ac = new AbortController();
  const iter = t.rest.watch(R.pods, 'lw', { labelSelector: 'app=even' }, ac.signal);
  const seen = collect(iter, ac, (s) => s.length >= 6);
  await new Promise((r) => setTimeout(r, 50));
  await t.rest.create(R.pods, 'lw', pod('w1', { labels: { app: 'even' } }));
  const evs = await seen;
  assert.deepEqual(summary(evs), ['ADDED p0', 'ADDED p2', 'ADDED p4', 'ADDED p6', 'ADDED p8', 'ADDED w1']);
});

test('watch from a resourceVersion replays what came after it; selector moves are ADDED/DELETED', async () => {
  const start = (await t.rest.list(R.pods, 'lw')).metadata.resourceVersion;
  await t.rest.create(R.pods, 'lw', pod('m1', { labels: { app: 'blue' } }));
  await t.rest.patch(R.pods, 'lw', 'm1', 'merge', { metadata: { labels: { app: 'green' } } });
  await t.rest.patch(R.pods, 'lw', 'm1', 'merge', { metadata: { labels: { app: 'blue', x: '1' } } });
  await t.rest.delete(R.pods, 'lw', 'm1');
  const ac = new AbortController();
  const evs = await collect(t.rest.watch(R.pods, 'lw', { resourceVersion: start, labelSelector: 'app=blue' }, ac.signal), ac, (s) => s.length >= 4);
  assert.deepEqual(summary(evs), ['ADDED m1', 'DELETED m1', 'ADDED m1', 'DELETED m1']);
  assert.equal((evs[1].object.metadata?.labels as Record<string, string>).app, 'blue', 'a move out carries the previous state');
  assert.ok(evs.every((e, i) => i === 0 || Number(e.object.metadata?.resourceVersion) > Number(evs[i - 1].object.metadata?.resourceVersion)));
});

test('a watch from a compacted revision gets an ERROR event with 410 Expired', async () => {
  const old = (await t.rest.list(R.pods, 'lw')).metadata.resourceVersion!;
  for (let i = 0; i < 80; i++) await t.rest.patch(R.pods, 'lw', 'p0', 'merge', { metadata: { labels: { n: String(i) } } });
  await t.store.compact(await t.store.currentRevision());
  const ac = new AbortController();
  const evs = await collect(t.rest.watch(R.pods, 'lw', { resourceVersion: old }, ac.signal), ac, (s) => s.length >= 1);
  assert.equal(evs[0].type, 'ERROR');
  const status = evs[0].object as { code?: number; reason?: string; message?: string };
  assert.equal(status.code, 410);
  assert.equal(status.reason, 'Expired');
  assert.match(status.message!, new RegExp(`^too old resource version: ${old} \\(\\d+\\)$`));
});

test('a continue token from a compacted revision is 410 with Kubernetes\' message', async () => {
  const first = await t.rest.list(R.pods, 'lw', { limit: 2 });
  await t.rest.patch(R.pods, 'lw', 'p1', 'merge', { metadata: { labels: { c: '1' } } });
  await t.store.compact(await t.store.currentRevision());
  await assert.rejects(t.rest.list(R.pods, 'lw', { limit: 2, continue: first.metadata.continue }),
    (e) => isStatusError(e) && e.code === 410 && e.message.startsWith('The provided continue parameter is too old'));
});

test('bookmarks, sendInitialEvents with the initial-events-end bookmark, and timeoutSeconds', async () => {
  const ac = new AbortController();
  const evs = await collect(t.rest.watch(R.pods, 'lw', { sendInitialEvents: true, allowWatchBookmarks: true, resourceVersionMatch: undefined } as never, ac.signal), ac,
    (s) => s.filter((e) => e.type === 'BOOKMARK').length >= 2);
  const firstBookmark = evs.findIndex((e) => e.type === 'BOOKMARK');
  assert.ok(firstBookmark > 0 && evs.slice(0, firstBookmark).every((e) => e.type === 'ADDED'));
  assert.equal(evs[firstBookmark].object.metadata?.annotations?.['k8s.io/initial-events-end'], 'true');
  const bookmark = evs.filter((e) => e.type === 'BOOKMARK')[1].object;
  assert.equal(bookmark.kind, 'Pod');
  assert.ok(Number(bookmark.metadata?.resourceVersion) > 0);
  const t0 = Date.now();
  const timed: WatchEvent[] = [];
  for await (const e of t.rest.watch(R.pods, 'lw', { resourceVersion: String(await t.rest.currentRevision()), timeoutSeconds: 1 }, new AbortController().signal)) timed.push(e);
  assert.ok(Date.now() - t0 >= 900, 'the watch ended by its timeout');
});
