import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { R } from '../../types/gvr.ts';
import type { KObject } from '../../types/meta.ts';
import { toTable } from '../tables/index.ts';
import { startTestRest, type TestRest } from './testing.ts';

const cleanups: TestRest[] = [];
after(async () => { for (const t of cleanups) await t.cleanup(); });

const claim = (name: string, storageClassName?: string): KObject => ({
  apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...(storageClassName !== undefined ? { storageClassName } : {}) },
});
const classOf = (o: KObject) => (o.spec as { storageClassName?: string }).storageClassName;

test('bootstrap makes the default local-path StorageClass; a claim without a class gets the newest default, "" stays; both kinds get their protection finalizer', async () => {
  const t = await startTestRest();
  cleanups.push(t);
  const sc = await t.rest.get(R.storageclasses, undefined, 'local-path');
  assert.equal((sc as { provisioner?: string }).provisioner, 'rancher.io/local-path');
  assert.equal((sc as { volumeBindingMode?: string }).volumeBindingMode, 'WaitForFirstConsumer');
  const table = toTable({ group: 'storage.k8s.io', kind: 'StorageClass' }, [sc], { now: () => new Date() });
  assert.deepEqual(table.rows[0].cells.slice(0, 5), ['local-path (default)', 'rancher.io/local-path', 'Delete', 'WaitForFirstConsumer', false]);

  const c = await t.rest.create(R.persistentvolumeclaims, 'default', claim('a'));
  assert.equal(classOf(c), 'local-path');
  assert.deepEqual(c.status, { phase: 'Pending' });
  assert.deepEqual(c.metadata?.finalizers, ['kubernetes.io/pvc-protection']);
  const pv = await t.rest.create(R.persistentvolumes, undefined, { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv1' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/x' } } });
  assert.deepEqual(pv.metadata?.finalizers, ['kubernetes.io/pv-protection']);
  assert.equal(pv.metadata?.generation, undefined, 'PVs carry no generation, as in Kubernetes');
  assert.equal(classOf(await t.rest.create(R.persistentvolumeclaims, 'default', claim('b', ''))), '');
  assert.equal(classOf(await t.rest.create(R.persistentvolumeclaims, 'default', claim('c', 'other'))), 'other');

  await new Promise((ok) => setTimeout(ok, 1100)); // creationTimestamps have whole seconds
  await t.rest.create(R.storageclasses, undefined, { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'newer', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'example.com/x' } as KObject);
  assert.equal(classOf(await t.rest.create(R.persistentvolumeclaims, 'default', claim('d'))), 'newer');
  const row = toTable({ group: '', kind: 'PersistentVolumeClaim' }, [c], { now: () => new Date() }).rows[0].cells;
  assert.deepEqual(row.slice(0, 7), ['a', 'Pending', '', '', '', 'local-path', '<unset>']);
});
