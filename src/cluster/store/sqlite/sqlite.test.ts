import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { StoreError } from '../types.ts';
import { runStoreSuite } from '../testsuite.ts';
import { createSqliteStore } from './store.ts';

const dirs: string[] = [];
const tempDb = (): string => {
  const dir = mkdtempSync(join('/var/tmp', 'skiff-store-'));
  dirs.push(dir);
  return join(dir, 'state.db');
};
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

runStoreSuite('sqlite', async () => {
  const store = createSqliteStore(tempDb());
  return { store, cleanup: () => store.close() };
});

describe('sqlite store specifics', () => {
  it('keeps every object and the revision across a close and reopen', async () => {
    const path = tempDb();
    const s1 = createSqliteStore(path);
    const a = await s1.create('/r/a', '1');
    await s1.update('/r/a', '2', a.modRevision);
    await s1.create('/r/b', '3');
    await s1.delete('/r/b');
    const rev = await s1.currentRevision();
    await s1.close();
    const s2 = createSqliteStore(path);
    assert.equal(await s2.currentRevision(), rev);
    assert.deepEqual((await s2.list('/r/')).items.map((i) => i.value), ['2']);
    const next = await s2.create('/r/c', '4');
    assert.equal(next.modRevision, rev + 1);
    await s2.close();
  });

  it('a second store on the same file is refused while the first holds it', async () => {
    const path = tempDb();
    const s1 = createSqliteStore(path);
    await s1.create('/x', '1');
    assert.throws(() => createSqliteStore(path), (err: unknown) => err instanceof StoreError && err.code === 'unavailable');
    await s1.close();
  });

  it('group commit: writes of one turn share a commit, a failing one is rolled back alone, reads see only committed state', async () => {
    const path = tempDb();
    const s = createSqliteStore(path);
    const base = await s.create('/g/x', 'x0');
    // three writes issued in the same turn; the middle one fails its precondition
    const a = s.create('/g/a', 'a');
    const bad = s.update('/g/x', 'nope', base.modRevision + 100);
    const c = s.update('/g/x', 'x1', base.modRevision);
    assert.equal(await s.currentRevision(), base.modRevision, 'nothing is visible before the commit');
    // a read of an uncommitted key commits first, so it never sees a value that could still be rolled back
    const seen = await s.get('/g/a');
    assert.equal(seen?.value, 'a');
    assert.equal(await s.currentRevision(), base.modRevision + 2);
    await assert.rejects(bad, (err: unknown) => err instanceof StoreError && err.code === 'conflict');
    const [ka, kc] = await Promise.all([a, c]);
    assert.deepEqual([ka.modRevision, kc.modRevision], [base.modRevision + 1, base.modRevision + 2]);
    await s.close();
    const again = createSqliteStore(path);
    assert.deepEqual((await again.list('/g/')).items.map((i) => [i.value, i.modRevision]), [['a', ka.modRevision], ['x1', kc.modRevision]]);
    await again.close();
  });

  it('serves a watch older than the in-memory history from the table, with prev values', async () => {
    const s = createSqliteStore(tempDb(), { historySize: 5 });
    let kv = await s.create('/h/a', '0');
    for (let i = 1; i < 20; i++) kv = await s.update('/h/a', String(i), kv.modRevision);
    const ac = new AbortController();
    const got: string[] = [];
    for await (const batch of s.watch('/h/', 0, ac.signal)) {
      for (const e of batch) got.push(`${e.kv.value}${e.prev ? `<${e.prev.value}` : ''}`);
      if (got.length >= 20) break;
    }
    assert.deepEqual(got, Array.from({ length: 20 }, (_, i) => (i === 0 ? '0' : `${i}<${i - 1}`)));
    await s.close();
  });

  it('compaction removes superseded rows and tombstones but keeps live values', async () => {
    const path = tempDb();
    const s = createSqliteStore(path, { compactBatch: 7 });
    for (let k = 0; k < 10; k++) {
      let kv = await s.create(`/k/${k}`, '0');
      for (let i = 1; i < 10; i++) kv = await s.update(`/k/${k}`, String(i), kv.modRevision);
      if (k % 2 === 1) await s.delete(`/k/${k}`);
    }
    await s.compact(await s.currentRevision());
    await s.close();
    const { DatabaseSync } = await import('node:sqlite');
    const db = new DatabaseSync(path);
    const rows = (db.prepare('SELECT COUNT(*) AS n FROM log').get() as { n: number }).n;
    db.close();
    // 5 live rows, plus the delete at exactly the compacted revision and the row it replaced (its prev):
    // events at revisions >= the compacted one stay watchable, prev included
    assert.equal(rows, 7);
    const s2 = createSqliteStore(path);
    assert.deepEqual((await s2.list('/k/')).items.map((i) => i.value), ['9', '9', '9', '9', '9']);
    await s2.close();
  });

  it('automatic compaction runs on its interval and keeps the asked-for history', async () => {
    const s = createSqliteStore(tempDb(), { autoCompact: { intervalMs: 20, keepRevisions: 5 } });
    let kv = await s.create('/auto/a', '0');
    for (let i = 1; i < 30; i++) kv = await s.update('/auto/a', String(i), kv.modRevision);
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        await s.list('/auto/', { revision: 2 });
      } catch (err) {
        assert.ok(err instanceof StoreError && err.code === 'compacted');
        break;
      }
      assert.ok(Date.now() < deadline, 'automatic compaction never ran');
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal((await s.list('/auto/', { revision: kv.modRevision - 5 })).items[0].value, '24');
    await s.close();
  });
});
