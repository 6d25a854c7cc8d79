import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../meta.ts';
import { formatFieldError } from '../status-error.ts';
import { strategyFor } from './index.ts';

const messages = (group: string, kind: string, obj: KObject) => strategyFor(group, kind).validate(obj).map(formatFieldError);
const updateMessages = (group: string, kind: string, obj: KObject, old: KObject) => strategyFor(group, kind).validateUpdate(obj, old).map(formatFieldError);
const defaulted = (group: string, kind: string, obj: KObject) => { strategyFor(group, kind).defaults(obj); return obj; };

const pv = (spec: Record<string, unknown>): KObject => ({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv1' }, spec });
const pvc = (spec: Record<string, unknown>, status?: Record<string, unknown>): KObject => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'default' }, spec, ...(status ? { status } : {}) });
const claimSpec = { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } };

test('a PersistentVolume is defaulted as Kubernetes stores it (Retain, Filesystem, Pending)', () => {
  const o = defaulted('', 'PersistentVolume', pv({ accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' }, hostPath: { path: '/x' } }));
  assert.deepEqual(o.spec, { accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' }, hostPath: { path: '/x', type: '' }, persistentVolumeReclaimPolicy: 'Retain', volumeMode: 'Filesystem' });
  assert.deepEqual(o.status, { phase: 'Pending' });
  assert.deepEqual(messages('', 'PersistentVolume', o), []);
});

test('PersistentVolume validation names the fields as kube-apiserver does', () => {
  assert.deepEqual(messages('', 'PersistentVolume', pv({})), ['spec.accessModes: Required value', 'spec.capacity: Required value', 'spec: Required value: must specify a volume type']);
  assert.deepEqual(messages('', 'PersistentVolume', pv({ accessModes: ['ReadWriteSome'], capacity: { storage: '0' }, hostPath: { path: '/a' }, local: { path: '/b' }, persistentVolumeReclaimPolicy: 'Keep' })), [
    'spec.accessModes: Unsupported value: "ReadWriteSome": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
    'spec.capacity[storage]: Invalid value: "0": must be greater than zero',
    'spec.persistentVolumeReclaimPolicy: Unsupported value: "Keep": supported values: "Delete", "Recycle", "Retain"',
    'spec.local: Forbidden: may not specify more than 1 volume type',
    'spec.nodeAffinity: Required value: Local volume requires node affinity',
  ]);
  const old = defaulted('', 'PersistentVolume', pv({ accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' }, hostPath: { path: '/x' } }));
  const moved = structuredClone(old);
  (moved.spec as { hostPath: { path: string } }).hostPath.path = '/y';
  assert.deepEqual(updateMessages('', 'PersistentVolume', moved, old), ['spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation']);
  const bound = structuredClone(old);
  (bound.spec as Record<string, unknown>).claimRef = { namespace: 'default', name: 'data' };
  assert.deepEqual(updateMessages('', 'PersistentVolume', bound, old), [], 'binding sets claimRef');
});

test('a PersistentVolumeClaim needs access modes and a storage request; its spec is fixed but for binding and growing when bound', () => {
  assert.deepEqual(messages('', 'PersistentVolumeClaim', pvc({})), ['spec.accessModes: Required value: at least 1 access mode is required', 'spec.resources[storage]: Required value']);
  const old = defaulted('', 'PersistentVolumeClaim', pvc(structuredClone(claimSpec)));
  assert.deepEqual(old.status, { phase: 'Pending' });
  assert.equal((old.spec as { volumeMode: string }).volumeMode, 'Filesystem');
  const bind = structuredClone(old);
  Object.assign(bind.spec as object, { volumeName: 'pv1', storageClassName: 'local-path' });
  assert.deepEqual(updateMessages('', 'PersistentVolumeClaim', bind, old), [], 'volumeName and a first class may be set');
  const modes = structuredClone(bind);
  (modes.spec as { accessModes: string[] }).accessModes = ['ReadWriteMany'];
  assert.deepEqual(updateMessages('', 'PersistentVolumeClaim', modes, bind), ['spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims']);
  const grow = structuredClone(bind);
  (grow.spec as typeof claimSpec).resources.requests.storage = '2Gi';
  assert.equal(updateMessages('', 'PersistentVolumeClaim', grow, bind).length, 1, 'an unbound claim may not grow');
  const boundOld = { ...bind, status: { phase: 'Bound' } };
  assert.deepEqual(updateMessages('', 'PersistentVolumeClaim', { ...grow, status: { phase: 'Bound' } }, boundOld), []);
  const shrink = structuredClone(bind);
  (shrink.spec as typeof claimSpec).resources.requests.storage = '512Mi';
  assert.deepEqual(updateMessages('', 'PersistentVolumeClaim', { ...shrink, status: { phase: 'Bound' } }, boundOld), ['spec.resources.requests.storage: Forbidden: field can not be less than previous value']);
});

test('a StorageClass defaults to Delete/Immediate and keeps its provisioner, parameters and policies', () => {
  const sc = defaulted('storage.k8s.io', 'StorageClass', { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'fast' }, provisioner: 'example.com/fast' } as KObject);
  assert.equal((sc as { reclaimPolicy?: string }).reclaimPolicy, 'Delete');
  assert.equal((sc as { volumeBindingMode?: string }).volumeBindingMode, 'Immediate');
  assert.deepEqual(messages('storage.k8s.io', 'StorageClass', { ...sc, provisioner: undefined, volumeBindingMode: 'Later' } as KObject), [
    'provisioner: Required value', 'volumeBindingMode: Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"',
  ]);
  assert.deepEqual(updateMessages('storage.k8s.io', 'StorageClass', { ...sc, provisioner: 'example.com/slow', parameters: { a: 'b' } } as KObject, sc), [
    'parameters: Forbidden: updates to parameters are forbidden.', 'provisioner: Forbidden: updates to provisioner are forbidden.',
  ]);
});
