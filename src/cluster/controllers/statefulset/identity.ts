// A StatefulSet pod's identity (stateful_set_utils.go): its name `<set>-<ordinal>`, hostname and subdomain (the
// governing Service), the labels that name it, and its claims `<template>-<set>-<ordinal>` from
// volumeClaimTemplates; the pod made for an ordinal at a revision.
import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod, PodTemplateSpec, Volume } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../../types/meta.ts';
import { podFromTemplate } from '../replicaset/index.ts';
import { revisionHashLabel } from '../history/index.ts';
import { newControllerRef } from '../util.ts';

export type StatefulSetObject = StatefulSet & KObject;
export type PodObject = Pod & KObject;
export type ClaimObject = PersistentVolumeClaim & KObject;

export const stsKind = { apiVersion: 'apps/v1', kind: 'StatefulSet' };
/** apps.StatefulSetPodNameLabel */
export const podNameLabel = 'statefulset.kubernetes.io/pod-name';
/** apps.PodIndexLabel (on since 1.28) */
export const podIndexLabel = 'apps.kubernetes.io/pod-index';

const statefulPodRegex = /^(.*)-([0-9]+)$/;

/** getParentNameAndOrdinal: the set's name and the ordinal a pod's name carries (-1 when it has none). */
export function parentAndOrdinal(pod: { metadata?: KObject['metadata'] }): { parent: string; ordinal: number } {
  const m = statefulPodRegex.exec(pod.metadata?.name ?? '');
  if (!m) return { parent: '', ordinal: -1 };
  const n = Number(m[2]);
  return { parent: m[1], ordinal: Number.isSafeInteger(n) && n <= 0x7fffffff ? n : -1 };
}

export const ordinalOf = (pod: PodObject): number => parentAndOrdinal(pod).ordinal;
export const isMemberOf = (set: StatefulSetObject, pod: PodObject): boolean => parentAndOrdinal(pod).parent === set.metadata?.name;
export const podName = (set: StatefulSetObject, ordinal: number): string => `${set.metadata?.name}-${ordinal}`;
export const claimName = (set: StatefulSetObject, template: string, ordinal: number): string => `${template}-${set.metadata?.name}-${ordinal}`;
export const startOrdinal = (set: StatefulSetObject): number => set.spec?.ordinals?.start ?? 0;
export const endOrdinal = (set: StatefulSetObject): number => startOrdinal(set) + (set.spec?.replicas ?? 1) - 1;
export const inOrdinalRange = (set: StatefulSetObject, pod: PodObject): boolean => {
  const o = ordinalOf(pod);
  return o >= startOrdinal(set) && o <= endOrdinal(set);
};
export const podRevision = (pod: PodObject): string => pod.metadata?.labels?.[revisionHashLabel] ?? '';

/**
 * identityMatches: the name, namespace and identity labels a member of set must have (hostname and subdomain are
 * set at creation; a pod's spec cannot change them afterwards, so they are not checked here).
 */
export function identityMatches(set: StatefulSetObject, pod: PodObject): boolean {
  const { parent, ordinal } = parentAndOrdinal(pod);
  const name = pod.metadata?.name ?? '';
  return ordinal >= 0 && parent === set.metadata?.name && name === podName(set, ordinal) &&
    pod.metadata?.namespace === set.metadata?.namespace &&
    pod.metadata?.labels?.[podNameLabel] === name && pod.metadata?.labels?.[podIndexLabel] === String(ordinal);
}

/** storageMatches: every claim template is mounted from this ordinal's claim. */
export function storageMatches(set: StatefulSetObject, pod: PodObject): boolean {
  const ordinal = ordinalOf(pod);
  if (ordinal < 0) return false;
  const volumes = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v]));
  return (set.spec?.volumeClaimTemplates ?? []).every((t) =>
    volumes.get(t.metadata?.name ?? '')?.persistentVolumeClaim?.claimName === claimName(set, t.metadata?.name ?? '', ordinal));
}

/** getPersistentVolumeClaims: this ordinal's claims, by template name (labels: the template's + the selector's). */
export function claimsFor(set: StatefulSetObject, ordinal: number): Map<string, ClaimObject> {
  const out = new Map<string, ClaimObject>();
  for (const t of set.spec?.volumeClaimTemplates ?? []) {
    const name = t.metadata?.name ?? '';
    out.set(name, {
      apiVersion: 'v1', kind: 'PersistentVolumeClaim',
      metadata: {
        name: claimName(set, name, ordinal), namespace: set.metadata?.namespace,
        labels: { ...(t.metadata?.labels ?? {}), ...(set.spec?.selector?.matchLabels ?? {}) },
        ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
      },
      spec: structuredClone(t.spec ?? {}),
    });
  }
  return out;
}

/** updateStorage: the claim templates' volumes first, then the pod's other volumes (a same-named one is replaced). */
function withClaimVolumes(set: StatefulSetObject, ordinal: number, volumes: Volume[] | undefined): Volume[] {
  const claims = claimsFor(set, ordinal);
  const mine: Volume[] = [...claims].map(([name, c]) => ({ name, persistentVolumeClaim: { claimName: c.metadata?.name ?? '' } }));
  return [...mine, ...(volumes ?? []).filter((v) => !claims.has(v.name))];
}

/** newStatefulSetPod at a revision: the template (of that revision), the identity, the claims, the revision label. */
export function newStatefulPod(set: StatefulSetObject, template: PodTemplateSpec, ordinal: number, revision: string): PodObject {
  const pod = podFromTemplate(template, set.metadata?.name ?? '', set.metadata?.namespace ?? '', newControllerRef(set, stsKind));
  const name = podName(set, ordinal);
  delete pod.metadata?.generateName;
  pod.metadata!.name = name;
  pod.metadata!.labels = { ...pod.metadata?.labels, [podNameLabel]: name, [podIndexLabel]: String(ordinal), [revisionHashLabel]: revision };
  pod.spec!.hostname = name;
  if (set.spec?.serviceName) pod.spec!.subdomain = set.spec.serviceName;
  pod.spec!.volumes = withClaimVolumes(set, ordinal, pod.spec?.volumes);
  if (pod.spec!.volumes.length === 0) delete pod.spec!.volumes;
  return pod;
}
