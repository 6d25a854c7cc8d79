// The names the storage parts share: the annotations of volume binding and provisioning (as Kubernetes spells
// them), and skiff's default StorageClass `local-path` (k3s' and rancher's local-path provisioner).
import type { KObject } from './meta.ts';

export const STORAGE = {
  /** set on a claim by the scheduler: the node of the first pod that uses it (WaitForFirstConsumer) */
  selectedNode: 'volume.kubernetes.io/selected-node',
  /** set on a claim by the PV controller: the provisioner expected to make its volume */
  storageProvisioner: 'volume.kubernetes.io/storage-provisioner',
  betaStorageProvisioner: 'volume.beta.kubernetes.io/storage-provisioner',
  /** set on a PV by its provisioner */
  provisionedBy: 'pv.kubernetes.io/provisioned-by',
  /** set on a claim once the PV controller bound it */
  bindCompleted: 'pv.kubernetes.io/bind-completed',
  boundByController: 'pv.kubernetes.io/bound-by-controller',
  defaultClass: 'storageclass.kubernetes.io/is-default-class',
  /** finalizers that keep a claim (volume) while a pod uses it (while it is bound) */
  claimProtection: 'kubernetes.io/pvc-protection',
  volumeProtection: 'kubernetes.io/pv-protection',
  /** the provisioner and the default class's name */
  localPathProvisioner: 'rancher.io/local-path',
  localPathClass: 'local-path',
} as const;

/** the default StorageClass every skiff cluster starts with (the server makes it when missing) */
export function localPathStorageClass(): KObject {
  return {
    apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass',
    metadata: { name: STORAGE.localPathClass, annotations: { [STORAGE.defaultClass]: 'true' } },
    provisioner: STORAGE.localPathProvisioner, reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer',
  } as KObject;
}
