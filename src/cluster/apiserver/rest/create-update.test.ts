import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { R } from '../../types/gvr.ts';
import type { KObject } from '../../types/meta.ts';
import { isStatusError, type StatusError } from '../../types/status-error.ts';
import { startTestRest, pod, type TestRest } from './testing.ts';
import type { RestWriteOptions } from './index.ts';

let t: TestRest;
before(async () => { t = await startTestRest(); });
after(async () => { await t.cleanup(); });

const deployment = (name: string, replicas = 2): KObject => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } } },
});

const rejects = async (p: Promise<unknown>, code: number, message?: string | RegExp): Promise<StatusError> => {
  try {
    await p;
  } catch (err) {
    assert.ok(isStatusError(err), `expected a StatusError, got ${err}`);
    assert.equal(err.code, code, err.message);
    if (typeof message === 'string') assert.equal(err.message, message);
    else if (message) assert.match(err.message, message);
    return err;
  }
  assert.fail('expected a rejection');
};

test('create sets uid, creationTimestamp, resourceVersion, generation, apiVersion/kind and a Pending pod status with a QoS class', async () => {
  const p = await t.rest.create(R.pods, 'default', { ...pod('c1'), status: { phase: 'Running' } });
  assert.match(p.metadata!.uid!, /^[0-9a-f-]{36}$/);
  assert.match(p.metadata!.creationTimestamp!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(p.metadata!.generation, 1);
  assert.equal(p.apiVersion, 'v1');
  assert.equal(p.kind, 'Pod');
  assert.deepEqual(p.status, { phase: 'Pending', qosClass: 'BestEffort' });
  const got = await t.rest.get(R.pods, 'default', 'c1');
  assert.equal(got.metadata!.resourceVersion, p.metadata!.resourceVersion);
  assert.equal(p.metadata!.managedFields?.[0]?.manager, 'unknown');
});

test('generateName appends 5 characters from the Kubernetes alphabet', async () => {
  const p = await t.rest.create(R.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'gen-' } });
  assert.match(p.metadata!.name!, /^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
});

test('a second create of the same name is 409 AlreadyExists', async () => {
  await t.rest.create(R.configmaps, 'default', { metadata: { name: 'dup' } });
  await rejects(t.rest.create(R.configmaps, 'default', { metadata: { name: 'dup' } }), 409, 'configmaps "dup" already exists');
});

test('create in a missing namespace is 404 namespaces "x" not found', async () => {
  await rejects(t.rest.create(R.configmaps, 'nowhere', { metadata: { name: 'a' } }), 404, 'namespaces "nowhere" not found');
});

test('create in a terminating namespace is 403 Forbidden', async () => {
  await t.rest.create(R.namespaces, undefined, { metadata: { name: 'dying' } });
  await t.rest.create(R.configmaps, 'dying', { metadata: { name: 'keep' } });
  await t.rest.delete(R.namespaces, undefined, 'dying');
  await rejects(t.rest.create(R.configmaps, 'dying', { metadata: { name: 'b' } }), 403,
    'configmaps "b" is forbidden: unable to create new content in namespace dying because it is being terminated');
});

test('validation failures are 422 naming the kind and field', async () => {
  const err = await rejects(t.rest.create(R.deployments, 'default', deployment('bad', -1)), 422);
  assert.match(err.message, /^Deployment\.apps "bad" is invalid: spec\.replicas: Invalid value: -1: must be greater than or equal to 0/);
});

test('fieldValidation=Strict refuses unknown fields; Warn returns them as warnings', async () => {
  const obj = { ...deployment('strict'), spec: { ...(deployment('strict').spec as object), foo: 1 } };
  await rejects(t.rest.create(R.deployments, 'default', obj, { fieldValidation: 'Strict' }), 400, 'strict decoding error: unknown field "spec.foo"');
  const opts: RestWriteOptions = { fieldValidation: 'Warn', warnings: [] };
  await t.rest.create(R.deployments, 'default', obj, opts);
  assert.deepEqual(opts.warnings, ['unknown field "spec.foo"']);
});

test('dryRun create returns the object and stores nothing', async () => {
  const before = await t.rest.currentRevision();
  const p = await t.rest.create(R.pods, 'default', pod('dry'), { dryRun: true });
  assert.equal(p.metadata!.name, 'dry');
  assert.equal(p.metadata!.resourceVersion, undefined);
  await rejects(t.rest.get(R.pods, 'default', 'dry'), 404);
  assert.equal(await t.rest.currentRevision(), before);
});

test('update with a stale resourceVersion is 409 Conflict; without one it is unconditional', async () => {
  const d = await t.rest.create(R.deployments, 'default', deployment('upd'));
  const d2 = await t.rest.update(R.deployments, 'default', { ...d, spec: { ...(d.spec as object), replicas: 3 } });
  assert.notEqual(d2.metadata!.resourceVersion, d.metadata!.resourceVersion);
  await rejects(t.rest.update(R.deployments, 'default', { ...d, spec: { ...(d.spec as object), replicas: 4 } }), 409,
    'Operation cannot be fulfilled on deployments.apps "upd": the object has been modified; please apply your changes to the latest version and try again');
  const d3 = await t.rest.update(R.deployments, 'default', { ...d, metadata: { ...d.metadata, resourceVersion: undefined }, spec: { ...(d.spec as object), replicas: 5 } });
  assert.equal((d3.spec as { replicas: number }).replicas, 5);
});

test('generation counts spec changes only; the main resource keeps the status and /status keeps the spec', async () => {
  const d = await t.rest.create(R.deployments, 'default', deployment('gen'));
  assert.equal(d.metadata!.generation, 1);
  const labelled = await t.rest.update(R.deployments, 'default', { ...d, metadata: { ...d.metadata, labels: { x: 'y' } }, status: { replicas: 9 } });
  assert.equal(labelled.metadata!.generation, 1);
  assert.deepEqual(labelled.status, {});
  const scaled = await t.rest.update(R.deployments, 'default', { ...labelled, spec: { ...(labelled.spec as object), replicas: 7 } });
  assert.equal(scaled.metadata!.generation, 2);
  const st = await t.rest.update(R.deployments, 'default', { ...scaled, spec: { ...(scaled.spec as object), replicas: 1 }, status: { replicas: 7, observedGeneration: 2 } }, { subresource: 'status' });
  assert.equal((st.spec as { replicas: number }).replicas, 7);
  assert.deepEqual(st.status, { replicas: 7, observedGeneration: 2 });
  assert.equal(st.metadata!.generation, 2);
});

test('uid and creationTimestamp survive an update; a different uid is 422', async () => {
  const c = await t.rest.create(R.configmaps, 'default', { metadata: { name: 'imm' }, data: { a: '1' } });
  const u = await t.rest.update(R.configmaps, 'default', { metadata: { name: 'imm', creationTimestamp: '2000-01-01T00:00:00Z' }, data: { a: '2' } });
  assert.equal(u.metadata!.uid, c.metadata!.uid);
  assert.equal(u.metadata!.creationTimestamp, c.metadata!.creationTimestamp);
  await rejects(t.rest.update(R.configmaps, 'default', { metadata: { name: 'imm', uid: 'other' }, data: {} }), 422, /metadata\.uid: Invalid value: "other": field is immutable/);
});

test('an update that changes nothing keeps the resourceVersion', async () => {
  const c = await t.rest.create(R.configmaps, 'default', { metadata: { name: 'noop' }, data: { a: '1' } });
  const u = await t.rest.update(R.configmaps, 'default', c);
  assert.equal(u.metadata!.resourceVersion, c.metadata!.resourceVersion);
});

test('update of a missing object is 404', async () => {
  await rejects(t.rest.update(R.configmaps, 'default', { metadata: { name: 'missing' } }), 404, 'configmaps "missing" not found');
});

test('merge, strategic and json patches; a patch naming a stale resourceVersion is 409', async () => {
  await t.rest.create(R.deployments, 'default', deployment('pat'));
  const m = await t.rest.patch(R.deployments, 'default', 'pat', 'merge', { spec: { replicas: 4 } });
  assert.equal((m.spec as { replicas: number }).replicas, 4);
  const s = await t.rest.patch(R.deployments, 'default', 'pat', 'strategic', JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx:2' }] } } } }));
  const containers = (s.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers;
  assert.equal(containers.length, 1);
  assert.equal(containers[0].image, 'nginx:2');
  const j = await t.rest.patch(R.deployments, 'default', 'pat', 'json', [{ op: 'replace', path: '/spec/replicas', value: 1 }]);
  assert.equal((j.spec as { replicas: number }).replicas, 1);
  await rejects(t.rest.patch(R.deployments, 'default', 'pat', 'merge', { metadata: { resourceVersion: '1' }, spec: { replicas: 2 } }), 409);
});

test('server-side apply creates when missing, then updates, recording the manager', async () => {
  const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ssa' }, data: { a: '1' } });
  const created = await t.rest.patch(R.configmaps, 'default', 'ssa', 'apply', body, { fieldManager: 'tester' });
  assert.deepEqual(created.data, { a: '1' });
  assert.equal(created.metadata!.managedFields?.[0]?.manager, 'tester');
  assert.equal(created.metadata!.managedFields?.[0]?.operation, 'Apply');
  const updated = await t.rest.patch(R.configmaps, 'default', 'ssa', 'apply', body.replace('"1"', '"2"'), { fieldManager: 'tester' });
  assert.deepEqual(updated.data, { a: '2' });
});

test('status subresource patch changes only the status', async () => {
  await t.rest.create(R.pods, 'default', pod('stp'));
  const p = await t.rest.patch(R.pods, 'default', 'stp', 'merge', { status: { phase: 'Running' }, spec: { nodeName: 'x' } }, { subresource: 'status' });
  assert.equal((p.status as { phase: string }).phase, 'Running');
  assert.equal((p.spec as { nodeName?: string }).nodeName, undefined);
});
