import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFakeClient } from '../client/index.ts';
import type { KObject, OwnerReference } from '../types/meta.ts';
import { R } from '../types/gvr.ts';
import { claimObjects, createExpectations, expectationsTimeoutMs, getControllerOf, newControllerRef, slowStartBatch } from './util.ts';

test('slowStartBatch runs batches of 1, 2, 4, … and stops after the first batch with a failure', async () => {
  let calls = 0;
  const ok = await slowStartBatch(10, 1, async () => void calls++);
  assert.deepEqual(ok, { successes: 10 });
  assert.equal(calls, 10);
  calls = 0;
  // calls 1 (batch 1), 2-3 (batch 2), 4-7 (batch 4): the 5th call fails, so batch 8 never starts
  const res = await slowStartBatch(20, 1, async () => {
    calls++;
    if (calls === 5) throw new Error('quota');
  });
  assert.equal(calls, 7);
  assert.equal(res.successes, 6);
  assert.equal((res.error as Error).message, 'quota');
});

test('expectations hold a sync until every create and each deleted object has been seen once', () => {
  let now = 0;
  const e = createExpectations(() => now);
  assert.equal(e.satisfied('ns/a'), true);
  e.expectCreations('ns/a', 2);
  assert.equal(e.satisfied('ns/a'), false);
  e.creationObserved('ns/a');
  e.creationObserved('ns/a');
  assert.equal(e.satisfied('ns/a'), true);
  e.expectDeletions('ns/a', ['ns/p1', 'ns/p2']);
  e.deletionObserved('ns/a', 'ns/p1');
  e.deletionObserved('ns/a', 'ns/p1'); // the update with deletionTimestamp, then the delete: counted once
  assert.equal(e.satisfied('ns/a'), false);
  e.deletionObserved('ns/a', 'ns/p2');
  assert.equal(e.satisfied('ns/a'), true);
  e.expectCreations('ns/a', 1);
  now += expectationsTimeoutMs + 1;
  assert.equal(e.satisfied('ns/a'), true, 'expired expectations no longer block');
});

test('claimObjects adopts matching orphans, releases owned objects that stopped matching, ignores others', async () => {
  const owner: KObject = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web', namespace: 'default' }, spec: {} };
  const client = createFakeClient([owner]);
  const rs = await client.get(R.replicasets, 'default', 'web');
  const ref = newControllerRef(rs, { apiVersion: 'apps/v1', kind: 'ReplicaSet' });
  const pod = (name: string, labels: Record<string, string>, refs?: OwnerReference[]) =>
    client.create(R.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels, ...(refs ? { ownerReferences: refs } : {}) }, spec: { containers: [] } });
  const pods = [
    await pod('orphan', { app: 'web' }),
    await pod('mine', { app: 'web' }, [ref]),
    await pod('moved', { app: 'other' }, [ref]),
    await pod('theirs', { app: 'web' }, [{ ...ref, uid: 'someone-else', name: 'x' }]),
    await pod('unrelated', { app: 'db' }),
  ];
  const claimed = await claimObjects(pods, { client, resource: R.pods, owner: rs, ownerKind: { apiVersion: 'apps/v1', kind: 'ReplicaSet' }, matches: (p) => p.metadata?.labels?.app === 'web' });
  assert.deepEqual(claimed.map((p) => p.metadata?.name).sort(), ['mine', 'orphan']);
  assert.equal(getControllerOf(await client.get(R.pods, 'default', 'orphan'))?.uid, rs.metadata?.uid);
  assert.equal((await client.get(R.pods, 'default', 'moved')).metadata?.ownerReferences, undefined);
  assert.equal(getControllerOf(await client.get(R.pods, 'default', 'theirs'))?.uid, 'someone-else');
  assert.equal(getControllerOf(await client.get(R.pods, 'default', 'unrelated')), undefined);
});

test('claimObjects adopts nothing when the owner can no longer adopt (canAdopt says no)', async () => {
  const client = createFakeClient([{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'orphan', namespace: 'default', labels: { app: 'web' } }, spec: { containers: [] } }]);
  const pods = client.objects(R.pods);
  const owner: KObject = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web', namespace: 'default', uid: 'u1' } };
  const claimed = await claimObjects(pods, { client, resource: R.pods, owner, ownerKind: { apiVersion: 'apps/v1', kind: 'ReplicaSet' }, matches: () => true, canAdopt: async () => false });
  assert.equal(claimed.length, 0);
  assert.equal((await client.get(R.pods, 'default', 'orphan')).metadata?.ownerReferences, undefined);
});
