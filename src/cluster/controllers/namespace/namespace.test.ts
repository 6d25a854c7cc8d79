import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { createFakeClient, createInformerFactory, type FakeClient } from '../../client/index.ts';
import type { ControllerContext } from '../../client/types.ts';
import type { KObject } from '../../types/meta.ts';
import { R } from '../../types/gvr.ts';
import { createNamespaceController } from './controller.ts';

let stop: (() => Promise<void>) | undefined;
afterEach(async () => { await stop?.(); stop = undefined; });

function start(initial: KObject[]): FakeClient {
  const client = createFakeClient(initial);
  const ac = new AbortController();
  const ctx: ControllerContext = { client, informers: createInformerFactory(client), recorder: () => ({ event() {} }), now: () => new Date() };
  const running = createNamespaceController(ctx).run(ac.signal);
  stop = async () => { ac.abort(); client.closeWatches(); await running; };
  return client;
}

async function waitFor(fn: () => boolean, what: string): Promise<void> {
  const until = Date.now() + 15_000;
  while (!fn()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// the fake knows only metadata.finalizers; a test finalizer there keeps the namespace visible after finalize
const ns = (name: string): KObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, finalizers: ['test/keep'] }, spec: { finalizers: ['kubernetes'] } });
const pod = (name: string, namespace: string, finalizers?: string[]): KObject => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, finalizers }, spec: { containers: [{ name: 'c', image: 'x' }] },
});
const cm = (name: string, namespace: string): KObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data: { a: 'b' } });
const nsObj = (c: FakeClient, name: string) => c.objects(R.namespaces).find((n) => n.metadata?.name === name) as (KObject & { spec?: { finalizers?: string[] }; status?: { phase?: string } }) | undefined;
const finalizeCalls = (c: FakeClient) => c.actions.filter((a) => a.verb === 'update' && a.subresource === 'finalize');

describe('namespace controller', () => {
  it('a deleted namespace turns Terminating, its contents are deleted, then finalize clears spec.finalizers', async () => {
    const client = start([ns('doomed'), ns('kept'), pod('p1', 'doomed'), pod('p2', 'doomed'), cm('c1', 'doomed'), pod('other', 'kept')]);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(finalizeCalls(client).length, 0, 'nothing happens to a live namespace');
    await client.delete(R.namespaces, undefined, 'doomed');
    await waitFor(() => finalizeCalls(client).length > 0, 'the finalize call');
    assert.deepEqual(client.objects(R.pods).map((p) => p.metadata?.name), ['other']);
    assert.deepEqual(client.objects(R.configmaps), []);
    const doomed = nsObj(client, 'doomed');
    assert.deepEqual(doomed?.spec?.finalizers, []);
    assert.equal(doomed?.status?.phase, 'Terminating');
    assert.deepEqual(nsObj(client, 'kept')?.spec?.finalizers, ['kubernetes']);
    const collections = client.actions.filter((a) => a.verb === 'deletecollection').map((a) => `${a.resource}/${a.namespace}`).sort();
    assert.deepEqual(collections, ['configmaps/doomed', 'pods/doomed']);
    const lastContentDelete = client.actions.findLastIndex((a) => a.verb === 'deletecollection');
    const statusUpdate = client.actions.findIndex((a) => a.verb === 'update' && a.subresource === 'status');
    assert.ok(statusUpdate >= 0 && statusUpdate < lastContentDelete, 'Terminating is set before the contents go');
    assert.ok(client.actions.indexOf(finalizeCalls(client)[0]) > lastContentDelete, 'finalize comes after the contents are gone');
  });

  it('waits for content held by a finalizer before finalizing', async () => {
    const client = start([ns('slow'), pod('held', 'slow', ['test/hold'])]);
    await client.delete(R.namespaces, undefined, 'slow');
    await waitFor(() => !!client.objects(R.pods)[0]?.metadata?.deletionTimestamp, 'the pod to be marked for deletion');
    await new Promise((r) => setTimeout(r, 1500)); // past one re-check
    assert.equal(finalizeCalls(client).length, 0, 'not finalized while a pod remains');
    const conditions = (nsObj(client, 'slow')?.status as { conditions?: { type: string; status: string; message?: string }[] }).conditions ?? [];
    const remaining = conditions.find((c) => c.type === 'NamespaceContentRemaining');
    assert.equal(remaining?.status, 'True');
    assert.match(remaining?.message ?? '', /pods/);
    await client.patch(R.pods, 'slow', 'held', 'merge', { metadata: { finalizers: null } });
    await waitFor(() => finalizeCalls(client).length > 0, 'finalize after the pod is gone');
    assert.deepEqual(nsObj(client, 'slow')?.spec?.finalizers, []);
  });
});
