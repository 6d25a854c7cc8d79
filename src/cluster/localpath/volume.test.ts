import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { claimAction, localPathVolume, reclaimablePath } from './volume.ts';

const sc: StorageClass = { metadata: { name: 'local-path' }, provisioner: 'rancher.io/local-path', reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer' };
const claim = (annotations: Record<string, string>, spec: Partial<PersistentVolumeClaim['spec']> = {}): PersistentVolumeClaim => ({
  metadata: { name: 'data', namespace: 'app', uid: 'u1', annotations },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } }, storageClassName: 'local-path', ...spec },
});
const handed = { 'volume.kubernetes.io/storage-provisioner': 'rancher.io/local-path', 'volume.kubernetes.io/selected-node': 'n1' };

test('a node provisions only the claims handed to local-path with itself as the selected node', () => {
  assert.equal(claimAction(claim(handed), sc, 'n1'), 'provision');
  assert.equal(claimAction(claim(handed), sc, 'n2'), 'skip');
  assert.equal(claimAction(claim({ 'volume.kubernetes.io/selected-node': 'n1' }), sc, 'n1'), 'skip', 'not yet handed over by the PV controller');
  assert.equal(claimAction(claim(handed, { volumeName: 'pv' }), sc, 'n1'), 'skip');
  assert.deepEqual(claimAction(claim(handed, { volumeMode: 'Block' }), sc, 'n1'), { refuse: 'Only support Filesystem volume mode' });
});

test('the volume is a hostPath under the node\'s dir, pinned to the node and pre-bound to the claim; only its own released dir is reclaimable', () => {
  const pv = localPathVolume(claim(handed), sc, 'n1', '/var/lib/skiff/agent/storage');
  assert.equal(pv.metadata?.name, 'pvc-u1');
  assert.deepEqual(pv.spec?.hostPath, { path: '/var/lib/skiff/agent/storage/pvc-u1_app_data', type: 'DirectoryOrCreate' });
  assert.deepEqual(pv.spec?.claimRef, { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: 'app', name: 'data', uid: 'u1', resourceVersion: undefined });
  assert.equal(pv.spec?.capacity?.storage, '2Gi');
  assert.equal(pv.spec?.persistentVolumeReclaimPolicy, 'Delete');
  assert.deepEqual(pv.spec?.nodeAffinity?.required?.nodeSelectorTerms, [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['n1'] }] }]);
  const released = { ...pv, status: { phase: 'Released' } };
  assert.equal(reclaimablePath(released, 'n1', '/var/lib/skiff/agent/storage'), '/var/lib/skiff/agent/storage/pvc-u1_app_data');
  assert.equal(reclaimablePath(pv, 'n1', '/var/lib/skiff/agent/storage'), undefined, 'still bound');
  assert.equal(reclaimablePath(released, 'n2', '/var/lib/skiff/agent/storage'), undefined, 'another node\'s');
  assert.equal(reclaimablePath({ ...released, spec: { ...pv.spec, persistentVolumeReclaimPolicy: 'Retain' } }, 'n1', '/var/lib/skiff/agent/storage'), undefined);
  assert.equal(reclaimablePath({ ...released, spec: { ...pv.spec, hostPath: { path: '/etc' } } }, 'n1', '/var/lib/skiff/agent/storage'), undefined, 'never outside the dir');
});
