// The PersistentVolume the local-path provisioner makes for a claim on its node (as rancher's
// local-path-provisioner does): a hostPath directory `<dir>/pvc-<uid>_<namespace>_<name>` (the kubelet makes it
// at the first mount), pinned to the node by required node affinity, pre-bound to the claim by uid.
import { join } from 'node:path';
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { STORAGE } from '../types/storage.ts';

/** the annotation naming the node a local-path volume lives on (rancher's own) */
export const nodeAnnotation = 'local.path.provisioner/selected-node';

export const volumeNameFor = (c: PersistentVolumeClaim): string => `pvc-${c.metadata?.uid ?? ''}`;

export function localPathVolume(c: PersistentVolumeClaim, sc: StorageClass, node: string, dir: string): PersistentVolume {
  const ns = c.metadata?.namespace ?? 'default';
  const name = c.metadata?.name ?? '';
  return {
    apiVersion: 'v1', kind: 'PersistentVolume',
    metadata: { name: volumeNameFor(c), annotations: { [STORAGE.provisionedBy]: STORAGE.localPathProvisioner, [nodeAnnotation]: node } },
    spec: {
      capacity: { storage: c.spec?.resources?.requests?.storage ?? '0' },
      accessModes: c.spec?.accessModes,
      persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete',
      storageClassName: sc.metadata?.name,
      volumeMode: 'Filesystem',
      claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: ns, name, uid: c.metadata?.uid, resourceVersion: c.metadata?.resourceVersion },
      hostPath: { path: join(dir, `${volumeNameFor(c)}_${ns}_${name}`), type: 'DirectoryOrCreate' },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } },
    },
  };
}

/** what the provisioner must do about a claim on `node`: nothing, refuse it (why), or make its volume */
export function claimAction(c: PersistentVolumeClaim, sc: StorageClass | undefined, node: string): 'skip' | 'provision' | { refuse: string } {
  const a = c.metadata?.annotations ?? {};
  if (c.metadata?.deletionTimestamp || c.spec?.volumeName) return 'skip';
  if (a[STORAGE.storageProvisioner] !== STORAGE.localPathProvisioner && a[STORAGE.betaStorageProvisioner] !== STORAGE.localPathProvisioner) return 'skip';
  if (a[STORAGE.selectedNode] !== node) return 'skip';
  if (!sc || sc.provisioner !== STORAGE.localPathProvisioner) return 'skip';
  if (c.spec?.volumeMode === 'Block') return { refuse: 'Only support Filesystem volume mode' };
  if (c.spec?.selector) return { refuse: 'claim.Spec.Selector is not supported' };
  return 'provision';
}

/** the data directory a Released volume of this node's provisioner leaves, when its reclaim policy is Delete */
export function reclaimablePath(pv: PersistentVolume, node: string, dir: string): string | undefined {
  if (pv.metadata?.annotations?.[STORAGE.provisionedBy] !== STORAGE.localPathProvisioner) return undefined;
  if (pv.metadata?.annotations?.[nodeAnnotation] !== node) return undefined;
  if (pv.status?.phase !== 'Released' || pv.spec?.persistentVolumeReclaimPolicy !== 'Delete') return undefined;
  const path = pv.spec?.hostPath?.path;
  // never remove anything outside this provisioner's directory, whatever the object says
  if (!path || !path.startsWith(dir + '/') || path.slice(dir.length + 1).includes('/') || path.includes('..')) return undefined;
  return path;
}
