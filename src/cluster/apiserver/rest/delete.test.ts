import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { R } from '../../types/gvr.ts';
import type { KObject } from '../../types/meta.ts';
import { isStatusError } from '../../types/status-error.ts';
import { startTestRest, pod, type TestRest } from './testing.ts';

let t: TestRest;
before(async () => { t = await startTestRest(); });
after(async () => { await t.cleanup(); });

const gone = async (p: Promise<unknown>) => assert.rejects(p, (e) => isStatusError(e, 'NotFound'));

test('delete without finalizers removes the object and answers a Success Status', async () => {
  const c = await t.rest.create(R.configmaps, 'default', { metadata: { name: 'd1' } });
  const out = await t.rest.delete(R.configmaps, 'default', 'd1');
  assert.deepEqual(out, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name: 'd1', group: '', kind: 'configmaps', uid: c.metadata!.uid } });
  await gone(t.rest.get(R.configmaps, 'default', 'd1'));
});

test('preconditions on uid and resourceVersion are 409', async () => {
  await t.rest.create(R.configmaps, 'default', { metadata: { name: 'pre' } });
  await assert.rejects(t.rest.delete(R.configmaps, 'default', 'pre', { preconditions: { uid: 'x' } }), (e) => isStatusError(e, 'Conflict') && /Precondition failed: UID in precondition: x/.test(e.message));
  await assert.rejects(t.rest.delete(R.configmaps, 'default', 'pre', { preconditions: { resourceVersion: '1' } }), (e) => isStatusError(e, 'Conflict'));
});

test('finalizers hold an object with a deletionTimestamp until an update removes the last one', async () => {
  await t.rest.create(R.configmaps, 'default', { metadata: { name: 'fin', finalizers: ['example.com/hold'] } });
  const held = (await t.rest.delete(R.configmaps, 'default', 'fin')) as KObject;
  assert.ok(held.metadata?.deletionTimestamp);
  assert.equal(held.metadata?.deletionGracePeriodSeconds, 0);
  const again = (await t.rest.delete(R.configmaps, 'default', 'fin')) as KObject;
  assert.equal(again.metadata?.resourceVersion, held.metadata?.resourceVersion, 'a second delete changes nothing');
  await assert.rejects(t.rest.patch(R.configmaps, 'default', 'fin', 'merge', { metadata: { finalizers: ['example.com/hold', 'b'] } }), (e) => isStatusError(e, 'Invalid'));
  await t.rest.patch(R.configmaps, 'default', 'fin', 'merge', { metadata: { finalizers: null } });
  await gone(t.rest.get(R.configmaps, 'default', 'fin'));
});

test('propagationPolicy Foreground and Orphan add their finalizers; Background adds none', async () => {
  await t.rest.create(R.configmaps, 'default', { metadata: { name: 'fg' } });
  const fg = (await t.rest.delete(R.configmaps, 'default', 'fg', { propagationPolicy: 'Foreground' })) as KObject;
  assert.deepEqual(fg.metadata?.finalizers, ['foregroundDeletion']);
  await t.rest.create(R.configmaps, 'default', { metadata: { name: 'or' } });
  const or = (await t.rest.delete(R.configmaps, 'default', 'or', { propagationPolicy: 'Orphan' })) as KObject;
  assert.deepEqual(or.metadata?.finalizers, ['orphan']);
  await t.rest.create(R.configmaps, 'default', { metadata: { name: 'bg' } });
  const bg = await t.rest.delete(R.configmaps, 'default', 'bg', { propagationPolicy: 'Background' });
  assert.equal(bg.kind, 'Status');
});

test('a pod bound to a node is deleted gracefully; an unbound one at once; grace 0 finishes it', async () => {
  await t.rest.create(R.pods, 'default', pod('unbound'));
  assert.equal((await t.rest.delete(R.pods, 'default', 'unbound')).kind, 'Status');
  await t.rest.create(R.pods, 'default', pod('bound', { nodeName: 'n1' }));
  const before = Date.now();
  const marked = (await t.rest.delete(R.pods, 'default', 'bound')) as KObject;
  assert.equal(marked.metadata?.deletionGracePeriodSeconds, 30, 'the default terminationGracePeriodSeconds');
  const due = Date.parse(marked.metadata!.deletionTimestamp!);
  assert.ok(due >= before + 28_000 && due <= Date.now() + 31_000);
  const shorter = (await t.rest.delete(R.pods, 'default', 'bound', { gracePeriodSeconds: 5 })) as KObject;
  assert.equal(shorter.metadata?.deletionGracePeriodSeconds, 5);
  const longer = (await t.rest.delete(R.pods, 'default', 'bound', { gracePeriodSeconds: 60 })) as KObject;
  assert.equal(longer.metadata?.deletionGracePeriodSeconds, 5, 'a grace period may only shrink');
  assert.equal((await t.rest.delete(R.pods, 'default', 'bound', { gracePeriodSeconds: 0 })).kind, 'Status');
  await gone(t.rest.get(R.pods, 'default', 'bound'));
});

test('a namespace is Terminating until finalize clears spec.finalizers', async () => {
  await t.rest.create(R.namespaces, undefined, { metadata: { name: 'nsdel' } });
  const created = await t.rest.get(R.namespaces, undefined, 'nsdel');
  assert.deepEqual((created.spec as { finalizers: string[] }).finalizers, ['kubernetes']);
  assert.equal((created.status as { phase: string }).phase, 'Active');
  const terminating = (await t.rest.delete(R.namespaces, undefined, 'nsdel')) as KObject;
  assert.equal((terminating.status as { phase: string }).phase, 'Terminating');
  assert.ok(terminating.metadata?.deletionTimestamp);
  await assert.rejects(t.rest.delete(R.namespaces, undefined, 'nsdel'), (e) => isStatusError(e, 'Conflict') && /ensuring all content is removed/.test(e.message));
  const cur = await t.rest.get(R.namespaces, undefined, 'nsdel');
  await t.rest.update(R.namespaces, undefined, { ...cur, spec: { finalizers: [] } }, { subresource: 'finalize' });
  await gone(t.rest.get(R.namespaces, undefined, 'nsdel'));
});

test('dryRun delete leaves the object', async () => {
  await t.rest.create(R.configmaps, 'default', { metadata: { name: 'drydel' } });
  await t.rest.delete(R.configmaps, 'default', 'drydel', { dryRun: true });
  assert.equal((await t.rest.get(R.configmaps, 'default', 'drydel')).metadata?.name, 'drydel');
});

test('deleteCollection deletes what the selector matches', async () => {
  for (const n of ['a', 'b', 'c']) await t.rest.create(R.configmaps, 'default', { metadata: { name: `col-${n}`, labels: { grp: n === 'c' ? 'other' : 'x' } } });
  const out = await t.rest.deleteCollection(R.configmaps, 'default', { labelSelector: 'grp=x' });
  assert.deepEqual(out.items.map((o) => o.metadata?.name), ['col-a', 'col-b']);
  assert.deepEqual((await t.rest.list(R.configmaps, 'default', { labelSelector: 'grp' })).items.map((o) => o.metadata?.name), ['col-c']);
});
