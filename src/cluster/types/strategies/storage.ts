// PersistentVolume and PersistentVolumeClaim (core/v1) and StorageClass (storage.k8s.io/v1): defaults from
// core/v1 and storage/v1 defaults.go, validation from core/validation (ValidatePersistentVolume{,Claim}{,Update})
// and storage/validation (ValidateStorageClass{,Update}), with Kubernetes' field paths and messages.
import type { PersistentVolume, PersistentVolumeClaim, PersistentVolumeSpec } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import type { KObject } from '../meta.ts';
import { forbidden, invalid, notSupported, required, tooLong, type FieldError } from '../status-error.ts';
import { compareQuantity, isValidQuantity } from '../quantity.ts';
import { eachInvalid, isDNS1123Subdomain, isQualifiedName, nameIsDNSSubdomain } from './names.ts';
import { deepEqual, immutable, validateObjectMeta, validateObjectMetaUpdate } from './metadata.ts';
import type { Strategy } from './types.ts';

const accessModes = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
const volumeModes = ['Block', 'Filesystem'];
const pvReclaimPolicies = ['Delete', 'Recycle', 'Retain'];
const scReclaimPolicies = ['Delete', 'Retain'];
const bindingModes = ['Immediate', 'WaitForFirstConsumer'];

/** the volume sources of a PV skiff knows by name; any other key that is an object counts as a source too */
const notSources = new Set(['accessModes', 'capacity', 'claimRef', 'persistentVolumeReclaimPolicy', 'storageClassName', 'mountOptions', 'volumeMode', 'nodeAffinity', 'volumeAttributesClassName']);

/** the keys of spec that name a volume source (hostPath, local, nfs, csi, …) */
export const volumeSourcesOf = (s: PersistentVolumeSpec): string[] => Object.keys(s).filter((k) => !notSources.has(k) && s[k as keyof PersistentVolumeSpec] != null);

/** storageutil.IsDefaultAnnotation: the GA annotation or the beta one says "true" */
export function isDefaultStorageClass(sc: { metadata?: { annotations?: Record<string, string> } }): boolean {
  const a = sc.metadata?.annotations ?? {};
  return a['storageclass.kubernetes.io/is-default-class'] === 'true' || a['storageclass.beta.kubernetes.io/is-default-class'] === 'true';
}

function validateAccessModes(modes: string[] | undefined, field: string, what: string): FieldError[] {
  if (!modes?.length) return [required(field, what)];
  const errs: FieldError[] = [];
  for (const m of modes) if (!accessModes.includes(m)) errs.push(notSupported(field, m, accessModes));
  if (modes.includes('ReadWriteOncePod') && modes.length > 1) errs.push(forbidden(field, 'may not use ReadWriteOncePod with other access modes'));
  return errs;
}

function validateStorageQuantity(v: unknown, field: string, positive: boolean): FieldError[] {
  if (!isValidQuantity(v)) return [invalid(field, v, 'must be a valid quantity')];
  const sign = compareQuantity(v as string, 0);
  if (positive && sign <= 0) return [invalid(field, v, 'must be greater than zero')];
  if (sign < 0) return [invalid(field, v, 'must be greater than or equal to 0')];
  return [];
}

function validateClassName(name: string | undefined, field: string): FieldError[] {
  return name ? eachInvalid(field, name, isDNS1123Subdomain(name)) : [];
}

function validatePVSpec(s: PersistentVolumeSpec | undefined): FieldError[] {
  if (!s) return [required('spec')];
  const errs = validateAccessModes(s.accessModes, 'spec.accessModes', '');
  const cap = s.capacity ?? {};
  if (!Object.keys(cap).length) errs.push(required('spec.capacity'));
  for (const [k, v] of Object.entries(cap)) {
    if (k !== 'storage') errs.push(notSupported(`spec.capacity`, k, ['storage']));
    else errs.push(...validateStorageQuantity(v, 'spec.capacity[storage]', true));
  }
  if (s.persistentVolumeReclaimPolicy && !pvReclaimPolicies.includes(s.persistentVolumeReclaimPolicy)) errs.push(notSupported('spec.persistentVolumeReclaimPolicy', s.persistentVolumeReclaimPolicy, pvReclaimPolicies));
  if (s.volumeMode && !volumeModes.includes(s.volumeMode)) errs.push(notSupported('spec.volumeMode', s.volumeMode, volumeModes));
  errs.push(...validateClassName(s.storageClassName, 'spec.storageClassName'));
  const sources = volumeSourcesOf(s);
  if (sources.length === 0) errs.push(required('spec', 'must specify a volume type'));
  else if (sources.length > 1) errs.push(forbidden(`spec.${sources[1]}`, 'may not specify more than 1 volume type'));
  if (s.hostPath && !s.hostPath.path) errs.push(required('spec.hostPath.path'));
  if (s.hostPath?.path?.split('/').includes('..')) errs.push(invalid('spec.hostPath.path', s.hostPath.path, "must not contain '..'"));
  if (s.local) {
    if (!s.local.path) errs.push(required('spec.local.path'));
    if (!s.nodeAffinity) errs.push(required('spec.nodeAffinity', 'Local volume requires node affinity'));
  }
  const na = s.nodeAffinity;
  if (na && !na.required) errs.push(required('spec.nodeAffinity.required', 'must specify required node constraints'));
  else if (na?.required && !na.required.nodeSelectorTerms?.length) errs.push(required('spec.nodeAffinity.required.nodeSelectorTerms', 'must have at least one node selector term'));
  return errs;
}

function validatePV(o: KObject): FieldError[] {
  const pv = o as PersistentVolume;
  return [...validateObjectMeta(pv.metadata, nameIsDNSSubdomain), ...validatePVSpec(pv.spec)];
}

function validatePVUpdate(o: KObject, old: KObject): FieldError[] {
  const pv = o as PersistentVolume;
  const prev = old as PersistentVolume;
  const errs = [...validateObjectMetaUpdate(pv.metadata, prev.metadata), ...validatePV(o)];
  const sourceOf = (s: PersistentVolumeSpec | undefined) => Object.fromEntries(volumeSourcesOf(s ?? {}).map((k) => [k, s![k as keyof PersistentVolumeSpec]]));
  if (!deepEqual(sourceOf(pv.spec), sourceOf(prev.spec))) errs.push(forbidden('spec.persistentvolumesource', 'spec.persistentvolumesource is immutable after creation'));
  errs.push(...immutable('spec.volumeMode', pv.spec?.volumeMode, prev.spec?.volumeMode));
  if (prev.spec?.nodeAffinity) errs.push(...immutable('spec.nodeAffinity', pv.spec?.nodeAffinity, prev.spec.nodeAffinity));
  return errs;
}

export const persistentVolumeStrategy: Strategy = {
  defaults(o) {
    const pv = o as PersistentVolume;
    const s = (pv.spec ??= {});
    s.persistentVolumeReclaimPolicy ||= 'Retain';
    s.volumeMode ||= 'Filesystem';
    if (s.hostPath) s.hostPath.type ??= '';
    const st = ((pv as { status?: { phase?: string } }).status ??= {});
    st.phase ||= 'Pending';
  },
  validate: validatePV,
  validateUpdate: validatePVUpdate,
};

function validatePVC(o: KObject): FieldError[] {
  const pvc = o as PersistentVolumeClaim;
  const errs = validateObjectMeta(pvc.metadata, nameIsDNSSubdomain);
  const s = pvc.spec;
  if (!s) return [...errs, required('spec')];
  errs.push(...validateAccessModes(s.accessModes, 'spec.accessModes', 'at least 1 access mode is required'));
  const storage = s.resources?.requests?.storage;
  if (storage === undefined) errs.push(required('spec.resources[storage]'));
  else errs.push(...validateStorageQuantity(storage, 'spec.resources[storage]', true));
  if (s.volumeMode && !volumeModes.includes(s.volumeMode)) errs.push(notSupported('spec.volumeMode', s.volumeMode, volumeModes));
  errs.push(...validateClassName(s.storageClassName, 'spec.storageClassName'));
  return errs;
}

/** ValidatePersistentVolumeClaimUpdate: the spec is fixed, but for binding (volumeName, a class when none) and growing a bound claim */
function validatePVCUpdate(o: KObject, old: KObject): FieldError[] {
  const pvc = o as PersistentVolumeClaim;
  const prev = old as PersistentVolumeClaim;
  const errs = [...validateObjectMetaUpdate(pvc.metadata, prev.metadata), ...validatePVC(o)];
  const next = { ...pvc.spec, resources: { ...pvc.spec?.resources, requests: undefined } };
  const was = { ...prev.spec, resources: { ...prev.spec?.resources, requests: undefined } };
  if (!was.volumeName) next.volumeName = was.volumeName;
  if (was.storageClassName === undefined) next.storageClassName = undefined;
  const want = pvc.spec?.resources?.requests?.storage;
  const had = prev.spec?.resources?.requests?.storage;
  const grown = want !== undefined && had !== undefined && isValidQuantity(want) && compareQuantity(want, had) !== 0;
  if (!deepEqual(next, was) || (grown && prev.status?.phase !== 'Bound')) {
    errs.push(forbidden('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'));
  } else if (grown && compareQuantity(want, had) < 0) {
    errs.push(forbidden('spec.resources.requests.storage', 'field can not be less than previous value'));
  }
  return errs;
}

export const persistentVolumeClaimStrategy: Strategy = {
  defaults(o) {
    const pvc = o as PersistentVolumeClaim;
    const s = (pvc.spec ??= {});
    s.volumeMode ||= 'Filesystem';
    const st = ((pvc as { status?: { phase?: string } }).status ??= {});
    st.phase ||= 'Pending';
  },
  validate: validatePVC,
  validateUpdate: validatePVCUpdate,
};

function validateStorageClass(o: KObject): FieldError[] {
  const sc = o as unknown as StorageClass;
  const errs = validateObjectMeta(sc.metadata, nameIsDNSSubdomain);
  if (!sc.provisioner) errs.push(required('provisioner'));
  else {
    errs.push(...eachInvalid('provisioner', sc.provisioner, isQualifiedName(sc.provisioner.toLowerCase())));
    if (sc.provisioner.length > 63) errs.push(tooLong('provisioner', sc.provisioner, 63));
  }
  if (sc.reclaimPolicy && !scReclaimPolicies.includes(sc.reclaimPolicy)) errs.push(notSupported('reclaimPolicy', sc.reclaimPolicy, scReclaimPolicies));
  if (sc.volumeBindingMode && !bindingModes.includes(sc.volumeBindingMode)) errs.push(notSupported('volumeBindingMode', sc.volumeBindingMode, bindingModes));
  if (Object.keys(sc.parameters ?? {}).length > 512) errs.push({ type: 'FieldValueTooMany', field: 'parameters', detail: 'must have at most 512 parameters' } as FieldError);
  return errs;
}

function validateStorageClassUpdate(o: KObject, old: KObject): FieldError[] {
  const sc = o as unknown as StorageClass;
  const prev = old as unknown as StorageClass;
  const errs = [...validateObjectMetaUpdate(sc.metadata, prev.metadata), ...validateStorageClass(o)];
  if (!deepEqual(sc.parameters ?? {}, prev.parameters ?? {})) errs.push(forbidden('parameters', 'updates to parameters are forbidden.'));
  if (sc.provisioner !== prev.provisioner) errs.push(forbidden('provisioner', 'updates to provisioner are forbidden.'));
  if (sc.reclaimPolicy !== prev.reclaimPolicy) errs.push(forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  errs.push(...immutable('volumeBindingMode', sc.volumeBindingMode, prev.volumeBindingMode));
  return errs;
}

export const storageClassStrategy: Strategy = {
  defaults(o) {
    const sc = o as unknown as StorageClass;
    sc.reclaimPolicy ||= 'Delete';
    sc.volumeBindingMode ||= 'Immediate';
  },
  validate: validateStorageClass,
  validateUpdate: validateStorageClassUpdate,
};
