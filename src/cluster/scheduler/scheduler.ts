// The scheduler loop (kube-scheduler's scheduling queue + scheduleOne + async binding). Pending pods wait in
// an active FIFO; each decision is synchronous over the cache, the pod is *assumed* onto the chosen node at
// once (so the next decision sees its requests) and the Binding is written asynchronously with a bounded
// number in flight. Pods that fit nowhere get PodScheduled=False and a FailedScheduling event and wait in an
// unschedulable set until the cluster changes (a node added or changed, a bound pod gone) or ~10 s pass.
import type { Node as KNode, PersistentVolume, PersistentVolumeClaim, Pod as KPod } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import type { Controller, ControllerContext } from '../client/types.ts';
import { R } from '../types/gvr.ts';
import { objectKey, splitKey } from '../types/meta.ts';
import type { KObject } from '../types/meta.ts';
import { isStatusError } from '../types/status-error.ts';
import { getPodCondition, isPodTerminal } from '../types/pod.ts';
import { logger } from '../../lib/log.ts';
import { createSchedulerCache, podFacts } from './cache.ts';
import { createDecider } from './decide.ts';
import { schedulingInfo, unschedulableMessage } from './plugins.ts';
import { podVolumes, volumesFitNode, type VolumeListers } from './volumes.ts';
import { STORAGE } from '../types/storage.ts';

export interface SchedulerOptions {
  /** the spec.schedulerName this scheduler serves, and the event source (default 'default-scheduler') */
  name?: string;
  /** Bindings in flight at once (default 512: with group commit, a turn's binds share one store commit) */
  bindConcurrency?: number;
  /** first retry delay of a pod after a failure; doubles per attempt (kube-scheduler: 1 s) */
  initialBackoffMs?: number;
  /** cap of that delay (kube-scheduler: 10 s) */
  maxBackoffMs?: number;
  /** unschedulable pods are retried at least this often even if nothing changed (default 10 s) */
  retryUnschedulableMs?: number;
}

type Pod = KPod & KObject;

/** decisions (and so Bindings started) per event-loop turn: the binds of a turn are answered together after its
 * store commit, so a bigger batch is more throughput for a longer turn (every request's latency) */
const decisionsPerTurn = 128;
type Node = KNode & KObject;

interface Waiting { at: number; attempts: number; move: boolean }

/** A node change that can make a pending pod fit (heartbeats alone cannot). */
function nodeChangeMatters(a: Node, b: Node): boolean {
  return JSON.stringify(a.spec) !== JSON.stringify(b.spec) ||
    JSON.stringify(a.metadata?.labels) !== JSON.stringify(b.metadata?.labels) ||
    JSON.stringify(a.status?.allocatable) !== JSON.stringify(b.status?.allocatable);
}

export function createScheduler(ctx: ControllerContext, opts: SchedulerOptions = {}): Controller {
  const name = opts.name ?? 'default-scheduler';
  const maxInflight = Math.max(1, opts.bindConcurrency ?? 512);
  const initialBackoff = opts.initialBackoffMs ?? 1000;
  const maxBackoff = opts.maxBackoffMs ?? 10_000;
  const retryMs = opts.retryUnschedulableMs ?? 10_000;
  const log = logger(name);
  const recorder = ctx.recorder(name);
  const pods = ctx.informers.informer<Pod>(R.pods);
  const nodes = ctx.informers.informer<Node>(R.nodes);
  const claims = ctx.informers.informer<PersistentVolumeClaim & KObject>(R.persistentvolumeclaims);
  const volumes = ctx.informers.informer<PersistentVolume & KObject>(R.persistentvolumes);
  const classes = ctx.informers.informer<StorageClass & KObject>(R.storageclasses);
  const listers: VolumeListers = {
    claim: (ns, n) => claims.get(`${ns}/${n}`), volume: (n) => volumes.get(n), volumes: () => volumes.list(), storageClass: (n) => classes.get(n),
  };
  const cache = createSchedulerCache();
  const decider = createDecider();

  let active: string[] = [];
  let head = 0;
  const queued = new Set<string>();
  const unschedulable = new Map<string, Waiting>();
  const failures = new Map<string, number>(); // consecutive failed attempts per pod
  const retryTimers = new Map<string, NodeJS.Timeout>();
  let inflight = 0;
  let running = false;
  let pumpScheduled = false;
  let onIdle: (() => void) | undefined;

  const backoffMs = (attempts: number) => Math.min(maxBackoff, initialBackoff * 2 ** Math.max(0, Math.min(attempts - 1, 20)));
  const isPending = (pod: Pod) =>
    !pod.spec?.nodeName && (pod.spec?.schedulerName || 'default-scheduler') === name && !pod.metadata?.deletionTimestamp && !isPodTerminal(pod);

  function enqueue(key: string) {
    if (queued.has(key)) return;
    queued.add(key);
    active.push(key);
    pump();
  }

  function dropPending(key: string) {
    unschedulable.delete(key);
    failures.delete(key);
    const t = retryTimers.get(key);
    if (t) clearTimeout(t);
    retryTimers.delete(key);
  }

  /** the cluster changed: every unschedulable pod may try again once its back-off allows */
  function moveAllUnschedulable() {
    for (const w of unschedulable.values()) w.move = true;
  }

  function flushUnschedulable() {
    const t = Date.now();
    for (const [key, w] of unschedulable) {
      const elapsed = t - w.at;
      if ((w.move && elapsed >= backoffMs(w.attempts)) || elapsed >= retryMs) {
        unschedulable.delete(key);
        enqueue(key);
      }
    }
  }

  function retryLater(key: string) {
    const attempts = (failures.get(key) ?? 0) + 1;
    failures.set(key, attempts);
    clearTimeout(retryTimers.get(key));
    const timer = setTimeout(() => {
      retryTimers.delete(key);
      enqueue(key);
    }, backoffMs(attempts));
    timer.unref();
    retryTimers.set(key, timer);
  }

  pods.on({
    add(pod) {
      if (pod.spec?.nodeName) cache.upsertPod(pod);
      else if (isPending(pod)) enqueue(objectKey(pod));
    },
    update(old, pod) {
      const key = objectKey(pod);
      if (pod.spec?.nodeName || old.spec?.nodeName) {
        cache.upsertPod(pod);
        if (pod.spec?.nodeName) dropPending(key);
        if (old.spec?.nodeName && isPodTerminal(pod) && !isPodTerminal(old)) moveAllUnschedulable();
        return;
      }
      if (!isPending(pod)) return dropPending(key);
      const waiting = unschedulable.get(key);
      if (!waiting) return enqueue(key);
      // our own status patch comes back as an update: only a changed spec or labels deserve a new attempt
      if (JSON.stringify(old.spec) !== JSON.stringify(pod.spec) || JSON.stringify(old.metadata?.labels) !== JSON.stringify(pod.metadata?.labels)) waiting.move = true;
    },
    delete(pod) {
      cache.removePod(pod);
      dropPending(objectKey(pod));
      if (pod.spec?.nodeName) moveAllUnschedulable();
    },
  });

  nodes.on({
    add(node) {
      cache.setNode(node);
      moveAllUnschedulable();
    },
    update(old, node) {
      cache.setNode(node);
      if (nodeChangeMatters(old, node)) moveAllUnschedulable();
    },
    delete(node) {
      cache.removeNode(node.metadata?.name ?? '');
    },
  });

  // a claim made, bound or a volume freed can make a waiting pod fit
  claims.on({ add: moveAllUnschedulable, update: moveAllUnschedulable });
  volumes.on({ add: moveAllUnschedulable, update: moveAllUnschedulable });
  classes.on({ add: moveAllUnschedulable });

  function pump() {
    if (!running || pumpScheduled) return;
    pumpScheduled = true;
    setImmediate(runBatch);
  }

  /** decides for a batch of pods synchronously, then yields so informer events and bind replies get in */
  function runBatch() {
    pumpScheduled = false;
    let done = 0;
    while (running && inflight < maxInflight && head < active.length && done < decisionsPerTurn) {
      const key = active[head++];
      queued.delete(key);
      scheduleOne(key);
      done++;
    }
    if (head > 4096 && head * 2 > active.length) {
      active = active.slice(head);
      head = 0;
    }
    if (head < active.length && inflight < maxInflight) pump();
    if (inflight === 0) onIdle?.();
  }

  function scheduleOne(key: string) {
    const pod = pods.get(key);
    if (!pod || !isPending(pod) || cache.isAssumed(key)) return;
    let facts;
    try {
      facts = podFacts(pod);
    } catch (err) {
      recorder.event(pod, 'Warning', 'FailedScheduling', `running PreFilter plugin "NodeResourcesFit": ${(err as Error).message}`);
      return retryLater(key);
    }
    const info = schedulingInfo(pod, facts);
    const vols = podVolumes(pod, listers);
    if (vols?.refused !== undefined) {
      const n = cache.nodes().length;
      return markUnschedulable(pod, `0/${n} nodes are available: ${vols.refused}. preemption: 0/${n} nodes are available: ${n} Preemption is not helpful for scheduling.`);
    }
    if (vols) info.volumesFit = (n) => volumesFitNode(vols, n.node, listers);
    const decision = decider.decide(info, cache.nodes());
    if (decision.node === undefined) {
      const message = unschedulableMessage(decision.nodeCount, decision.failures);
      return markUnschedulable(pod, message);
    }
    cache.assume(facts, decision.node);
    bind(pod, decision.node, vols?.delayed ?? []);
  }

  /** PreBind: claims that wait for their first consumer learn the node (the PV controller and provisioner take it from there) */
  async function selectNode(claimsToMark: PersistentVolumeClaim[], node: string): Promise<void> {
    for (const c of claimsToMark) {
      if (c.metadata?.annotations?.[STORAGE.selectedNode] === node) continue;
      await ctx.client.patch(R.persistentvolumeclaims, c.metadata?.namespace, c.metadata?.name ?? '', 'merge', { metadata: { annotations: { [STORAGE.selectedNode]: node } } });
    }
  }

  function markUnschedulable(pod: Pod, message: string) {
    const key = objectKey(pod);
    const prev = unschedulable.get(key);
    unschedulable.set(key, { at: Date.now(), attempts: (prev?.attempts ?? 0) + 1, move: false });
    recorder.event(pod, 'Warning', 'FailedScheduling', message);
    const cond = getPodCondition(pod.status, 'PodScheduled');
    if (cond?.status === 'False' && cond.reason === 'Unschedulable' && cond.message === message) return;
    const condition = {
      type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message, lastProbeTime: null,
      lastTransitionTime: cond?.status === 'False' && cond.lastTransitionTime ? cond.lastTransitionTime : ctx.now().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
    ctx.client.patch(R.pods, pod.metadata?.namespace, pod.metadata?.name ?? '', 'strategic', { status: { conditions: [condition] } }, { subresource: 'status' })
      .catch((err: unknown) => { if (!isStatusError(err, 'NotFound')) log.warn('could not set PodScheduled', { pod: key, err: (err as Error).message }); });
  }

  function bind(pod: Pod, node: string, delayedClaims: PersistentVolumeClaim[]) {
    const key = objectKey(pod);
    const { namespace, name: podName } = splitKey(key);
    const binding = { apiVersion: 'v1', kind: 'Binding', metadata: { name: podName, namespace, uid: pod.metadata?.uid }, target: { apiVersion: 'v1', kind: 'Node', name: node } };
    inflight++;
    const prebind = delayedClaims.length ? selectNode(delayedClaims, node) : Promise.resolve();
    prebind.then(() => ctx.client.create(R.pods, namespace, binding, { subresource: 'binding', name: podName })).then(
      () => {
        failures.delete(key);
        recorder.event(pod, 'Normal', 'Scheduled', `Successfully assigned ${key} to ${node}`);
      },
      (err: unknown) => {
        cache.forget(key);
        if (isStatusError(err, 'NotFound') || (isStatusError(err, 'Conflict') && /already assigned/.test(err.message))) return;
        log.warn('binding failed, will retry', { pod: key, node, err: (err as Error).message });
        recorder.event(pod, 'Warning', 'FailedScheduling', `Binding rejected: ${(err as Error).message}`);
        retryLater(key);
      },
    ).finally(() => {
      inflight--;
      pump();
      if (inflight === 0 && head >= active.length) onIdle?.();
    });
  }

  return {
    name,
    async run(signal) {
      try {
        await ctx.informers.waitForSync(signal);
      } catch {
        return;
      }
      if (signal.aborted) return;
      running = true;
      pump();
      const tick = setInterval(flushUnschedulable, Math.min(250, initialBackoff));
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      running = false;
      clearInterval(tick);
      for (const t of retryTimers.values()) clearTimeout(t);
      retryTimers.clear();
      // let the Bindings already sent finish, so a restart does not see half-made decisions
      if (inflight > 0) await new Promise<void>((resolve) => { onIdle = resolve; setTimeout(resolve, 5000).unref(); });
    },
  };
}
