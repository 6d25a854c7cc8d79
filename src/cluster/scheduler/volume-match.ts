// Which PersistentVolume a claim may bind to (pkg/controller/volume/persistentvolume/index.go's findBestMatch):
// a volume pre-bound to the claim first, else the smallest Available one of the same class, volume mode and
// node (when the claim waits for its first consumer) that has the access modes, the size and the labels asked.
import type { Node, PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import { matchesLabelSelector } from '../types/labels.ts';
import { compareQuantity } from '../types/quantity.ts';
import { matchesNodeSelectorTerm } from './predicates.ts';

/** the claim's class ('' when none) */
export const claimClass = (c: PersistentVolumeClaim): string => c.spec?.storageClassName ?? '';

/** the claimRef names this claim (and its uid, when the ref carries one) */
export function isPreBoundTo(pv: PersistentVolume, c: PersistentVolumeClaim): boolean {
  const ref = pv.spec?.claimRef;
  return !!ref && ref.name === c.metadata?.name && (ref.namespace ?? '') === (c.metadata?.namespace ?? '') && (!ref.uid || ref.uid === c.metadata?.uid);
}

/** the PV's required node affinity holds for the node (a PV without one fits every node) */
export function volumeFitsNode(pv: PersistentVolume, node: Pick<Node, 'metadata'> | undefined): boolean {
  const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms;
  if (!terms?.length) return true;
  if (!node) return false;
  return terms.some((t) => matchesNodeSelectorTerm(t, node.metadata?.name ?? '', node.metadata?.labels));
}

function fits(pv: PersistentVolume, c: PersistentVolumeClaim, node: Pick<Node, 'metadata'> | undefined, delayed: boolean): boolean {
  if ((pv.spec?.storageClassName ?? '') !== claimClass(c)) return false;
  if ((pv.spec?.volumeMode ?? 'Filesystem') !== (c.spec?.volumeMode ?? 'Filesystem')) return false;
  if (!(c.spec?.accessModes ?? []).every((m) => pv.spec?.accessModes?.includes(m))) return false;
  const want = c.spec?.resources?.requests?.storage;
  const have = pv.spec?.capacity?.storage;
  if (want === undefined || have === undefined || compareQuantity(have, want) < 0) return false;
  if (c.spec?.selector && !matchesLabelSelector(c.spec.selector, pv.metadata?.labels ?? {})) return false;
  if (delayed && !volumeFitsNode(pv, node)) return false;
  return true;
}

/**
 * The volume for the claim, or undefined. `delayed`: the class binds at the first consumer, and `node` is the
 * node the scheduler chose (the claim's selected-node).
 */
export function findVolumeFor(c: PersistentVolumeClaim, volumes: readonly PersistentVolume[], node: Pick<Node, 'metadata'> | undefined, delayed: boolean): PersistentVolume | undefined {
  let best: PersistentVolume | undefined;
  for (const pv of volumes) {
    if (pv.metadata?.deletionTimestamp) continue;
    if (pv.spec?.claimRef) {
      if (isPreBoundTo(pv, c) && fits(pv, c, node, delayed)) return pv;
      continue;
    }
    if (pv.status?.phase && pv.status.phase !== 'Available' && pv.status.phase !== 'Pending') continue;
    if (!fits(pv, c, node, delayed)) continue;
    if (!best || compareQuantity(pv.spec!.capacity!.storage!, best.spec!.capacity!.storage!) < 0) best = pv;
  }
  return best;
}
