import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openStore, parseDatastoreUrl } from '../index.ts';
import { runStoreSuite } from '../testsuite.ts';
import { StoreError } from '../types.ts';
import { createEtcdStore } from './store.ts';
import { startEtcd, type TestEtcd } from './testing.ts';

let etcd: TestEtcd;
let n = 0;
before(async () => { etcd = await startEtcd(); });
after(async () => { await etcd?.stop(); });

// one real etcd for the whole file; each test gets its own key prefix, so each sees an empty store
// (compaction is global in etcd, which the suite tolerates: it only compacts its own recent revisions)
runStoreSuite('etcd', async () => {
  const store = createEtcdStore({ endpoints: [etcd.endpoint], prefix: `/suite${++n}` });
  return { store, cleanup: () => store.close() };
});

describe('etcd store specifics', () => {
  it('keeps clusters apart by key prefix', async () => {
    const a = createEtcdStore({ endpoints: [etcd.endpoint], prefix: '/cluster-a' });
    const b = createEtcdStore({ endpoints: [etcd.endpoint], prefix: '/cluster-b' });
    await a.create('/registry/x', 'from a');
    assert.equal(await b.get('/registry/x'), undefined);
    await b.create('/registry/x', 'from b');
    assert.deepEqual((await a.list('/registry/')).items.map((i) => i.value), ['from a']);
    await a.close();
    await b.close();
  });

  it('openStore takes an etcd:// URL with a prefix', async () => {
    const s = await openStore(`${etcd.url}?prefix=/opened`, { autoCompact: false });
    const kv = await s.create('/k', 'v');
    assert.equal((await s.get('/k'))?.modRevision, kv.modRevision);
    await s.close();
    assert.deepEqual(parseDatastoreUrl('etcd://10.0.0.1:2379,10.0.0.2:2379?prefix=/skiff'), {
      kind: 'etcd', endpoints: ['http://10.0.0.1:2379', 'http://10.0.0.2:2379'], prefix: '/skiff',
    });
  });

  it('answers unavailable when etcd is gone', async () => {
    const own = await startEtcd();
    const s = createEtcdStore({ endpoints: [own.endpoint], requestTimeoutMs: 2000 });
    await s.create('/a', '1');
    const ac = new AbortController();
    const watching = (async () => { for await (const _ of s.watch('/', 0, ac.signal)) { /* drain */ } })()
      .then(() => 'ended without an error', (err: unknown) => err);
    await own.stop();
    await assert.rejects(s.get('/a'), (err: unknown) => err instanceof StoreError && err.code === 'unavailable');
    const watchErr = await watching;
    assert.ok(watchErr instanceof StoreError && watchErr.code === 'unavailable', String(watchErr));
    ac.abort();
    await s.close();
  });
});
