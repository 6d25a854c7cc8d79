// Ephemeral containers (kubectl debug) as pkg/apis/core/validation checks them: the fields an ephemeral
// container may not have (ports, probes, lifecycle, resources, …), subPath mounts, a target that must be one
// of the pod's own containers; a pod is never created with them; and the ephemeralcontainers subresource
// may only add them — an existing one is never changed or removed.
import type { EphemeralContainer, Pod } from 'kubernetes-types/core/v1.js';
import { fieldNotFound, forbidden, type FieldError } from '../status-error.ts';
import { deepEqual } from './metadata.ts';

/** EphemeralContainerCommon's fields that kube's allow-list refuses */
const refused = ['ports', 'resources', 'resizePolicy', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle', 'restartPolicy'] as const;
const cannot = 'cannot be set for an Ephemeral Container';
/** set as Go's reflect sees it: not a zero value (defaulting leaves `resources: {}`, which is none) */
const isSet = (v: unknown) => v != null && !(Array.isArray(v) && v.length === 0) && !(typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0);

/** what validateEphemeralContainers adds to the checks every container gets (the caller does names and the common ones) */
export function validateEphemeralOnly(c: EphemeralContainer, field: string, podContainers: ReadonlySet<string>): FieldError[] {
  const errs: FieldError[] = [];
  if (c.targetContainerName && !podContainers.has(c.targetContainerName)) errs.push(fieldNotFound(`${field}.targetContainerName`, c.targetContainerName));
  for (const f of refused) if (isSet((c as unknown as Record<string, unknown>)[f])) errs.push(forbidden(`${field}.${f}`, cannot));
  for (const [i, m] of (c.volumeMounts ?? []).entries()) {
    if (m.subPath) errs.push(forbidden(`${field}.volumeMounts[${i}].subPath`, cannot));
    if (m.subPathExpr) errs.push(forbidden(`${field}.volumeMounts[${i}].subPathExpr`, cannot));
  }
  return errs;
}

/** ValidatePodCreate's rule */
export function validateNoEphemeralOnCreate(pod: Pod): FieldError[] {
  return pod.spec?.ephemeralContainers?.length ? [forbidden('spec.ephemeralContainers', 'cannot be set on create')] : [];
}

/** ValidatePodEphemeralContainersUpdate's second part: old ephemeral containers stay exactly as they were */
export function validateEphemeralContainersUpdate(pod: Pod, old: Pod): FieldError[] {
  const errs: FieldError[] = [];
  const next = new Map((pod.spec?.ephemeralContainers ?? []).map((c) => [c.name, c]));
  for (const was of old.spec?.ephemeralContainers ?? []) {
    const now = next.get(was.name);
    if (!now) errs.push(forbidden('spec.ephemeralContainers', `existing ephemeral containers "${was.name}" may not be removed\n`));
    else if (!deepEqual(now, was)) errs.push(forbidden('spec.ephemeralContainers', `existing ephemeral containers "${was.name}" may not be changed\n`));
  }
  return errs;
}
