import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject, ManagedFieldsEntry } from '../../types/meta.ts';
import { isStatusError } from '../../types/status-error.ts';
import { deploymentSpec, patcher, podSpecOf } from './testing.ts';

const t0 = new Date('2025-01-01T00:00:00.123Z');
const applied = (image = 'nginx:1', replicas: number | null = 3, sidecar = true): KObject => ({
  apiVersion: 'apps/v1', kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
  spec: {
    ...(replicas === null ? {} : { replicas }),
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image, ports: [{ containerPort: 80 }] }, ...(sidecar ? [{ name: 'side', image: 'busybox' }] : [])] },
    },
  },
});
const entry = (o: KObject, manager: string) => o.metadata?.managedFields?.find((e: ManagedFieldsEntry) => e.manager === manager);

test('apply creates the object and records its fields in FieldsV1 form', () => {
  const out = patcher.apply(deploymentSpec, undefined, applied(), 'kubectl', false, t0);
  assert.equal((out.spec as { replicas: number }).replicas, 3);
  assert.equal(out.metadata?.managedFields?.length, 1);
  const e = entry(out, 'kubectl')!;
  assert.deepEqual({ ...e, fieldsV1: undefined }, { manager: 'kubectl', operation: 'Apply', apiVersion: 'apps/v1', time: '2025-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: undefined });
  const f = e.fieldsV1 as Record<string, Record<string, Record<string, unknown>>>;
  assert.deepEqual(f['f:metadata'], { 'f:labels': { 'f:app': {} } });
  assert.deepEqual(f['f:spec']['f:replicas'], {});
  assert.deepEqual(f['f:spec']['f:selector'], {}, 'an atomic struct is owned as a leaf');
  const containers = (f['f:spec']['f:template'] as Record<string, Record<string, Record<string, unknown>>>)['f:spec']['f:containers'] as Record<string, Record<string, unknown>>;
  assert.deepEqual(Object.keys(containers), ['k:{"name":"web"}', 'k:{"name":"side"}']);
  assert.deepEqual(containers['k:{"name":"web"}'], { '.': {}, 'f:name': {}, 'f:image': {}, 'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } } });
});

test('a second applier changing an owned field conflicts with 409 naming the manager and path', () => {
  const live = patcher.apply(deploymentSpec, undefined, applied(), 'kubectl', false, t0);
  assert.throws(() => patcher.apply(deploymentSpec, live, applied('nginx:1', 5), 'other', false, t0), (err) => {
    assert.ok(isStatusError(err, 'Conflict'));
    assert.equal(err.code, 409);
    assert.equal(err.message, 'Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas');
    assert.equal(err.status.details?.causes?.[0].field, '.spec.replicas');
    return true;
  });
  // the same values are shared, not a conflict
  const shared = patcher.apply(deploymentSpec, live, applied(), 'other', false, t0);
  assert.equal(shared.metadata?.managedFields?.length, 2);
});

test('several conflicts are listed per manager; an Update manager is named with its apiVersion and time', () => {
  const created = patcher.apply(deploymentSpec, undefined, applied(), 'kubectl', false, t0);
  const scaled = structuredClone(created);
  (scaled.spec as { replicas: number }).replicas = 10;
  patcher.trackUpdate(deploymentSpec, created, scaled, 'kubectl-scale', t0);
  assert.throws(() => patcher.apply(deploymentSpec, scaled, applied('nginx:2', 4), 'ci', false, t0), (err) => {
    assert.ok(isStatusError(err, 'Conflict'));
    assert.equal(err.message, 'Apply failed with 2 conflicts: conflicts with "kubectl":\n- .spec.template.spec.containers[name="web"].image\nconflicts with "kubectl-scale" using apps/v1 at 2025-01-01T00:00:00Z:\n- .spec.replicas');
    return true;
  });
});

test('force takes the conflicting fields over from the other manager', () => {
  const live = patcher.apply(deploymentSpec, undefined, applied(), 'kubectl', false, t0);
  const out = patcher.apply(deploymentSpec, live, applied('nginx:1', 5), 'other', true, t0);
  assert.equal((out.spec as { replicas: number }).replicas, 5);
  const kubectlSpec = (entry(out, 'kubectl')!.fieldsV1 as Record<string, Record<string, unknown>>)['f:spec'];
  assert.equal('f:replicas' in kubectlSpec, false);
  assert.ok('f:replicas' in (entry(out, 'other')!.fieldsV1 as Record<string, Record<string, unknown>>)['f:spec']);
});

test('a field the manager stops applying is removed unless someone else owns it', () => {
  const live = patcher.apply(deploymentSpec, undefined, applied(), 'kubectl', false, t0);
  const out = patcher.apply(deploymentSpec, live, applied('nginx:1', null, false), 'kubectl', false, t0);
  assert.equal('replicas' in (out.spec as object), false);
  assert.deepEqual(podSpecOf(out).containers.map((c) => c.name), ['web']);
  // with replicas shared by another manager, dropping it from this one keeps it
  const both = patcher.apply(deploymentSpec, live, applied(), 'other', false, t0);
  const kept = patcher.apply(deploymentSpec, both, applied('nginx:1', null), 'kubectl', false, t0);
  assert.equal((kept.spec as { replicas: number }).replicas, 3);
});

test('apply keeps fields it does not mention (set by others) and merges list items by key', () => {
  const live = patcher.apply(deploymentSpec, undefined, applied(), 'kubectl', false, t0);
  podSpecOf(live).containers[0].imagePullPolicy = 'Always';
  (live.metadata as Record<string, unknown>).uid = 'u1';
  const out = patcher.apply(deploymentSpec, live, applied('nginx:2'), 'kubectl', false, t0);
  assert.equal(podSpecOf(out).containers[0].image, 'nginx:2');
  assert.equal(podSpecOf(out).containers[0].imagePullPolicy, 'Always');
  assert.equal(out.metadata?.uid, 'u1');
});

test('trackUpdate moves changed fields to the updating manager and records creates', () => {
  const created = applied();
  patcher.trackUpdate(deploymentSpec, undefined, created, 'kubectl-create', t0);
  assert.equal(entry(created, 'kubectl-create')?.operation, 'Update');
  const edited = structuredClone(created);
  (edited.spec as { replicas: number }).replicas = 7;
  podSpecOf(edited).containers.pop();
  patcher.trackUpdate(deploymentSpec, created, edited, 'kubectl-edit', t0);
  const edit = entry(edited, 'kubectl-edit')!;
  assert.deepEqual(edit.fieldsV1, { 'f:spec': { 'f:replicas': {} } });
  const createSpec = (entry(edited, 'kubectl-create')!.fieldsV1 as Record<string, Record<string, unknown>>)['f:spec'];
  assert.equal('f:replicas' in createSpec, false);
  assert.equal(JSON.stringify(createSpec).includes('side'), false, 'removed fields leave every manager');
  // an update that changes nothing adds no manager
  const same = structuredClone(edited);
  patcher.trackUpdate(deploymentSpec, edited, same, 'noop', t0);
  assert.equal(entry(same, 'noop'), undefined);
});

test('status writes are recorded with subresource status and do not touch spec ownership', () => {
  const created = applied();
  patcher.trackUpdate(deploymentSpec, undefined, created, 'kubectl', t0);
  const withStatus = { ...structuredClone(created), status: { replicas: 3 } };
  patcher.trackUpdate(deploymentSpec, created, withStatus, 'deployment-controller', t0, 'status');
  const e = entry(withStatus, 'deployment-controller')!;
  assert.equal(e.subresource, 'status');
  assert.deepEqual(e.fieldsV1, { 'f:status': { 'f:replicas': {} } });
  assert.ok(entry(withStatus, 'kubectl'));
});
