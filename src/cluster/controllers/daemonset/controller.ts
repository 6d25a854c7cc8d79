// The DaemonSet controller (kube-controller-manager's daemonset-controller): one pod per eligible node, made
// with a required node affinity for that node and placed by the default scheduler; a ControllerRevision per
// template; RollingUpdate (maxUnavailable) or OnDelete; status counts. Level-triggered on shared informers.
import type { Node as KNode } from 'kubernetes-types/core/v1.js';
import type { ControllerRevision } from 'kubernetes-types/apps/v1.js';
import type { Controller, ControllerContext, ReconcileResult } from '../../client/types.ts';
import { createWorkQueue, runWorkers } from '../../client/index.ts';
import type { KObject } from '../../types/meta.ts';
import { objectKey } from '../../types/meta.ts';
import { R } from '../../types/gvr.ts';
import { isStatusError } from '../../types/status-error.ts';
import { isPodAvailable, isPodReady } from '../../types/pod.ts';
import { targetNodeName } from '../../scheduler/index.ts';
import { claimObjects, controllerUidIndex, getControllerOf, newControllerRef, slowStartBatch } from '../util.ts';
import { matchesLabelSelector } from '../../types/labels.ts';
import { newDaemonPod, nodeShouldRun, revisionHashLabel, templateHash } from './pods.ts';
import type { DaemonSetObject, PodObject } from './pods.ts';
import { ensureRevision } from './revisions.ts';
import { rollingUpdateDeletions } from './rolling.ts';
import { computeStatus, statusChanged } from './status.ts';

type Node = KNode & KObject;
const byController = 'daemonset/controllerUid';
const dsKind = { apiVersion: 'apps/v1', kind: 'DaemonSet' };
/** a lost watch event must not wedge a DaemonSet (Kubernetes' ExpectationsTimeout is 5 min) */
const expectationTimeoutMs = 60_000;

interface Pending { creating: Set<string>; deleting: Set<string>; at: number }

export function createDaemonSetController(ctx: ControllerContext): Controller {
  const name = 'daemonset-controller';
  const recorder = ctx.recorder(name);
  const daemonsets = ctx.informers.informer<DaemonSetObject>(R.daemonsets);
  const pods = ctx.informers.informer<PodObject>(R.pods);
  const nodes = ctx.informers.informer<Node>(R.nodes);
  const revisions = ctx.informers.informer<ControllerRevision & KObject>(R.controllerrevisions);
  pods.addIndex(byController, controllerUidIndex);
  revisions.addIndex(byController, controllerUidIndex);
  const queue = createWorkQueue({ name });
  const pending = new Map<string, Pending>();

  const ownerKeyOf = (pod: PodObject): string | undefined => {
    const ref = getControllerOf(pod);
    return ref?.kind === 'DaemonSet' ? `${pod.metadata?.namespace}/${ref.name}` : undefined;
  };
  const observe = (pod: PodObject, gone: boolean) => {
    const key = ownerKeyOf(pod);
    if (!key) return;
    const p = pending.get(key);
    if (p) {
      if (gone) p.deleting.delete(objectKey(pod));
      else { const n = targetNodeName(pod); if (n) p.creating.delete(n); }
    }
    queue.add(key);
  };
  const enqueueAll = () => { for (const ds of daemonsets.list()) queue.add(objectKey(ds)); };

  daemonsets.on({ add: (d) => queue.add(objectKey(d)), update: (_, d) => queue.add(objectKey(d)), delete: (d) => pending.delete(objectKey(d)) });
  pods.on({ add: (p) => observe(p, false), update: (_, p) => observe(p, !!p.metadata?.deletionTimestamp), delete: (p) => observe(p, true) });
  nodes.on({
    add: enqueueAll,
    update: (a, b) => {
      if (JSON.stringify(a.metadata?.labels) !== JSON.stringify(b.metadata?.labels) || JSON.stringify(a.spec) !== JSON.stringify(b.spec)) enqueueAll();
    },
    delete: enqueueAll,
  });

  const settled = (key: string) => {
    const p = pending.get(key);
    if (!p) return true;
    if ((p.creating.size === 0 && p.deleting.size === 0) || Date.now() - p.at > expectationTimeoutMs) {
      pending.delete(key);
      return true;
    }
    return false;
  };

  async function deletePods(ds: DaemonSetObject, key: string, victims: PodObject[]) {
    if (victims.length === 0) return;
    const p = pending.get(key) ?? { creating: new Set(), deleting: new Set(), at: Date.now() };
    for (const v of victims) p.deleting.add(objectKey(v));
    pending.set(key, p);
    let firstError: unknown;
    await Promise.all(victims.map(async (v) => {
      try {
        await ctx.client.delete(R.pods, v.metadata?.namespace, v.metadata?.name ?? '', { preconditions: { uid: v.metadata?.uid } });
        recorder.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${v.metadata?.name}`);
      } catch (err) {
        p.deleting.delete(objectKey(v));
        if (isStatusError(err, 'NotFound')) return;
        recorder.event(ds, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`);
        firstError ??= err;
      }
    }));
    if (firstError) throw firstError;
  }

  async function createPods(ds: DaemonSetObject, key: string, nodeNames: string[], hash: string) {
    if (nodeNames.length === 0) return;
    const p = pending.get(key) ?? { creating: new Set(), deleting: new Set(), at: Date.now() };
    for (const n of nodeNames) p.creating.add(n);
    pending.set(key, p);
    const ref = newControllerRef(ds, dsKind);
    const queueOfNodes = [...nodeNames];
    const result = await slowStartBatch(nodeNames.length, 1, async () => {
      const nodeName = queueOfNodes.shift()!;
      try {
        const pod = await ctx.client.create<PodObject>(R.pods, ds.metadata?.namespace, newDaemonPod(ds, nodeName, hash, ref));
        recorder.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata?.name}`);
      } catch (err) {
        p.creating.delete(nodeName);
        recorder.event(ds, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
        throw err;
      }
    });
    for (const n of queueOfNodes) p.creating.delete(n); // the batches stopped early: never sent
    if (result.error) throw result.error;
  }

  /** our pods, plus orphans the selector matches (adopted), minus pods that no longer match (released) */
  async function claimPods(ds: DaemonSetObject): Promise<PodObject[]> {
    const ns = ds.metadata?.namespace ?? '';
    const candidates = [...pods.byIndex(byController, ds.metadata?.uid ?? ''), ...pods.byIndex(byController, `orphan/${ns}`)];
    return claimObjects(candidates, {
      client: ctx.client, resource: R.pods, owner: ds, ownerKind: dsKind,
      matches: (p) => matchesLabelSelector(ds.spec?.selector, p.metadata?.labels),
      async canAdopt() {
        const fresh = await ctx.client.get(R.daemonsets, ns, ds.metadata?.name ?? '');
        return fresh.metadata?.uid === ds.metadata?.uid && !fresh.metadata?.deletionTimestamp;
      },
    });
  }

  async function reconcile(key: string): Promise<ReconcileResult> {
    const ds = daemonsets.get(key);
    if (!ds || ds.metadata?.deletionTimestamp) return;
    const now = ctx.now();
    const hash = templateHash(ds);
    const owned = (await claimPods(ds)).filter((p) => !p.metadata?.deletionTimestamp);
    const hashesInUse = new Set(owned.map((p) => p.metadata?.labels?.[revisionHashLabel] ?? ''));
    await ensureRevision(ctx.client, ds, hash, revisions.byIndex(byController, ds.metadata?.uid ?? ''), hashesInUse);
    const byNode = new Map<string, PodObject[]>();
    for (const pod of owned) {
      const n = targetNodeName(pod) ?? '';
      byNode.set(n, [...(byNode.get(n) ?? []), pod]);
    }
    const allNodes = nodes.list();
    const eligible = new Map(allNodes.map((n) => [n.metadata?.name ?? '', nodeShouldRun(ds, n)]));
    const minReady = ds.spec?.minReadySeconds ?? 0;

    let requeue: number | undefined;
    if (settled(key)) {
      const toCreate: string[] = [];
      const toDelete: PodObject[] = [];
      for (const [nodeName, verdict] of eligible) {
        const here = byNode.get(nodeName) ?? [];
        if (verdict.shouldRun && here.length === 0) toCreate.push(nodeName);
        else if (!verdict.shouldContinueRunning) toDelete.push(...here);
        else {
          const failed = here.filter((p) => p.status?.phase === 'Failed');
          for (const f of failed) recorder.event(ds, 'Warning', 'FailedDaemonPod', `Found failed daemon pod ${objectKey(f)} on node ${nodeName}, will try to kill it`);
          toDelete.push(...failed);
          const alive = here.filter((p) => p.status?.phase !== 'Failed')
            .sort((a, b) => Number(b.metadata?.labels?.[revisionHashLabel] === hash) - Number(a.metadata?.labels?.[revisionHashLabel] === hash) ||
              Date.parse(a.metadata?.creationTimestamp ?? '') - Date.parse(b.metadata?.creationTimestamp ?? ''));
          toDelete.push(...alive.slice(1)); // one daemon pod per node: keep the updated, then the oldest
        }
      }
      for (const [nodeName, here] of byNode) if (!eligible.has(nodeName)) toDelete.push(...here); // node gone
      if (toDelete.length === 0 && toCreate.length === 0 && (ds.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') {
        const desired = [...eligible.values()].filter((v) => v.shouldRun).length;
        const r = rollingUpdateDeletions(ds, byNode, eligible, hash, desired, now);
        toDelete.push(...r.deletions);
        requeue = r.recheckMs;
      }
      await deletePods(ds, key, toDelete);
      await createPods(ds, key, toCreate, hash);
    }

    const status = computeStatus(ds, byNode, eligible, hash, (p) => isPodReady(p), (p) => isPodAvailable(p, minReady, now));
    if (statusChanged(ds, status)) {
      try {
        await ctx.client.update(R.daemonsets, ds.metadata?.namespace, { ...ds, status }, { subresource: 'status' });
      } catch (err) {
        if (!isStatusError(err, 'NotFound')) throw err;
      }
    }
    // pods that turn available only with time (minReadySeconds) need another look
    if (minReady > 0 && (status.numberAvailable ?? 0) < (status.numberReady ?? 0)) requeue = Math.min(requeue ?? Infinity, minReady * 1000);
    return requeue !== undefined && Number.isFinite(requeue) ? { requeueAfterMs: requeue } : undefined;
  }

  return {
    name,
    async run(signal) {
      try {
        await ctx.informers.waitForSync(signal);
      } catch {
        return;
      }
      await runWorkers(queue, 2, reconcile, signal, name);
    },
  };
}
