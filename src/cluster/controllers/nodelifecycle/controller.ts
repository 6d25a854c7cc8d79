// The node lifecycle controller (kube-controller-manager's node-lifecycle-controller + taint-eviction-controller
// + the orphan part of pod GC). Every monitor period each node is reconciled: no heartbeat for the grace
// period → its conditions go Unknown, it gets the unreachable taints, its pods are marked not Ready and then
// evicted by the NoExecute taint, and the owners replace them elsewhere. Heartbeats back → taints removed.
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node as KNode, Pod as KPod, Taint } from 'kubernetes-types/core/v1.js';
import type { Controller, ControllerContext, ReconcileResult } from '../../client/types.ts';
import { createWorkQueue, runWorkers } from '../../client/index.ts';
import type { KObject } from '../../types/meta.ts';
import { objectKey } from '../../types/meta.ts';
import { R } from '../../types/gvr.ts';
import { isStatusError } from '../../types/status-error.ts';
import { getPodCondition } from '../../types/pod.ts';
import { logger } from '../../../lib/log.ts';
import { judgeHealth, lastHeartbeat, taintsFor, unknownConditions } from './health.ts';
import type { Health } from './health.ts';
import { evictionVerdict } from './eviction.ts';

type Node = KNode & KObject;
type Pod = KPod & KObject;

export interface NodeLifecycleOptions {
  /** no heartbeat for this long → the node is unreachable (kube: node-monitor-grace-period, 40 s) */
  gracePeriodMs?: number;
  /** how often every node is checked (kube: node-monitor-period, 5 s) */
  monitorPeriodMs?: number;
}

const byNode = 'nodelifecycle/nodeName';
const stamp = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function createNodeLifecycleController(ctx: ControllerContext, opts: NodeLifecycleOptions = {}): Controller {
  const grace = opts.gracePeriodMs ?? 40_000;
  const period = opts.monitorPeriodMs ?? 5_000;
  const name = 'node-lifecycle-controller';
  const log = logger(name);
  const nodeEvents = ctx.recorder('node-controller');
  const evictionEvents = ctx.recorder('taint-eviction-controller');
  const nodes = ctx.informers.informer<Node>(R.nodes);
  const leases = ctx.informers.informer<Lease & KObject>(R.leases);
  const pods = ctx.informers.informer<Pod>(R.pods);
  pods.addIndex(byNode, (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []));
  const queue = createWorkQueue({ name });
  /** when we first saw a NoExecute taint without timeAdded: `node/key` → ms */
  const firstSeen = new Map<string, number>();
  const health = new Map<string, Health>();

  const now = () => ctx.now().getTime();
  const needsAttention = (nodeName: string) => {
    const node = nodes.get(nodeName);
    return !node || health.get(nodeName) === 'unreachable' || !!node.spec?.taints?.some((t) => t.effect === 'NoExecute');
  };

  nodes.on({ add: (n) => queue.add(objectKey(n)), update: (_, n) => queue.add(objectKey(n)), delete: (n) => health.delete(objectKey(n)) });
  pods.on({
    add: (p) => { if (p.spec?.nodeName && needsAttention(p.spec.nodeName)) queue.add(p.spec.nodeName); },
    update: (_, p) => { if (p.spec?.nodeName && needsAttention(p.spec.nodeName)) queue.add(p.spec.nodeName); },
  });

  async function reconcileNode(nodeName: string): Promise<ReconcileResult> {
    let node = nodes.get(nodeName);
    if (!node) return;
    const t = now();
    const beat = lastHeartbeat(node, leases.get(`kube-node-lease/${nodeName}`));
    const stale = t - beat > grace;
    const was = health.get(nodeName);
    const verdict = judgeHealth(node, stale);
    if (stale) node = await markUnknown(node, t);
    const taints = taintsFor(node, verdict, stamp(t));
    if (taints) {
      await ctx.client.patch(R.nodes, undefined, nodeName, 'merge', { metadata: { resourceVersion: node.metadata?.resourceVersion }, spec: { taints } });
    }
    health.set(nodeName, verdict);
    if (was && was !== 'ready' && verdict === 'ready') nodeEvents.event(node, 'Normal', 'NodeReady', `Node ${nodeName} status is now: NodeReady`);
    const effective = taints ?? node.spec?.taints ?? [];
    let next = stale ? Infinity : beat + grace - t + 1; // when it would turn stale
    const podsHere = pods.byIndex(byNode, nodeName);
    for (const pod of podsHere) {
      const at = await evictIfDue(nodeName, pod, effective, t, stale);
      if (at !== undefined) next = Math.min(next, at - t);
    }
    if (!effective.some((x) => x.effect === 'NoExecute')) for (const k of firstSeen.keys()) if (k.startsWith(`${nodeName}/`)) firstSeen.delete(k);
    return Number.isFinite(next) ? { requeueAfterMs: Math.max(10, Math.min(next, period)) } : undefined;
  }

  /** conditions Unknown (status update), NodeNotReady event, and every pod there not Ready (MarkPodsNotReady) */
  async function markUnknown(node: Node, t: number): Promise<Node> {
    const nodeName = node.metadata?.name ?? '';
    const conditions = unknownConditions(node, stamp(t));
    if (conditions) {
      node = await ctx.client.patch<Node>(R.nodes, undefined, nodeName, 'strategic', { status: { conditions } }, { subresource: 'status' });
      nodeEvents.event(node, 'Normal', 'NodeNotReady', `Node ${nodeName} status is now: NodeNotReady`);
      log.info('node stopped posting status', { node: nodeName });
    }
    for (const pod of pods.byIndex(byNode, nodeName)) {
      const ready = getPodCondition(pod.status, 'Ready');
      if (!ready || ready.status === 'False') continue;
      try {
        await ctx.client.patch(R.pods, pod.metadata?.namespace, pod.metadata?.name ?? '', 'strategic',
          { status: { conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: stamp(t) }] } }, { subresource: 'status' });
        nodeEvents.event(pod, 'Warning', 'NodeNotReady', 'Node is not ready');
      } catch (err) {
        if (!isStatusError(err, 'NotFound')) throw err;
      }
    }
    return node;
  }

  /** deletes the pod when its NoExecute taints say so, or force-deletes it when stuck terminating on a dead node; returns the next deadline */
  async function evictIfDue(nodeName: string, pod: Pod, taints: Taint[], t: number, stale: boolean): Promise<number | undefined> {
    const ns = pod.metadata?.namespace;
    const podName = pod.metadata?.name ?? '';
    const deleting = pod.metadata?.deletionTimestamp;
    if (deleting) {
      // Kubernetes leaves these Terminating until the node is declared out-of-service; skiff force-deletes
      // once the grace period has passed, so a dead node never keeps its pods Terminating forever.
      if (!stale) return undefined;
      const due = Date.parse(deleting);
      if (t < due) return due;
      await forceDelete(pod, 'its node is unreachable and the termination grace period has passed');
      return undefined;
    }
    const since = (taint: Taint) => {
      if (taint.timeAdded) return Date.parse(taint.timeAdded);
      const k = `${nodeName}/${taint.key}/${taint.effect}`;
      if (!firstSeen.has(k)) firstSeen.set(k, t);
      return firstSeen.get(k)!;
    };
    const verdict = evictionVerdict(pod, taints, since);
    if (!verdict.evict) return undefined;
    if (t < verdict.at) return verdict.at;
    evictionEvents.event(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${ns}/${podName}`);
    try {
      await ctx.client.delete(R.pods, ns, podName, { preconditions: { uid: pod.metadata?.uid } });
    } catch (err) {
      if (!isStatusError(err, 'NotFound') && !isStatusError(err, 'Conflict')) throw err;
    }
    return undefined;
  }

  async function forceDelete(pod: Pod, why: string) {
    log.info('force-deleting pod', { pod: objectKey(pod), why });
    try {
      await ctx.client.delete(R.pods, pod.metadata?.namespace, pod.metadata?.name ?? '', { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata?.uid } });
    } catch (err) {
      if (!isStatusError(err, 'NotFound') && !isStatusError(err, 'Conflict')) log.warn('force delete failed', { pod: objectKey(pod), err: (err as Error).message });
    }
  }

  /** pod GC: pods bound to a node that does not exist (confirmed with the API server, not just the cache) */
  async function collectOrphans() {
    const missing = new Map<string, boolean>();
    for (const pod of pods.list()) {
      const nodeName = pod.spec?.nodeName;
      if (!nodeName || nodes.get(nodeName)) continue;
      if (!missing.has(nodeName)) {
        try {
          await ctx.client.get(R.nodes, undefined, nodeName);
          missing.set(nodeName, false);
        } catch (err) {
          missing.set(nodeName, isStatusError(err, 'NotFound'));
        }
      }
      if (missing.get(nodeName)) await forceDelete(pod, `node ${nodeName} does not exist`);
    }
  }

  function monitorPass() {
    for (const node of nodes.list()) queue.add(objectKey(node));
    collectOrphans().catch((err: unknown) => log.warn('pod GC failed', { err: (err as Error).message }));
  }

  return {
    name,
    async run(signal) {
      try {
        await ctx.informers.waitForSync(signal);
      } catch {
        return;
      }
      const timer = setInterval(monitorPass, period);
      monitorPass();
      try {
        await runWorkers(queue, 2, reconcileNode, signal, name);
      } finally {
        clearInterval(timer);
      }
    },
  };
}
