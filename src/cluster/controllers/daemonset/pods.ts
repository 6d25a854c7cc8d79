// A DaemonSet's pods: which nodes should run one (NodeShouldRunDaemonPod), the pod made for a node (the
// template + the tolerations Kubernetes adds + a required node affinity on metadata.name, left to the
// scheduler as Kubernetes ≥ 1.12 does), and the template hash that names ControllerRevisions.
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, NodeSelectorTerm, Pod, Toleration } from 'kubernetes-types/core/v1.js';
import type { KObject, OwnerReference } from '../../types/meta.ts';
import { fnv32a, revisionHashLabel, safeEncode } from '../history/index.ts';
import { podMatchesNodeSelectorAndAffinity, taintKeys, untoleratedTaint } from '../../scheduler/index.ts';

export type DaemonSetObject = DaemonSet & KObject;
export type PodObject = Pod & KObject;

export { revisionHashLabel };
export const templateGenerationLabel = 'pod-template-generation';

/** util.AddOrUpdateDaemonPodTolerations: a daemon pod rides out node trouble instead of being evicted. */
export function daemonTolerations(existing: readonly Toleration[] | undefined, hostNetwork: boolean): Toleration[] {
  const out = [...(existing ?? [])];
  const add = (key: string, effect: string) => {
    if (!out.some((t) => t.key === key && t.effect === effect && t.operator === 'Exists')) out.push({ key, operator: 'Exists', effect });
  };
  add(taintKeys.notReady, 'NoExecute');
  add(taintKeys.unreachable, 'NoExecute');
  add(taintKeys.diskPressure, 'NoSchedule');
  add(taintKeys.memoryPressure, 'NoSchedule');
  add(taintKeys.pidPressure, 'NoSchedule');
  add(taintKeys.unschedulable, 'NoSchedule');
  if (hostNetwork) add(taintKeys.networkUnavailable, 'NoSchedule');
  return out;
}

/** ReplaceDaemonSetPodNodeNameNodeAffinity: every required term gets matchFields metadata.name In [node]. */
export function withNodeNameAffinity(pod: Pod, nodeName: string): Pod['spec'] {
  const spec = structuredClone(pod.spec ?? { containers: [] });
  const field = { key: 'metadata.name', operator: 'In', values: [nodeName] };
  const na = ((spec.affinity ??= {}).nodeAffinity ??= {});
  const req = (na.requiredDuringSchedulingIgnoredDuringExecution ??= { nodeSelectorTerms: [] });
  const terms: NodeSelectorTerm[] = req.nodeSelectorTerms.length ? req.nodeSelectorTerms : [{}];
  req.nodeSelectorTerms = terms.map((t) => ({ ...t, matchFields: [field] }));
  return spec;
}

/** The pod a DaemonSet runs on node (generateName `<ds>-`). */
export function newDaemonPod(ds: DaemonSetObject, nodeName: string, hash: string, ref: OwnerReference): PodObject {
  const template = ds.spec?.template;
  const labels = { ...(template?.metadata?.labels ?? {}), [revisionHashLabel]: hash, [templateGenerationLabel]: String(ds.metadata?.generation ?? 1) };
  const base: Pod = { spec: structuredClone(template?.spec ?? { containers: [] }) };
  const spec = withNodeNameAffinity(base, nodeName)!;
  spec.tolerations = daemonTolerations(spec.tolerations, spec.hostNetwork === true);
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      generateName: `${ds.metadata?.name}-`,
      namespace: ds.metadata?.namespace,
      labels,
      ...(template?.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      ownerReferences: [ref],
    },
    spec,
  };
}

/**
 * NodeShouldRunDaemonPod: shouldRun — a new pod may be placed (selector/affinity hold, no untolerated
 * NoSchedule/NoExecute taint); shouldContinueRunning — an existing pod may stay (no untolerated NoExecute).
 */
export function nodeShouldRun(ds: DaemonSetObject, node: Node): { shouldRun: boolean; shouldContinueRunning: boolean } {
  const name = node.metadata?.name ?? '';
  const pod: Pod = { spec: withNodeNameAffinity({ spec: ds.spec?.template?.spec ?? { containers: [] } }, name) };
  if (!podMatchesNodeSelectorAndAffinity(pod, node)) return { shouldRun: false, shouldContinueRunning: false };
  const tolerations = daemonTolerations(ds.spec?.template?.spec?.tolerations, ds.spec?.template?.spec?.hostNetwork === true);
  const taints = node.spec?.taints;
  const untoleratedNoExecute = untoleratedTaint(taints, tolerations, ['NoExecute']);
  if (untoleratedNoExecute) return { shouldRun: false, shouldContinueRunning: false };
  return { shouldRun: !untoleratedTaint(taints, tolerations, ['NoSchedule']), shouldContinueRunning: true };
}

/** controller.ComputeHash: FNV of the template (+ collision count), spelled with rand.SafeEncodeString. */
export function templateHash(ds: DaemonSetObject): string {
  const collision = ds.status?.collisionCount;
  return safeEncode(fnv32a(JSON.stringify(ds.spec?.template ?? {}) + (collision ? String(collision) : '')));
}
