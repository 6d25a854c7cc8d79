// A CRD's status as kube's apiextensions controllers write it: conditions (NamesAccepted, Established,
// Terminating) and acceptedNames; and the first delete, which holds the CRD with the cleanup finalizer until
// its custom objects are gone.
import type { CustomResourceDefinition } from 'kubernetes-types/apiextensions/v1.js';
import type { KObject } from '../../types/meta.ts';
import { CLEANUP_FINALIZER } from './types.ts';

export interface CrdCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

/** Sets (or replaces) a condition; lastTransitionTime moves only when the status changes. True when anything changed. */
export function setCondition(crd: CustomResourceDefinition, c: CrdCondition, now: string): boolean {
  const status = (crd.status ??= { acceptedNames: { kind: '', plural: '' } } as NonNullable<CustomResourceDefinition['status']>);
  const conditions = (status.conditions ??= []);
  const i = conditions.findIndex((x) => x.type === c.type);
  const old = i >= 0 ? conditions[i] : undefined;
  if (old && old.status === c.status && old.reason === c.reason && old.message === c.message) return false;
  const next = { ...c, lastTransitionTime: old && old.status === c.status ? old.lastTransitionTime : now };
  if (i >= 0) conditions[i] = next;
  else conditions.push(next);
  return true;
}

/** kube's CRD Delete: deletionTimestamp, the cleanup finalizer and Terminating=True, in one write */
export function markCrdDeleting(obj: KObject, now: string): void {
  const crd = obj as unknown as CustomResourceDefinition;
  const meta = (crd.metadata ??= {}) as { deletionTimestamp?: string; deletionGracePeriodSeconds?: number; finalizers?: string[] };
  meta.deletionTimestamp = now;
  meta.deletionGracePeriodSeconds = 0;
  if (!meta.finalizers?.includes(CLEANUP_FINALIZER)) meta.finalizers = [...(meta.finalizers ?? []), CLEANUP_FINALIZER];
  setCondition(crd, { type: 'Terminating', status: 'True', reason: 'InstanceDeletionPending', message: 'CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon' }, now);
}
