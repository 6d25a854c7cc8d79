// Node health as the node lifecycle controller judges it: the last heartbeat, the conditions to write when a
// kubelet goes quiet, and the not-ready/unreachable taints that follow the Ready condition.
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, NodeCondition, Taint } from 'kubernetes-types/core/v1.js';
import { taintKeys } from '../../scheduler/index.ts';

export const unknownReason = 'NodeStatusUnknown';
export const unknownMessage = 'Kubelet stopped posting node status.';

const ms = (t: string | undefined) => (t ? Date.parse(t) : NaN);

/** The later of the Lease's renewTime and the Ready condition's lastHeartbeatTime; a node never heard from counts from its creation. */
export function lastHeartbeat(node: Node, lease: Lease | undefined): number {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  const times = [ms(lease?.spec?.renewTime), ms(ready?.lastHeartbeatTime)].filter((t) => Number.isFinite(t));
  if (times.length) return Math.max(...times);
  const created = ms(node.metadata?.creationTimestamp);
  return Number.isFinite(created) ? created : 0;
}

/** The conditions to write when the kubelet stopped posting: every condition Unknown (Ready added if missing). */
export function unknownConditions(node: Node, now: string): NodeCondition[] | undefined {
  const conditions = node.status?.conditions ?? [];
  const out: NodeCondition[] = [];
  for (const c of conditions) {
    if (c.status === 'Unknown') continue;
    out.push({ ...c, status: 'Unknown', reason: unknownReason, message: unknownMessage, lastTransitionTime: now });
  }
  if (!conditions.some((c) => c.type === 'Ready')) {
    out.push({ type: 'Ready', status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.', lastHeartbeatTime: now, lastTransitionTime: now });
  }
  return out.length ? out : undefined;
}

export type Health = 'ready' | 'not-ready' | 'unreachable';

/**
 * What the taints should say. A quiet node is unreachable. A node heard from follows its Ready condition,
 * except an Unknown we wrote ourselves: the heartbeat is back, and the kubelet will correct the condition.
 */
export function judgeHealth(node: Node, stale: boolean): Health {
  if (stale) return 'unreachable';
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  if (!ready || ready.status === 'True') return 'ready';
  if (ready.status === 'False') return 'not-ready';
  return ready.reason === unknownReason || ready.reason === 'NodeStatusNeverUpdated' ? 'ready' : 'unreachable';
}

const ours = (t: Taint) => t.key === taintKeys.notReady || t.key === taintKeys.unreachable;

/** The node's taints with ours set for the given health (keeping timeAdded of a taint that stays); undefined when nothing changes. */
export function taintsFor(node: Node, health: Health, now: string): Taint[] | undefined {
  const current = node.spec?.taints ?? [];
  const key = health === 'not-ready' ? taintKeys.notReady : health === 'unreachable' ? taintKeys.unreachable : undefined;
  const wanted: Taint[] = key
    ? ['NoSchedule', 'NoExecute'].map((effect) => {
        const existing = current.find((t) => t.key === key && t.effect === effect);
        return existing ?? (effect === 'NoExecute' ? { key, effect, timeAdded: now } : { key, effect });
      })
    : [];
  const mine = current.filter(ours);
  const same = mine.length === wanted.length && wanted.every((w) => mine.includes(w));
  if (same) return undefined;
  return [...current.filter((t) => !ours(t)), ...wanted];
}
