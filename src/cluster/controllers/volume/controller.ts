// The PersistentVolume controller (pkg/controller/volume/persistentvolume): binds claims to volumes and keeps
// both phases true. A claim is bound to a pre-bound or matching Available volume (PV claimRef first, then the
// claim's volumeName, then both statuses, as Kubernetes orders the writes); a claim of a WaitForFirstConsumer
// class waits for the scheduler's selected-node; a claim that finds no volume is handed to its class's
// provisioner (the storage-provisioner annotation) which makes one pre-bound to it. A volume whose claim is
// gone is Released; its reclaim (Delete) is left to the provisioner that made it.
import type { Node as KNode, PersistentVolume as KPV, PersistentVolumeClaim as KPVC } from 'kubernetes-types/core/v1.js';
import type { StorageClass as KSC } from 'kubernetes-types/storage/v1.js';
import type { Controller, ControllerContext, ReconcileResult } from '../../client/types.ts';
import { createWorkQueue, runWhenSynced } from '../../client/index.ts';
import { objectKey } from '../../types/meta.ts';
import type { KObject } from '../../types/meta.ts';
import { R } from '../../types/gvr.ts';
import { STORAGE } from '../../types/storage.ts';
import { claimClass, findVolumeFor, isPreBoundTo } from '../../scheduler/index.ts';

type PV = KPV & KObject;
type PVC = KPVC & KObject;
type StorageClass = KSC & KObject;
type Node = KNode & KObject;

const workers = 2;
const name = 'persistentvolume-binder-controller';
/** the event source kube's PV controller writes (`From` in kubectl describe) */
const component = 'persistentvolume-controller';

/** kube's message for a claim waiting on an external provisioner */
export const waitingForProvisioner = (p: string) =>
  `Waiting for a volume to be created either by the external provisioner '${p}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`;

const claimKey = (ns: string | undefined, n: string | undefined) => `claim:${ns ?? ''}/${n ?? ''}`;

export function createPersistentVolumeController(ctx: ControllerContext): Controller {
  const claims = ctx.informers.informer<PVC>(R.persistentvolumeclaims);
  const volumes = ctx.informers.informer<PV>(R.persistentvolumes);
  const classes = ctx.informers.informer<StorageClass>(R.storageclasses);
  const nodes = ctx.informers.informer<Node>(R.nodes);
  const queue = createWorkQueue({ name });
  const recorder = ctx.recorder(component);

  const enqueueClaim = (c: PVC) => queue.add(claimKey(c.metadata?.namespace, c.metadata?.name));
  const enqueueVolume = (v: PV) => {
    queue.add(`volume:${v.metadata?.name ?? ''}`);
    const ref = v.spec?.claimRef;
    if (ref) queue.add(claimKey(ref.namespace, ref.name));
  };
  claims.on({
    add: enqueueClaim, update: (_o, c) => enqueueClaim(c),
    delete: (c) => { for (const v of volumes.list()) if (isPreBoundTo(v, c)) enqueueVolume(v); },
  });
  volumes.on({ add: enqueueVolume, update: (_o, v) => enqueueVolume(v), delete: enqueueVolume });
  // a new class (or provisioner) may serve waiting claims
  classes.on({ add: () => { for (const c of claims.list()) if (c.status?.phase === 'Pending') enqueueClaim(c); } });

  async function setVolumePhase(pv: PV, phase: string): Promise<PV> {
    if (pv.status?.phase === phase) return pv;
    return ctx.client.update<PV>(R.persistentvolumes, undefined, { ...pv, status: { ...pv.status, phase, lastPhaseTransitionTime: stamp(ctx.now()) } } as KObject, { subresource: 'status' });
  }

  async function bind(c: PVC, pv: PV): Promise<void> {
    // 1. the volume's claimRef (with the claim's uid) and its phase
    if (!pv.spec?.claimRef?.uid) {
      const ann = { ...pv.metadata?.annotations, [STORAGE.boundByController]: 'yes' };
      const claimRef = { kind: 'PersistentVolumeClaim', namespace: c.metadata?.namespace, name: c.metadata?.name, uid: c.metadata?.uid, apiVersion: 'v1', resourceVersion: c.metadata?.resourceVersion };
      pv = await ctx.client.update<PV>(R.persistentvolumes, undefined, { ...pv, metadata: { ...pv.metadata, annotations: pv.spec?.claimRef ? pv.metadata?.annotations : ann }, spec: { ...pv.spec, claimRef } } as KObject);
    }
    pv = await setVolumePhase(pv, 'Bound');
    // 2. the claim's volumeName, then its status
    if (c.spec?.volumeName !== pv.metadata?.name || c.metadata?.annotations?.[STORAGE.bindCompleted] !== 'yes') {
      const ann = { ...c.metadata?.annotations, [STORAGE.bindCompleted]: 'yes', ...(c.spec?.volumeName ? {} : { [STORAGE.boundByController]: 'yes' }) };
      c = await ctx.client.update<PVC>(R.persistentvolumeclaims, c.metadata?.namespace, { ...c, metadata: { ...c.metadata, annotations: ann }, spec: { ...c.spec, volumeName: pv.metadata?.name } } as KObject);
    }
    if (c.status?.phase !== 'Bound') {
      await ctx.client.update(R.persistentvolumeclaims, c.metadata?.namespace, { ...c, status: { ...c.status, phase: 'Bound', accessModes: pv.spec?.accessModes, capacity: pv.spec?.capacity } } as KObject, { subresource: 'status' });
    }
  }

  async function syncClaim(key: string): Promise<ReconcileResult> {
    const c = claims.get(key);
    if (!c || c.metadata?.deletionTimestamp) return;
    if (c.spec?.volumeName) return syncBoundClaim(c, c.spec.volumeName);
    const className = claimClass(c);
    const sc = className ? classes.get(className) : undefined;
    const delayed = sc?.volumeBindingMode === 'WaitForFirstConsumer';
    const selected = c.metadata?.annotations?.[STORAGE.selectedNode];
    if (delayed && !selected) {
      recorder.event(c, 'Normal', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding');
      return;
    }
    const pv = findVolumeFor(c, volumes.list(), selected ? nodes.get(selected) ?? { metadata: { name: selected } } : undefined, delayed);
    if (pv) return bind(c, pv as PV);
    if (!className) return void recorder.event(c, 'Normal', 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set');
    if (!sc) return void recorder.event(c, 'Warning', 'ProvisioningFailed', `storageclass.storage.k8s.io "${className}" not found`);
    if (sc.provisioner === 'kubernetes.io/no-provisioner') return void recorder.event(c, 'Normal', 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set');
    if (c.metadata?.annotations?.[STORAGE.storageProvisioner] !== sc.provisioner) {
      const ann = { ...c.metadata?.annotations, [STORAGE.storageProvisioner]: sc.provisioner, [STORAGE.betaStorageProvisioner]: sc.provisioner };
      await ctx.client.update(R.persistentvolumeclaims, c.metadata?.namespace, { ...c, metadata: { ...c.metadata, annotations: ann } } as KObject);
    }
    recorder.event(c, 'Normal', 'ExternalProvisioning', waitingForProvisioner(sc.provisioner));
  }

  async function syncBoundClaim(c: PVC, volumeName: string): Promise<ReconcileResult> {
    const pv = volumes.get(volumeName);
    if (!pv) {
      if (c.status?.phase === 'Bound') {
        await ctx.client.update(R.persistentvolumeclaims, c.metadata?.namespace, { ...c, status: { ...c.status, phase: 'Lost' } } as KObject, { subresource: 'status' });
        recorder.event(c, 'Warning', 'ClaimLost', 'Bound claim has lost its PersistentVolume. Data on the volume is lost!');
      }
      return;
    }
    if (!pv.spec?.claimRef || isPreBoundTo(pv, c)) return bind(c, pv);
    if (c.status?.phase !== 'Bound') recorder.event(c, 'Warning', 'FailedBinding', `volume "${volumeName}" already bound to a different claim.`);
  }

  async function syncVolume(pvName: string): Promise<ReconcileResult> {
    const pv = volumes.get(pvName);
    if (!pv || pv.metadata?.deletionTimestamp) return;
    const ref = pv.spec?.claimRef;
    if (!ref) return void (await setVolumePhase(pv, 'Available'));
    const c = claims.get(`${ref.namespace ?? ''}/${ref.name}`);
    if (c && (!ref.uid || ref.uid === c.metadata?.uid)) {
      // bound (or being bound by the claim's sync); a claim that names another volume leaves it as it is
      if (c.spec?.volumeName === pvName && ref.uid) await setVolumePhase(pv, 'Bound');
      return;
    }
    if (!ref.uid) return void (await setVolumePhase(pv, 'Available')); // pre-bound to a claim not made yet
    // the claim is gone: the volume is Released, and its reclaim policy decides what follows
    const released = await setVolumePhase(pv, 'Released');
    if (released !== pv) {
      const policy = pv.spec?.persistentVolumeReclaimPolicy ?? 'Retain';
      if (policy === 'Recycle') recorder.event(pv, 'Warning', 'VolumeFailedRecycle', 'Recycle is not supported: use Delete or Retain');
      else if (policy === 'Delete' && !pv.metadata?.annotations?.[STORAGE.provisionedBy]) recorder.event(pv, 'Warning', 'VolumeFailedDelete', `error getting deleter volume plugin for volume "${pvName}": no deletable volume plugin matched`);
    }
  }

  async function reconcile(key: string): Promise<ReconcileResult> {
    if (key.startsWith('claim:')) return syncClaim(key.slice('claim:'.length).replace(/^\//, ''));
    return syncVolume(key.slice('volume:'.length));
  }

  return { name, run: (signal) => runWhenSynced(ctx.informers, queue, workers, reconcile, signal, name) };
}

const stamp = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
