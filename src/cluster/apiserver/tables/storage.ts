// Printers of the storage kinds (kube's printPersistentVolume, printPersistentVolumeClaim, printStorageClass).
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import type { Printer } from './types.ts';
import { isDefaultStorageClass as isDefaultClass } from '../../types/strategies/index.ts';
import { ageColumn, ageOf, col, nameColumn, nameOf } from './format.ts';

/** GetAccessModesAsString: short names in kube's fixed order */
export function accessModesString(modes: readonly string[] | undefined): string {
  const short: [string, string][] = [['ReadWriteOnce', 'RWO'], ['ReadOnlyMany', 'ROX'], ['ReadWriteMany', 'RWX'], ['ReadWriteOncePod', 'RWOP']];
  return short.filter(([m]) => modes?.includes(m)).map(([, s]) => s).join(',');
}

export const persistentVolumePrinter: Printer = {
  columns: [nameColumn,
    col('Capacity', "capacity is the description of the persistent volume's resources and capacity. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#capacity"),
    col('Access Modes', 'accessModes contains all ways the volume can be mounted. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes'),
    col('Reclaim Policy', 'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim. Valid options are Retain (default for manually created PersistentVolumes), Delete (default for dynamically provisioned PersistentVolumes), and Recycle (deprecated). Recycle must be supported by the volume plugin underlying this PersistentVolume. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#reclaiming'),
    col('Status', 'phase indicates if a volume is available, bound to a claim, or released by a claim. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#phase'),
    col('Claim', 'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim. Expected to be non-nil when bound. claim.VolumeName is the authoritative bind between PV and PVC. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#binding'),
    col('StorageClass', 'StorageClass of the pv'), col('VolumeAttributesClass', 'VolumeAttributesClass of the pv'),
    col('Reason', 'reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.'), ageColumn,
    col('VolumeMode', 'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state. Value of Filesystem is implied when not included in spec.', { priority: 1 })],
  cells(obj, now) {
    const pv = obj as PersistentVolume;
    const ref = pv.spec?.claimRef;
    const claim = ref ? `${ref.namespace}/${ref.name}` : '';
    const phase = pv.metadata?.deletionTimestamp ? 'Terminating' : pv.status?.phase ?? '';
    return [nameOf(pv), String(pv.spec?.capacity?.storage ?? ''), accessModesString(pv.spec?.accessModes), pv.spec?.persistentVolumeReclaimPolicy ?? '', phase, claim,
      pv.spec?.storageClassName ?? '', pv.spec?.volumeAttributesClassName ?? '<unset>', pv.status?.reason ?? '', ageOf(pv, now), pv.spec?.volumeMode ?? '<unset>'];
  },
};

export const persistentVolumeClaimPrinter: Printer = {
  columns: [nameColumn, col('Status', 'phase represents the current phase of PersistentVolumeClaim.'),
    col('Volume', 'volumeName is the binding reference to the PersistentVolume backing this claim.'),
    col('Capacity', 'capacity represents the actual resources of the underlying volume.'),
    col('Access Modes', 'accessModes contains the desired access modes the volume should have. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes-1'),
    col('StorageClass', 'StorageClass of the pvc'), col('VolumeAttributesClass', 'VolumeAttributesClass of the pvc'), ageColumn,
    col('VolumeMode', 'volumeMode defines what type of volume is required by the claim. Value of Filesystem is implied when not included in claim spec.', { priority: 1 })],
  cells(obj, now) {
    const pvc = obj as PersistentVolumeClaim;
    const phase = pvc.metadata?.deletionTimestamp ? 'Terminating' : pvc.status?.phase ?? '';
    const bound = !!pvc.spec?.volumeName;
    return [nameOf(pvc), phase, pvc.spec?.volumeName ?? '', bound ? String(pvc.status?.capacity?.storage ?? '') : '', bound ? accessModesString(pvc.status?.accessModes) : '',
      pvc.spec?.storageClassName ?? '', pvc.spec?.volumeAttributesClassName ?? '<unset>', ageOf(pvc, now), pvc.spec?.volumeMode ?? '<unset>'];
  },
};

export const storageClassPrinter: Printer = {
  columns: [nameColumn, col('Provisioner', 'Indicates the type of the provisioner.'),
    col('ReclaimPolicy', 'Dynamically provisioned PersistentVolumes of this storage class are created with this reclaimPolicy. Defaults to Delete.'),
    col('VolumeBindingMode', 'VolumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound. When unset, VolumeBindingImmediate is used. This field is only honored by servers that enable the VolumeScheduling feature.'),
    col('AllowVolumeExpansion', 'AllowVolumeExpansion shows whether the storage class allow volume expand.'), ageColumn],
  cells(obj, now) {
    const sc = obj as unknown as StorageClass;
    const name = isDefaultClass(sc) ? `${nameOf(obj)} (default)` : nameOf(obj);
    return [name, sc.provisioner, sc.reclaimPolicy ?? 'Delete', sc.volumeBindingMode ?? 'Immediate', sc.allowVolumeExpansion ?? false, ageOf(obj, now)];
  },
};
