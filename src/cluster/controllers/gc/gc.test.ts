import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { createFakeClient, createInformerFactory, type FakeClient } from '../../client/index.ts';
import type { ControllerContext } from '../../client/types.ts';
import type { KObject } from '../../types/meta.ts';
import { R } from '../../types/gvr.ts';
import { createGarbageCollector } from './controller.ts';

let stop: (() => Promise<void>) | undefined;
afterEach(async () => { await stop?.(); stop = undefined; });

function start(initial: KObject[] = []): FakeClient {
  const client = createFakeClient(initial);
  const ac = new AbortController();
  const ctx: ControllerContext = { client, informers: createInformerFactory(client), recorder: () => ({ event() {} }), now: () => new Date() };
  const running = createGarbageCollector(ctx).run(ac.signal);
  stop = async () => { ac.abort(); client.closeWatches(); await running; };
  return client;
}

async function waitFor(fn: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const until = Date.now() + 15_000;
  while (!(await fn())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const rs = (name: string, finalizers?: string[]): KObject => ({
  apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name, namespace: 'default', finalizers },
  spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
});
const pod = (name: string, owner?: KObject, extra: Partial<{ blockOwnerDeletion: boolean; controller: boolean }> = { controller: true, blockOwnerDeletion: true }): KObject => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: {
    name, namespace: 'default',
    ownerReferences: owner ? [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner.metadata?.name ?? '', uid: owner.metadata?.uid ?? '', ...extra }] : undefined,
  },
  spec: { containers: [{ name: 'c', image: 'x' }] },
});
const names = (c: FakeClient, r = R.pods): string[] => c.objects(r).map((o) => o.metadata?.name ?? '').sort();

describe('garbage collector', () => {
  it('background: deletes the dependents of an owner that is gone, and leaves others alone', async () => {
    const client = start();
    const owner = await client.create(R.replicasets, 'default', rs('web'));
    const other = await client.create(R.replicasets, 'default', rs('api'));
    for (const n of ['web-1', 'web-2']) await client.create(R.pods, 'default', pod(n, owner));
    await client.create(R.pods, 'default', pod('api-1', other));
    await client.create(R.pods, 'default', pod('lonely'));
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(names(client), ['api-1', 'lonely', 'web-1', 'web-2'], 'nothing is collected while owners exist');
    await client.delete(R.replicasets, 'default', 'web');
    await waitFor(() => names(client).length === 2, 'the dependents to go');
    assert.deepEqual(names(client), ['api-1', 'lonely']);
    const deletes = client.actions.filter((a) => a.verb === 'delete' && a.resource === 'pods').map((a) => a.name).sort();
    assert.deepEqual(deletes, ['web-1', 'web-2']);
  });

  it('background: a dependent whose owner never existed (dangling uid) is deleted after a live check', async () => {
    const client = start();
    const ghost: KObject = { ...rs('ghost'), metadata: { name: 'ghost', namespace: 'default', uid: 'no-such-uid' } };
    await client.create(R.pods, 'default', pod('orphaned', ghost));
    await waitFor(() => names(client).length === 0, 'the dangling dependent to go');
    assert.ok(client.actions.some((a) => a.verb === 'get' && a.resource === 'replicasets' && a.name === 'ghost'), 'the owner was looked up live');
  });

  it('a dependent with one solid owner loses only the reference to the owner that is gone', async () => {
    const client = start();
    const a = await client.create(R.replicasets, 'default', rs('a'));
    const b = await client.create(R.replicasets, 'default', rs('b'));
    const p = pod('shared', a, {});
    p.metadata!.ownerReferences!.push({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'b', uid: b.metadata?.uid ?? '' });
    await client.create(R.pods, 'default', p);
    await client.delete(R.replicasets, 'default', 'a');
    await waitFor(() => (client.objects(R.pods)[0]?.metadata?.ownerReferences?.length ?? 0) === 1, 'the stale reference to go');
    assert.equal(client.objects(R.pods)[0].metadata?.ownerReferences?.[0].name, 'b');
  });

  it('orphan: removes the owner reference from dependents, then the orphan finalizer', async () => {
    const client = start();
    const owner = await client.create(R.replicasets, 'default', rs('web', ['orphan']));
    for (const n of ['web-1', 'web-2']) await client.create(R.pods, 'default', pod(n, owner));
    await client.delete(R.replicasets, 'default', 'web'); // held by the finalizer: deletionTimestamp set
    await waitFor(() => client.objects(R.replicasets).length === 0, 'the owner to be released and deleted');
    assert.deepEqual(names(client), ['web-1', 'web-2'], 'the dependents stay');
    for (const p of client.objects(R.pods)) assert.equal(p.metadata?.ownerReferences, undefined);
    const patches = client.actions.filter((a) => a.verb === 'patch');
    assert.deepEqual(patches.map((a) => `${a.resource}/${a.name}`).sort(), ['pods/web-1', 'pods/web-2', 'replicasets/web']);
    assert.ok(!client.actions.some((a) => a.verb === 'delete' && a.resource === 'pods'));
  });

  it('foreground: deletes the dependents first, then removes the foregroundDeletion finalizer', async () => {
    const client = start();
    const owner = await client.create(R.replicasets, 'default', rs('web', ['foregroundDeletion']));
    for (const n of ['web-1', 'web-2']) await client.create(R.pods, 'default', pod(n, owner));
    await client.delete(R.replicasets, 'default', 'web');
    await waitFor(() => client.objects(R.replicasets).length === 0, 'the owner to go after its dependents');
    assert.deepEqual(names(client), []);
    const podDeletes = client.actions.findLastIndex((a) => a.verb === 'delete' && a.resource === 'pods');
    const finalizerPatch = client.actions.findIndex((a) => a.verb === 'patch' && a.resource === 'replicasets');
    assert.ok(podDeletes >= 0 && finalizerPatch > podDeletes, 'the finalizer is removed only after the dependents are deleted');
  });

  it('foreground: a blocking dependent that stays keeps the owner; a non-blocking one does not', async () => {
    const client = start();
    const owner = await client.create(R.replicasets, 'default', rs('web', ['foregroundDeletion']));
    // a dependent that cannot go yet (its own finalizer) and blocks the owner
    const stuck = pod('stuck', owner);
    stuck.metadata!.finalizers = ['example.com/hold'];
    await client.create(R.pods, 'default', stuck);
    await client.delete(R.replicasets, 'default', 'web');
    await waitFor(() => !!client.objects(R.pods)[0]?.metadata?.deletionTimestamp, 'the dependent to be deleted');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(client.objects(R.replicasets).length, 1, 'the owner waits for its blocking dependent');
    // release the dependent: it goes, and the owner follows
    await client.patch(R.pods, 'default', 'stuck', 'merge', { metadata: { finalizers: null } });
    await waitFor(() => client.objects(R.replicasets).length === 0, 'the owner to go');
  });
});
