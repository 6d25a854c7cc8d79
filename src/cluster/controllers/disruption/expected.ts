// How many pods a PodDisruptionBudget expects and how many must stay healthy (kube's getExpectedPodCount +
// getExpectedScale): an integer minAvailable counts the selected pods as they are; a percentage, or
// maxUnavailable, needs the scale of the pods' controllers (a Deployment through its ReplicaSet, a ReplicaSet,
// ReplicationController or StatefulSet), each counted once. Pods without a controller are "unmanaged".
import type { KObject } from '../../types/meta.ts';

export interface Scales {
  /** the controller's object by kind and ns/name, from the informers */
  get(kind: 'ReplicaSet' | 'Deployment' | 'ReplicationController' | 'StatefulSet', key: string): KObject | undefined;
}

export interface Expected {
  expectedCount: number;
  desiredHealthy: number;
  unmanagedPods: string[];
}

type IntOrString = number | string;

/** intstr.GetScaledValueFromIntOrPercent, rounding up */
export function scaledValue(v: IntOrString, total: number): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (!m) throw new Error(`invalid value for IntOrString: invalid value "${v}": must be an integer or percentage`);
  return Math.ceil((Number(m[1]) * total) / 100);
}

const replicasOf = (o: KObject) => (o.spec as { replicas?: number } | undefined)?.replicas ?? 1;

function controllerScale(pod: KObject, scales: Scales): { uid: string; scale: number } | undefined {
  const ref = pod.metadata?.ownerReferences?.find((r) => r.controller);
  if (!ref) return undefined;
  const ns = pod.metadata?.namespace ?? '';
  const key = `${ns}/${ref.name}`;
  const group = ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[0] : '';
  if (ref.kind === 'ReplicaSet' && group === 'apps') {
    const rs = scales.get('ReplicaSet', key);
    if (!rs || rs.metadata?.uid !== ref.uid) return undefined;
    const owner = rs.metadata?.ownerReferences?.find((r) => r.controller);
    if (owner?.kind === 'Deployment') {
      const d = scales.get('Deployment', `${ns}/${owner.name}`);
      return d && d.metadata?.uid === owner.uid ? { uid: owner.uid, scale: replicasOf(d) } : undefined;
    }
    return { uid: ref.uid, scale: replicasOf(rs) };
  }
  const kind = ref.kind === 'ReplicationController' && group === '' ? 'ReplicationController' : ref.kind === 'StatefulSet' && group === 'apps' ? 'StatefulSet' : undefined;
  if (!kind) return undefined;
  const o = scales.get(kind, key);
  return o && o.metadata?.uid === ref.uid ? { uid: ref.uid, scale: replicasOf(o) } : undefined;
}

/** getExpectedScale: the sum of the pods' controllers' replicas; throws when a controller cannot be found */
function expectedScale(pods: KObject[], scales: Scales): { count: number; unmanaged: string[] } {
  const seen = new Map<string, number>();
  const unmanaged: string[] = [];
  for (const pod of pods) {
    if (!pod.metadata?.ownerReferences?.some((r) => r.controller)) {
      unmanaged.push(pod.metadata?.name ?? '');
      continue;
    }
    const found = controllerScale(pod, scales);
    if (!found) throw new Error(`found no controllers for pod "${pod.metadata?.name}"`);
    seen.set(found.uid, found.scale);
  }
  let count = 0;
  for (const s of seen.values()) count += s;
  return { count, unmanaged };
}

export function expectedPods(spec: { minAvailable?: IntOrString; maxUnavailable?: IntOrString }, pods: KObject[], scales: Scales): Expected {
  if (spec.maxUnavailable !== undefined && spec.maxUnavailable !== null) {
    const { count, unmanaged } = expectedScale(pods, scales);
    const desired = count - scaledValue(spec.maxUnavailable, count);
    return { expectedCount: count, desiredHealthy: Math.max(0, desired), unmanagedPods: unmanaged };
  }
  if (spec.minAvailable !== undefined && spec.minAvailable !== null) {
    if (typeof spec.minAvailable === 'number') return { expectedCount: pods.length, desiredHealthy: spec.minAvailable, unmanagedPods: [] };
    const { count, unmanaged } = expectedScale(pods, scales);
    return { expectedCount: count, desiredHealthy: scaledValue(spec.minAvailable, count), unmanagedPods: unmanaged };
  }
  return { expectedCount: 0, desiredHealthy: 0, unmanagedPods: [] };
}
