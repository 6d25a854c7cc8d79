// VolumeBinding (kube-scheduler's plugin) over the pod's persistentVolumeClaim volumes: PreFilter refuses a
// pod whose claim is missing, being deleted, or unbound in an Immediate class; Filter keeps a pod off nodes its
// bound volumes' node affinity excludes, and, for claims that wait for their first consumer, off nodes where
// no static volume fits and no provisioner could make one. PreBind marks such claims with the chosen node
// (volume.kubernetes.io/selected-node) so the PV controller and the provisioner act for that node.
import type { Node, NodeSelectorTerm, PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { STORAGE } from '../types/storage.ts';
import { matchesNodeSelectorTerm } from './predicates.ts';
import { claimClass, findVolumeFor } from './volume-match.ts';

export const volumeReasons = {
  nodeConflict: 'node(s) had volume node affinity conflict',
  noVolume: "node(s) didn't find available persistent volumes to bind",
  unboundImmediate: 'pod has unbound immediate PersistentVolumeClaims',
} as const;

export interface VolumeListers {
  claim(namespace: string, name: string): PersistentVolumeClaim | undefined;
  volume(name: string): PersistentVolume | undefined;
  volumes(): PersistentVolume[];
  storageClass(name: string): StorageClass | undefined;
}

/** the pod's claims as the scheduler sees them: a PreFilter refusal, or what Filter checks and PreBind writes */
export type PodVolumes =
  | { refused: string }
  | { refused?: undefined; nodeTerms: NodeSelectorTerm[][]; delayed: PersistentVolumeClaim[] };

export function podVolumes(pod: Pod, l: VolumeListers): PodVolumes | undefined {
  const names = (pod.spec?.volumes ?? []).flatMap((v) => (v.persistentVolumeClaim?.claimName ? [v.persistentVolumeClaim.claimName] : []));
  if (names.length === 0) return undefined;
  const ns = pod.metadata?.namespace ?? 'default';
  const nodeTerms: NodeSelectorTerm[][] = [];
  const delayed: PersistentVolumeClaim[] = [];
  for (const name of names) {
    const c = l.claim(ns, name);
    if (!c) return { refused: `persistentvolumeclaim "${name}" not found` };
    if (c.metadata?.deletionTimestamp) return { refused: `persistentvolumeclaim "${name}" is being deleted` };
    const bound = c.spec?.volumeName;
    if (bound) {
      const pv = l.volume(bound);
      if (!pv) return { refused: `pvc(s) bound to non-existent pv(s)` };
      const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms;
      if (terms?.length) nodeTerms.push(terms);
      continue;
    }
    const sc = claimClass(c) ? l.storageClass(claimClass(c)) : undefined;
    if (sc?.volumeBindingMode !== 'WaitForFirstConsumer') return { refused: volumeReasons.unboundImmediate };
    delayed.push(c);
  }
  return { nodeTerms, delayed };
}

/** Filter: undefined when the pod's volumes allow the node, else the reason */
export function volumesFitNode(v: Exclude<PodVolumes, { refused: string }>, node: Pick<Node, 'metadata'>, l: VolumeListers): string | undefined {
  const name = node.metadata?.name ?? '';
  for (const terms of v.nodeTerms) if (!terms.some((t) => matchesNodeSelectorTerm(t, name, node.metadata?.labels))) return volumeReasons.nodeConflict;
  for (const c of v.delayed) {
    const sc = l.storageClass(claimClass(c));
    const canProvision = !!sc && sc.provisioner !== 'kubernetes.io/no-provisioner';
    const selected = c.metadata?.annotations?.[STORAGE.selectedNode];
    // a claim already handed to a node's provisioner stays with that node
    if (selected && canProvision && selected !== name) return volumeReasons.nodeConflict;
    if (!canProvision && !findVolumeFor(c, l.volumes(), node, true)) return volumeReasons.noVolume;
  }
  return undefined;
}
