// One pod's sync (kubelet syncPod + kuberuntime computePodActions), level-triggered: read what the runtime
// has for the pod's uid (so a restarted agent adopts what runs), then make one pass toward the spec —
// volumes, the sandbox, init containers in order (each to completion), the containers with their restart
// policy and back-off, liveness kills — and patch the status when it changed. A pod being deleted is
// stopped gracefully and then deleted for good (grace 0).
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { ContainerStatus as CriContainerStatus, RuntimeService } from '../../engine/types/runtime.ts';
import type { ApiClient, ReconcileResult } from '../client/types.ts';
import type { KObject } from '../types/meta.ts';
import { R } from '../types/gvr.ts';
import { isStatusError } from '../types/status-error.ts';
import { logger } from '../../lib/log.ts';
import { goDuration, type Backoff } from './backoff.ts';
import { A, L } from './labels.ts';
import { ContainerConfigError } from './env.ts';
import { ImageError, ensureImage } from './images.ts';
import { StartError, killContainer, specHash, startContainer, type ContainerDeps, type StartInput } from './containers.ts';
import { sandboxConfig, type DnsSettings } from './sandbox.ts';
import { VolumeError, prepareVolumes, removePodDir, writeEtcHosts } from './volumes.ts';
import { computePodStatus, restartCountOf, statusFingerprint, type ObservedPod, type Waiting } from './status.ts';
import type { Prober } from './probes.ts';
import type { EndpointDrain } from './endpoint-drain.ts';

const log = logger('kubelet');

/** what a pod's sync needs: the container deps (runtime, images, recorder, lookups) and the pod-level ones */
export interface WorkerDeps extends ContainerDeps {
  client: ApiClient;
  prober: Prober;
  restartBackoff: Backoff;
  pullBackoff: Backoff;
  pullErrors: Map<string, string>;
  nodeIP: string;
  /** <root>/pods (pod dirs) and the pods' log root */
  podsDir: string;
  logRoot: string;
  dns: DnsSettings;
  /** why containers wait, by pod uid → container name */
  waiting: Map<string, Map<string, Waiting>>;
  /** takes a deleted pod out of the Services' data path before SIGTERM (absent: no wait) */
  drain?: EndpointDrain;
}

const terminalPhase = (p: string | undefined) => p === 'Succeeded' || p === 'Failed';
const nsTime = (ns: number) => Math.floor(ns / 1e6);

/** the runtime's view of one pod: its newest sandbox and its containers by name, newest first */
export async function observePod(runtime: RuntimeService, uid: string): Promise<ObservedPod & { sandboxIds: string[]; attempt: number }> {
  const sel = { [L.podUid]: uid };
  const sandboxes = (await runtime.listPodSandbox({ labelSelector: sel })).sort((a, b) => b.createdAt - a.createdAt);
  const newest = sandboxes[0];
  let sandbox: ObservedPod['sandbox'];
  if (newest?.state === 'SANDBOX_READY') {
    const st = await runtime.podSandboxStatus(newest.id).catch(() => undefined);
    if (st?.state === 'SANDBOX_READY') sandbox = { id: newest.id, ready: true, ip: st.network.ip };
  }
  const list = await runtime.listContainers({ labelSelector: sel });
  const statuses = (await Promise.all(list.map((c) => runtime.containerStatus(c.id).catch(() => undefined)))).filter((s): s is CriContainerStatus => !!s);
  const containers = new Map<string, CriContainerStatus[]>();
  for (const s of statuses.sort((a, b) => b.createdAt - a.createdAt)) {
    const name = s.labels[L.containerName] ?? s.metadata.name;
    containers.set(name, [...(containers.get(name) ?? []), s]);
  }
  return { sandbox, containers, sandboxIds: sandboxes.map((s) => s.id), attempt: newest ? newest.metadata.attempt + 1 : 0 };
}

const graceOf = (pod: Pod) => pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;

/** stops every running container of the pod (gracefully) and its sandboxes */
export async function stopPod(d: WorkerDeps, pod: Pod, obs: Awaited<ReturnType<typeof observePod>>, graceSec: number, remove: boolean): Promise<void> {
  const running = [...obs.containers.values()].flat().filter((c) => c.state === 'CONTAINER_RUNNING');
  await Promise.all(running.map((c) => killContainer(d, pod, c, graceSec, '', obs.sandbox?.ip ?? '')));
  for (const id of obs.sandboxIds) {
    await d.runtime.stopPodSandbox(id);
    if (remove) await d.runtime.removePodSandbox(id);
  }
}

async function writeStatus(d: WorkerDeps, pod: Pod, obs: ObservedPod): Promise<Pod> {
  const uid = pod.metadata?.uid ?? '';
  await readTerminationMessages(obs);
  const status = computePodStatus({ pod, observed: obs, view: { waiting: d.waiting.get(uid) ?? new Map(), ready: readyMap(d, obs, 'readiness'), started: readyMap(d, obs, 'startup') }, hostIP: d.nodeIP, now: new Date() });
  if (statusFingerprint(status) === statusFingerprint(pod.status)) return pod;
  try {
    return await d.client.patch<Pod & KObject>(R.pods, pod.metadata?.namespace, pod.metadata?.name ?? '', 'merge', { metadata: { uid }, status }, { subresource: 'status' });
  } catch (err) {
    if (isStatusError(err, 'NotFound') || isStatusError(err, 'Conflict')) return pod;
    throw err;
  }
}

/** an exited container's message: what it wrote to its termination-log (or its log's tail, when asked) */
async function readTerminationMessages(obs: ObservedPod): Promise<void> {
  for (const cs of obs.containers.values()) {
    for (const c of cs.slice(0, 2)) {
      if (c.state !== 'CONTAINER_EXITED' || c.message) continue;
      const path = c.annotations[A.terminationMessagePath];
      const file = c.mounts.find((m) => m.containerPath === path)?.hostPath;
      let text = file ? (await readFile(file, 'utf8').catch(() => '')).slice(0, 4096) : '';
      if (!text && c.exitCode !== 0 && c.annotations[A.terminationMessagePolicy] === 'FallbackToLogsOnError') text = await logTail(c.logPath);
      if (text) c.message = text;
    }
  }
}

/** the last 80 lines (at most 2 KiB) of a CRI log, messages only */
async function logTail(path: string): Promise<string> {
  const lines = (await readFile(path, 'utf8').catch(() => '')).split('\n').filter(Boolean).slice(-80);
  return lines.map((l) => l.split(' ').slice(3).join(' ')).join('\n').slice(-2048);
}

function readyMap(d: WorkerDeps, obs: ObservedPod, kind: 'readiness' | 'startup'): Map<string, boolean> {
  const m = new Map<string, boolean>();
  for (const cs of obs.containers.values()) {
    const c = cs[0];
    if (c?.state !== 'CONTAINER_RUNNING') continue;
    const r = d.prober.result(c.id, kind);
    if (r !== undefined) m.set(c.id, r);
  }
  return m;
}

/** the kubelet fails a pod itself (DeadlineExceeded): its containers stop, its phase is Failed with the reason */
async function failPod(d: WorkerDeps, pod: Pod, obs: Awaited<ReturnType<typeof observePod>>, reason: string, message: string): Promise<void> {
  d.recorder.event(pod as KObject, 'Warning', reason, message);
  d.prober.forget(`${pod.metadata?.namespace}/${pod.metadata?.name}`);
  await stopPod(d, pod, obs, graceOf(pod), false);
  const after = await observePod(d.runtime, pod.metadata?.uid ?? '');
  const uid = pod.metadata?.uid ?? '';
  const status = computePodStatus({ pod, observed: after, view: { waiting: d.waiting.get(uid) ?? new Map(), ready: new Map(), started: new Map() }, hostIP: d.nodeIP, now: new Date() });
  try {
    await d.client.patch(R.pods, pod.metadata?.namespace, pod.metadata?.name ?? '', 'merge', { status: { ...status, phase: 'Failed', reason, message } }, { subresource: 'status' });
  } catch (err) {
    if (!isStatusError(err, 'NotFound')) throw err;
  }
}

/**
 * A running pod that is a ready endpoint waits (half its grace period at most) until the proxies have taken
 * it out, so no new connection meets a container that got SIGTERM; returns the grace period left.
 */
async function drainEndpoint(d: WorkerDeps, pod: Pod, obs: Awaited<ReturnType<typeof observePod>>): Promise<number> {
  const grace = graceOf(pod);
  const running = [...obs.containers.values()].some((cs) => cs[0]?.state === 'CONTAINER_RUNNING');
  if (!d.drain || grace <= 0 || !running) return grace;
  const r = await d.drain.drain(pod.metadata?.uid ?? '', (grace * 1000) / 2);
  if (r.outcome !== 'not-an-endpoint') log.info('endpoint drained before stopping', { pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, ...r });
  // what the wait took comes out of the grace period (as a preStop hook's time does), never all of it
  return Math.max(1, Math.floor((grace * 1000 - r.waitedMs) / 1000));
}

/** deletion: stop gracefully, clean up, then delete the object for good */
async function finishDeletion(d: WorkerDeps, pod: Pod): Promise<void> {
  const uid = pod.metadata?.uid ?? '';
  const obs = await observePod(d.runtime, uid);
  const grace = await drainEndpoint(d, pod, obs);
  d.prober.forget(`${pod.metadata?.namespace}/${pod.metadata?.name}`);
  await stopPod(d, pod, obs, grace, true);
  await removePodDir(join(d.podsDir, uid));
  d.waiting.delete(uid);
  d.restartBackoff.retain((k) => !k.startsWith(`${uid}/`));
  d.pullBackoff.retain((k) => !k.startsWith(`${uid}/`));
  for (const k of d.pullErrors.keys()) if (k.startsWith(`${uid}/`)) d.pullErrors.delete(k);
  try {
    await d.client.delete(R.pods, pod.metadata?.namespace, pod.metadata?.name ?? '', { gracePeriodSeconds: 0, preconditions: { uid } });
  } catch (err) {
    if (!isStatusError(err, 'NotFound') && !isStatusError(err, 'Conflict')) throw err;
  }
}

export async function syncPod(d: WorkerDeps, pod: Pod): Promise<ReconcileResult> {
  const uid = pod.metadata?.uid ?? '';
  const key = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
  if (pod.metadata?.deletionTimestamp) return finishDeletion(d, pod);
  let obs = await observePod(d.runtime, uid);
  if (terminalPhase(pod.status?.phase)) {
    // finished: nothing restarts; the sandbox goes (its IP is released), the status stays
    d.prober.forget(key);
    if (obs.sandbox) await stopPod(d, pod, obs, graceOf(pod), false);
    return;
  }
  // activeDeadlineSeconds: past it, everything stops and the pod fails (Jobs rely on it)
  const deadline = pod.spec?.activeDeadlineSeconds;
  // the clock starts with the pod's startTime (this sync writes it when there is none yet)
  const since = pod.status?.startTime ? Date.parse(pod.status.startTime) : Date.now();
  const deadlineLeft = deadline !== undefined ? since + deadline * 1000 - Date.now() : undefined;
  if (deadlineLeft !== undefined && deadlineLeft <= 0) return failPod(d, pod, obs, 'DeadlineExceeded', 'Pod was active on the node longer than the specified deadline');
  const waiting = d.waiting.get(uid) ?? new Map<string, Waiting>();
  d.waiting.set(uid, waiting);
  const ev = (type: 'Normal' | 'Warning', reason: string, msg: string) => d.recorder.event(pod as KObject, type, reason, msg);
  const podDir = join(d.podsDir, uid);
  // where a sync's time goes (SKIFF_LOG=debug): one line per sync that did something
  const t0 = performance.now();
  const spent: Record<string, number> = {};
  const lap = async <T>(what: string, p: Promise<T>): Promise<T> => {
    const t = performance.now();
    try { return await p; } finally { spent[what] = (spent[what] ?? 0) + Math.round(performance.now() - t); }
  };
  let volumes: Awaited<ReturnType<typeof prepareVolumes>>;
  try {
    volumes = await lap('volumes', prepareVolumes(pod, podDir, d.lookup, d.node));
  } catch (err) {
    if (!(err instanceof VolumeError)) throw err;
    ev('Warning', 'FailedMount', err.message);
    await writeStatus(d, pod, obs);
    return { requeueAfterMs: 5000 };
  }

  // the sandbox: a new one when there is none ready (its containers all start again)
  let sbConfig = await sandboxConfig(pod, Math.max(0, obs.attempt - 1), d.logRoot, d.dns);
  if (!obs.sandbox) {
    if (obs.sandboxIds.length) {
      ev('Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.');
      await stopPod(d, pod, obs, graceOf(pod), false);
    }
    sbConfig = await sandboxConfig(pod, obs.attempt, d.logRoot, d.dns);
    try {
      await lap('sandbox', d.runtime.runPodSandbox(sbConfig));
    } catch (err) {
      ev('Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${(err as Error).message}`);
      throw err;
    }
    obs = await observePod(d.runtime, uid);
    if (!obs.sandbox) throw new Error(`pod sandbox of ${key} is not ready after creation`);
  }
  const sb = obs.sandbox;
  const podIP = sb.ip;
  const etcHosts = pod.spec?.hostNetwork ? undefined : await writeEtcHosts(podDir, pod, podIP, d.dns.clusterDomain);
  // env and downward API see the pod as it is now on this node
  const live: Pod = { ...pod, status: { ...pod.status, podIP, podIPs: podIP ? [{ ip: podIP }] : [], hostIP: d.nodeIP, hostIPs: [{ ip: d.nodeIP }] } };
  const policy = pod.spec?.restartPolicy ?? 'Always';
  let requeue: number | undefined;
  const soon = (ms: number) => { requeue = requeue === undefined ? ms : Math.min(requeue, ms); };

  /** start (or restart) one container; false when it could not (its waiting reason says why) */
  async function start(spec: Container, history: CriContainerStatus[], targetId?: string): Promise<boolean> {
    const bkey = `${uid}/${spec.name}`;
    const latest = history[0];
    if (latest && latest.state === 'CONTAINER_EXITED') {
      const finished = nsTime(latest.finishedAt || latest.createdAt);
      if (d.restartBackoff.inBackoffSince(bkey, finished)) {
        const msg = `back-off ${goDuration(d.restartBackoff.delayOf(bkey))} restarting failed container=${spec.name} pod=${pod.metadata?.name}_${pod.metadata?.namespace}(${uid})`;
        if (waiting.get(spec.name)?.reason !== 'CrashLoopBackOff') ev('Warning', 'BackOff', `Back-off restarting failed container ${spec.name} in pod ${pod.metadata?.name}_${pod.metadata?.namespace}(${uid})`);
        waiting.set(spec.name, { reason: 'CrashLoopBackOff', message: msg });
        soon(d.restartBackoff.remaining(bkey, finished) + 50);
        return false;
      }
      d.restartBackoff.next(bkey, finished);
    }
    const x: StartInput = { pod: live, spec, sandboxId: sb!.id, sandboxConfig: sbConfig, restartCount: latest ? restartCountOf(latest) + 1 : 0, volumes, etcHosts, podDir, ...(targetId ? { targetId } : {}) };
    try {
      await lap('image', ensureImage(d, live, spec));
      await lap('start', startContainer(d, x, podIP));
      waiting.delete(spec.name);
      // the previous instance stays for lastState and `logs --previous`; older ones go
      for (const old of history.slice(1)) await d.runtime.removeContainer(old.id).catch((err: Error) => log.warn('removing an old container failed', { id: old.id, err: err.message }));
      return true;
    } catch (err) {
      if (err instanceof ImageError) {
        waiting.set(spec.name, { reason: err.reason, message: err.message });
        // looked at again soon: the next look shows ImagePullBackOff until the back-off has passed
        soon(2000);
      } else if (err instanceof ContainerConfigError) {
        ev('Warning', 'Failed', `Error: ${err.message}`);
        waiting.set(spec.name, { reason: 'CreateContainerConfigError', message: err.message });
        soon(10_000);
      } else if (err instanceof StartError || err instanceof VolumeError) {
        waiting.set(spec.name, { reason: err instanceof StartError ? err.reason : 'CreateContainerConfigError', message: err.message });
        if (!latest) d.restartBackoff.next(bkey, Date.now());
        soon(1000);
      } else throw err;
      return false;
    }
  }

  const needsRestart = (c: CriContainerStatus | undefined) => !c || (c.state !== 'CONTAINER_RUNNING' && (c.state === 'CONTAINER_CREATED' || policy === 'Always' || (policy === 'OnFailure' && c.exitCode !== 0)));

  // init containers, in order, each to completion
  let initialized = true;
  for (const spec of pod.spec?.initContainers ?? []) {
    const history = (obs.containers.get(spec.name) ?? []);
    const latest = history[0];
    if (latest?.state === 'CONTAINER_EXITED' && latest.exitCode === 0) continue;
    initialized = false;
    if (latest?.state === 'CONTAINER_RUNNING') break;
    if (latest?.state === 'CONTAINER_EXITED' && policy === 'Never') break; // the pod fails
    await start(spec, history);
    break;
  }

  if (initialized) {
    for (const spec of pod.spec?.containers ?? []) {
      const history = obs.containers.get(spec.name) ?? [];
      const latest = history[0];
      if (latest?.state === 'CONTAINER_RUNNING') {
        // a failed liveness or startup probe, or a changed spec: killed, then restarted by the policy below
        const failed = d.prober.result(latest.id, 'liveness') === false ? 'liveness' : d.prober.result(latest.id, 'startup') === false ? 'startup' : undefined;
        const changed = latest.annotations[A.hash] && latest.annotations[A.hash] !== specHash(spec);
        if (!failed && !changed) continue;
        await killContainer(d, pod, latest, pod.spec?.terminationGracePeriodSeconds ?? 30,
          failed ? `Container ${spec.name} failed ${failed} probe, will be restarted` : `Container ${spec.name} definition changed, will be restarted`, podIP);
        const st = await d.runtime.containerStatus(latest.id);
        history[0] = st;
      }
      if (!needsRestart(history[0])) continue;
      await start(spec, history);
    }
  }

  // ephemeral containers (kubectl debug), whatever the init containers do: each started once, never
  // restarted; one with a target joins that container's PID namespace, so it waits for it to run
  for (const eph of pod.spec?.ephemeralContainers ?? []) {
    if (obs.containers.get(eph.name)?.length) continue;
    const target = eph.targetContainerName ? obs.containers.get(eph.targetContainerName)?.[0] : undefined;
    if (eph.targetContainerName && target?.state !== 'CONTAINER_RUNNING') {
      waiting.set(eph.name, { reason: 'ContainerCreating', message: `waiting for target container "${eph.targetContainerName}" to run` });
      soon(1000);
      continue;
    }
    await start(eph as Container, [], target?.id);
  }

  if (deadlineLeft !== undefined) soon(deadlineLeft + 50);
  obs = await observePod(d.runtime, uid);
  d.prober.sync(key, [...(pod.spec?.containers ?? [])].flatMap((spec) => {
    const c = obs.containers.get(spec.name)?.[0];
    return c?.state === 'CONTAINER_RUNNING' ? [{ podKey: key, podIP, container: spec, containerId: c.id, startedMs: nsTime(c.startedAt) }] : [];
  }));
  // a container that just exited and will restart: drop a stale waiting reason so its status shows it
  for (const [name, w] of [...waiting]) if (obs.containers.get(name)?.[0]?.state === 'CONTAINER_RUNNING' && w.reason === 'CrashLoopBackOff') waiting.delete(name);
  await lap('status', writeStatus(d, pod, obs));
  if (spent.sandbox || spent.start) log.debug('pod synced', { pod: key, ms: Math.round(performance.now() - t0), ...spent });
  return requeue !== undefined ? { requeueAfterMs: requeue } : undefined;
}
