import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import type { KObject } from '../../types/meta.ts';
import { R } from '../../types/gvr.ts';
import { eventually, testContext, type TestContext } from '../../scheduler/testing.ts';
import { createPersistentVolumeController } from './controller.ts';
import { createStorageProtectionController } from './protection.ts';

let ctx: TestContext | undefined;
let running: Promise<unknown> | undefined;
afterEach(async () => { ctx?.stop(); ctx?.client.closeWatches(); await running; ctx = undefined; });

function start(initial: KObject[]): TestContext {
  ctx = testContext(initial);
  running = Promise.all([createPersistentVolumeController(ctx).run(ctx.signal), createStorageProtectionController(ctx).run(ctx.signal)]);
  return ctx;
}

const claim = (name: string, storageClassName: string, annotations?: Record<string, string>): KObject => ({
  apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'default', uid: `uid-${name}`, annotations },
  spec: { storageClassName, accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } }, status: { phase: 'Pending' },
});
const volume = (name: string, storageClassName: string): KObject => ({
  apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name },
  spec: { storageClassName, capacity: { storage: '2Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: `/v/${name}` }, persistentVolumeReclaimPolicy: 'Retain' }, status: { phase: 'Pending' },
});
const sc = (name: string, provisioner: string, volumeBindingMode: string): KObject => ({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name }, provisioner, volumeBindingMode } as KObject);
const get = (c: TestContext, r: typeof R.pods, name: string) => c.client.objects(r).find((o) => o.metadata?.name === name) as any;

test('a claim binds to a matching Available volume: PV claimRef and phase first, then the claim', async () => {
  const c = start([volume('pv1', 'manual'), claim('data', 'manual')]);
  await eventually(() => get(c, R.persistentvolumeclaims, 'data')?.status?.phase === 'Bound', 'the claim Bound');
  const pv = get(c, R.persistentvolumes, 'pv1');
  assert.equal(pv.status.phase, 'Bound');
  assert.deepEqual([pv.spec.claimRef.namespace, pv.spec.claimRef.name, pv.spec.claimRef.uid], ['default', 'data', get(c, R.persistentvolumeclaims, 'data').metadata.uid]);
  assert.equal(pv.metadata.annotations['pv.kubernetes.io/bound-by-controller'], 'yes');
  const pvc = get(c, R.persistentvolumeclaims, 'data');
  assert.equal(pvc.spec.volumeName, 'pv1');
  assert.deepEqual(pvc.status.capacity, { storage: '2Gi' });
  assert.equal(pvc.metadata.annotations['pv.kubernetes.io/bind-completed'], 'yes');
  const writes = c.client.actions.filter((a) => a.verb === 'update').map((a) => `${a.resource}${a.subresource ? '/' + a.subresource : ''}`);
  const order = ['persistentvolumes', 'persistentvolumes/status', 'persistentvolumeclaims', 'persistentvolumeclaims/status'];
  let at = writes.indexOf(order[0]);
  for (const w of order.slice(1)) if (at >= 0) at = writes.indexOf(w, at + 1);
  assert.ok(at > 0, `writes in kube's order (an Available phase write may come first): ${writes.join(' ')}`);

  // the claim goes: the volume is Released and (Retain) stays
  await c.client.delete(R.persistentvolumeclaims, 'default', 'data');
  await eventually(() => get(c, R.persistentvolumes, 'pv1')?.status?.phase === 'Released', 'the volume Released');
});

test('a WaitForFirstConsumer claim waits for the selected node, then is handed to its provisioner', async () => {
  const c = start([sc('local-path', 'rancher.io/local-path', 'WaitForFirstConsumer'), claim('data', 'local-path')]);
  await eventually(() => c.events.some((e) => e.reason === 'WaitForFirstConsumer' && e.message === 'waiting for first consumer to be created before binding'), 'the WaitForFirstConsumer event');
  assert.equal(c.events[0].component, 'persistentvolume-controller', 'the source kubectl describe shows, as kube names it');
  await c.client.patch(R.persistentvolumeclaims, 'default', 'data', 'merge', { metadata: { annotations: { 'volume.kubernetes.io/selected-node': 'n1' } } });
  await eventually(() => get(c, R.persistentvolumeclaims, 'data')?.metadata?.annotations?.['volume.kubernetes.io/storage-provisioner'] === 'rancher.io/local-path', 'the provisioner annotation');
  await eventually(() => c.events.some((e) => e.reason === 'ExternalProvisioning' && e.message.startsWith("Waiting for a volume to be created either by the external provisioner 'rancher.io/local-path'")), 'the ExternalProvisioning event');
  assert.equal(get(c, R.persistentvolumeclaims, 'data').status.phase, 'Pending');
});

test('a deleted claim keeps its protection finalizer while a running pod uses it', async () => {
  const protectedClaim = { ...claim('data', 'manual'), metadata: { ...claim('data', 'manual').metadata, finalizers: ['kubernetes.io/pvc-protection'] } };
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'user', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'x' }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }] }, status: { phase: 'Running' } };
  const c = start([protectedClaim, pod]);
  await c.client.delete(R.persistentvolumeclaims, 'default', 'data');
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(get(c, R.persistentvolumeclaims, 'data'), 'kept while the pod runs');
  await c.client.delete(R.pods, 'default', 'user');
  await eventually(() => !get(c, R.persistentvolumeclaims, 'data'), 'the claim gone once the pod is');
});
