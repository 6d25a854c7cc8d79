// The one suite every Store backend passes (containerd's SnapshotterSuite idea). A backend's test file calls
// runStoreSuite with a factory that opens a fresh, empty store.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StoreError, type Store, type StoreEvent } from './types.ts';

export interface OpenedStore {
  store: Store;
  cleanup(): Promise<void>;
}

/** asserts that fn rejects with a StoreError of this code, and returns it */
async function rejectsWith(code: StoreError['code'], fn: () => Promise<unknown>): Promise<StoreError> {
  try {
    await fn();
  } catch (err) {
    assert.ok(err instanceof StoreError, `expected a StoreError '${code}', got ${String(err)}`);
    assert.equal(err.code, code);
    return err;
  }
  assert.fail(`expected StoreError '${code}', but it resolved`);
}

/** reads a watch until `count` events arrived (or fails after a generous timeout) */
async function collect(store: Store, prefix: string, after: number, count: number, during?: () => Promise<void>): Promise<StoreEvent[]> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), 20_000);
  const out: StoreEvent[] = [];
  const it = store.watch(prefix, after, ac.signal)[Symbol.asyncIterator]();
  const first = it.next(); // starts the watch before `during` writes
  const writes = during ? new Promise((r) => setTimeout(r, 50)).then(during) : Promise.resolve();
  try {
    let next = first;
    while (out.length < count) {
      const r = await next;
      if (r.done) break;
      out.push(...r.value);
      if (out.length < count) next = it.next();
    }
  } finally {
    clearTimeout(timer);
    ac.abort();
    await it.return?.();
    await writes;
  }
  assert.ok(out.length >= count, `watch ended with ${out.length} of ${count} events`);
  return out;
}

const summary = (e: StoreEvent): string => `${e.type} ${e.kv.key}@${e.kv.modRevision}=${e.kv.value}${e.prev ? ` prev@${e.prev.modRevision}=${e.prev.value}` : ''}`;

export function runStoreSuite(name: string, open: () => Promise<OpenedStore>): void {
  const withStore = (fn: (s: Store) => Promise<void>) => async () => {
    const { store, cleanup } = await open();
    try {
      await fn(store);
    } finally {
      await cleanup();
    }
  };

  describe(`Store suite: ${name}`, () => {
    it('create stores a value at a new revision and refuses a live key', withStore(async (s) => {
      const r0 = await s.currentRevision();
      const kv = await s.create('/t/a', 'v1');
      assert.equal(kv.key, '/t/a');
      assert.equal(kv.value, 'v1');
      assert.ok(kv.modRevision > r0);
      assert.equal(kv.createRevision, kv.modRevision);
      assert.equal(await s.currentRevision(), kv.modRevision);
      assert.deepEqual(await s.get('/t/a'), kv);
      assert.equal(await s.get('/t/missing'), undefined);
      await rejectsWith('exists', () => s.create('/t/a', 'v2'));
      assert.equal((await s.get('/t/a'))?.value, 'v1');
    }));

    it('update is a compare-and-swap on modRevision; a stale one conflicts and carries the current value', withStore(async (s) => {
      const a = await s.create('/t/a', 'v1');
      const b = await s.update('/t/a', 'v2', a.modRevision);
      assert.ok(b.modRevision > a.modRevision);
      assert.equal(b.createRevision, a.createRevision);
      assert.equal(b.value, 'v2');
      const err = await rejectsWith('conflict', () => s.update('/t/a', 'v3', a.modRevision));
      assert.deepEqual(err.current, b);
      assert.equal((await s.get('/t/a'))?.value, 'v2');
      await rejectsWith('notFound', () => s.update('/t/none', 'x', 1));
    }));

    it('delete returns the last value at the delete revision; with a stale revision it conflicts', withStore(async (s) => {
      const a = await s.create('/t/a', 'v1');
      const b = await s.update('/t/a', 'v2', a.modRevision);
      await rejectsWith('conflict', () => s.delete('/t/a', a.modRevision));
      const d = await s.delete('/t/a', b.modRevision);
      assert.equal(d.value, 'v2');
      assert.equal(d.createRevision, a.createRevision);
      assert.ok(d.modRevision > b.modRevision);
      assert.equal(await s.currentRevision(), d.modRevision);
      assert.equal(await s.get('/t/a'), undefined);
      await rejectsWith('notFound', () => s.delete('/t/a'));
      // a new incarnation of the key
      const again = await s.create('/t/a', 'v3');
      assert.ok(again.createRevision > d.modRevision);
      const d2 = await s.delete('/t/a');
      assert.equal(d2.value, 'v3');
    }));

    it('list returns keys under the prefix in key order, with limit, more, after and count', withStore(async (s) => {
      for (const k of ['/p/c', '/p/a', '/p/b', '/pz', '/p0', '/q/a', '/p/a/deep']) await s.create(k, `v${k}`);
      const all = await s.list('/p/');
      assert.deepEqual(all.items.map((i) => i.key), ['/p/a', '/p/a/deep', '/p/b', '/p/c']);
      assert.equal(all.more, false);
      assert.equal(all.revision, await s.currentRevision());
      assert.equal(all.items[0].value, 'v/p/a');
      const page1 = await s.list('/p/', { limit: 2 });
      assert.deepEqual(page1.items.map((i) => i.key), ['/p/a', '/p/a/deep']);
      assert.equal(page1.more, true);
      const page2 = await s.list('/p/', { limit: 2, after: '/p/a/deep', revision: page1.revision });
      assert.deepEqual(page2.items.map((i) => i.key), ['/p/b', '/p/c']);
      assert.equal(page2.more, false);
      assert.equal(await s.count('/p/'), 4);
      assert.equal(await s.count('/nothing/'), 0);
      assert.deepEqual((await s.list('/nothing/')).items, []);
      assert.equal((await s.list('')).items.length, 7);
    }));

    it('list at an older revision sees the values and keys as they were then (MVCC)', withStore(async (s) => {
      const a = await s.create('/m/a', 'a1');
      await s.create('/m/b', 'b1');
      const before = await s.currentRevision();
      await s.update('/m/a', 'a2', a.modRevision);
      await s.delete('/m/b');
      await s.create('/m/c', 'c1');
      const old = await s.list('/m/', { revision: before });
      assert.equal(old.revision, before);
      assert.deepEqual(old.items.map((i) => [i.key, i.value]), [['/m/a', 'a1'], ['/m/b', 'b1']]);
      const now = await s.list('/m/');
      assert.deepEqual(now.items.map((i) => [i.key, i.value]), [['/m/a', 'a2'], ['/m/c', 'c1']]);
      const oldPage = await s.list('/m/', { revision: before, limit: 1, after: '/m/a' });
      assert.deepEqual(oldPage.items.map((i) => i.key), ['/m/b']);
    }));

    it('watch from a revision replays puts, updates (with prev) and deletes (with the last value) in order', withStore(async (s) => {
      await s.create('/other/x', 'ignored');
      const start = await s.currentRevision();
      const a = await s.create('/w/a', 'a1');
      const a2 = await s.update('/w/a', 'a2', a.modRevision);
      await s.create('/other/y', 'ignored');
      const del = await s.delete('/w/a');
      const events = await collect(s, '/w/', start, 3);
      assert.deepEqual(events.map(summary), [
        `put /w/a@${a.modRevision}=a1`,
        `put /w/a@${a2.modRevision}=a2 prev@${a.modRevision}=a1`,
        `delete /w/a@${del.modRevision}=a2 prev@${a2.modRevision}=a2`,
      ]);
      assert.equal(events[2].kv.createRevision, a.createRevision);
    }));

    it('a live watch delivers changes made after it started, and ends on abort', withStore(async (s) => {
      const start = await s.currentRevision();
      const events = await collect(s, '/live/', start, 3, async () => {
        const k = await s.create('/live/a', '1');
        await s.update('/live/a', '2', k.modRevision);
        await s.create('/elsewhere', 'x');
        await s.create('/live/b', '3');
      });
      assert.deepEqual(events.map((e) => `${e.type} ${e.kv.key}=${e.kv.value}`), ['put /live/a=1', 'put /live/a=2', 'put /live/b=3']);
      const revs = events.map((e) => e.kv.modRevision);
      assert.deepEqual([...revs].sort((x, y) => x - y), revs);

      const ac = new AbortController();
      const it = s.watch('/live/', await s.currentRevision(), ac.signal)[Symbol.asyncIterator]();
      const pending = it.next();
      setTimeout(() => ac.abort(), 50);
      const r = await pending;
      assert.equal(r.done, true);
    }));

    it('compaction: watch and list from before the compacted revision fail with compacted; later ones work', withStore(async (s) => {
      let kv = await s.create('/c/a', '0');
      for (let i = 1; i <= 5; i++) kv = await s.update('/c/a', String(i), kv.modRevision);
      await s.create('/c/gone', 'x');
      await s.delete('/c/gone');
      const mid = kv.modRevision; // the revision of value '5'
      for (let i = 6; i <= 8; i++) kv = await s.update('/c/a', String(i), kv.modRevision);
      await s.compact(mid + 2);
      const ac = new AbortController();
      const err = await rejectsWith('compacted', async () => {
        for await (const _ of s.watch('/c/', 1, ac.signal)) break;
      });
      if (err.compactRevision !== undefined) assert.equal(err.compactRevision, mid + 2);
      ac.abort();
      await rejectsWith('compacted', () => s.list('/c/', { revision: mid }));
      // at the compacted revision itself, reads still work
      const at = await s.list('/c/', { revision: mid + 2 });
      assert.deepEqual(at.items.map((i) => [i.key, i.value]), [['/c/a', '5']]);
      // a watch from exactly the compacted revision replays what follows, prev included
      const events = await collect(s, '/c/', mid + 2, 3);
      assert.deepEqual(events.map((e) => `${e.kv.value}${e.prev ? `<${e.prev.value}` : ''}`), ['6<5', '7<6', '8<7']);
      assert.equal((await s.get('/c/a'))?.value, '8');
      assert.equal(await s.get('/c/gone'), undefined);
      // writes after compaction, including re-creating a compacted-away key
      await s.create('/c/gone', 'back');
      assert.equal((await s.list('/c/')).items.length, 2);
      await s.compact(mid + 1); // older than what is compacted: nothing to do
    }));

    it('many keys: 5,000 creates, a full list, count and paging', withStore(async (s) => {
      const n = 5000;
      const pad = (i: number): string => String(i).padStart(5, '0');
      // 200 writes in flight at a time: a networked backend pays a round trip (and an fsync) per write
      for (let i = 0; i < n; i += 200) {
        await Promise.all(Array.from({ length: Math.min(200, n - i) }, (_, j) => s.create(`/many/${pad(i + j)}`, `{"i":${i + j}}`)));
      }
      const all = await s.list('/many/');
      assert.equal(all.items.length, n);
      assert.equal(all.items[n - 1].key, `/many/${pad(n - 1)}`);
      assert.equal(await s.count('/many/'), n);
      let after: string | undefined;
      let seen = 0;
      for (;;) {
        const page = await s.list('/many/', { limit: 1000, after, revision: all.revision });
        seen += page.items.length;
        if (!page.more) break;
        after = page.items[page.items.length - 1].key;
      }
      assert.equal(seen, n);
    }));
  });
}
