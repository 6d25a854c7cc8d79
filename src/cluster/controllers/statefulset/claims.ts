// persistentVolumeClaimRetentionPolicy through owner references (claimOwnerMatchesSetAndPod): whenDeleted=Delete
// makes the set an owner of each claim, whenScaled=Delete makes the pod the owner of a claim whose ordinal was
// scaled away (and not the set); the garbage collector then deletes claims whose owners are gone.
import type { OwnerReference } from '../../types/meta.ts';
import { inOrdinalRange } from './identity.ts';
import type { ClaimObject, PodObject, StatefulSetObject } from './identity.ts';

export interface WantedOwners { set: boolean; pod: boolean }

export function wantedClaimOwners(set: StatefulSetObject, pod: PodObject): WantedOwners {
  const p = set.spec?.persistentVolumeClaimRetentionPolicy ?? {};
  const scaledDown = !inOrdinalRange(set, pod);
  const podOwns = p.whenScaled === 'Delete' && scaledDown;
  return { set: p.whenDeleted === 'Delete' && !podOwns, pod: podOwns };
}

const hasRef = (claim: ClaimObject, uid: string | undefined) => !!uid && (claim.metadata?.ownerReferences ?? []).some((r) => r.uid === uid);

export function claimOwnersMatch(claim: ClaimObject, set: StatefulSetObject, pod: PodObject): boolean {
  const want = wantedClaimOwners(set, pod);
  return hasRef(claim, set.metadata?.uid) === want.set && hasRef(claim, pod.metadata?.uid) === want.pod;
}

/** The claim's owner references with the set's and pod's set or removed as the policy wants (others kept). */
export function claimOwnerRefs(claim: ClaimObject, set: StatefulSetObject, pod: PodObject): OwnerReference[] {
  const want = wantedClaimOwners(set, pod);
  const refs = (claim.metadata?.ownerReferences ?? []).filter((r) => r.uid !== set.metadata?.uid && r.uid !== pod.metadata?.uid);
  if (want.set) refs.push({ apiVersion: 'apps/v1', kind: 'StatefulSet', name: set.metadata?.name ?? '', uid: set.metadata?.uid ?? '' });
  if (want.pod && pod.metadata?.uid) refs.push({ apiVersion: 'v1', kind: 'Pod', name: pod.metadata?.name ?? '', uid: pod.metadata.uid });
  return refs;
}

/**
 * PodClaimIsStale: a claim still owned by an earlier pod of this ordinal (scaled away under whenScaled=Delete) or
 * already being deleted is about to go; a new pod must wait for it rather than mount it.
 */
export function claimIsStale(claim: ClaimObject | undefined): boolean {
  if (!claim) return false;
  return !!claim.metadata?.deletionTimestamp || (claim.metadata?.ownerReferences ?? []).some((r) => r.kind === 'Pod');
}
