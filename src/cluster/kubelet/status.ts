// A pod's status as the kubelet writes it (kubelet_pods.go generateAPIPodStatus / getPhase), computed from
// what the runtime shows (sandbox, containers newest first) and what the pod worker knows (why a container
// waits, probe results). Pure: the worker patches the result when it differs from what the API holds.
import type { ContainerState, ContainerStatus, Pod, PodCondition, PodStatus } from 'kubernetes-types/core/v1.js';
import type { ContainerStatus as CriContainerStatus } from '../../engine/types/runtime.ts';
import { podQOSClass } from '../types/pod.ts';
import { A } from './labels.ts';

export interface ObservedSandbox { id: string; ready: boolean; ip: string }
export interface ObservedPod {
  sandbox?: ObservedSandbox;
  /** by container name, newest first */
  containers: Map<string, CriContainerStatus[]>;
}
export interface Waiting { reason: string; message: string }
export interface WorkerView {
  /** why a container waits (ErrImagePull, CrashLoopBackOff, CreateContainerConfigError, …) by name */
  waiting: Map<string, Waiting>;
  /** readiness / startup results by container id (absent: no result yet) */
  ready: Map<string, boolean>;
  started: Map<string, boolean>;
}

export const rfc3339 = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
const fromNs = (ns: number) => rfc3339(new Date(Math.floor(ns / 1e6)));
export const containerIdOf = (id: string) => `skiff://${id}`;
export const restartCountOf = (c: { annotations: Record<string, string> }) => Number(c.annotations[A.restartCount] ?? 0) || 0;

function terminated(c: CriContainerStatus): ContainerState {
  const reason = c.reason || (c.exitCode === 0 ? 'Completed' : 'Error');
  return { terminated: { exitCode: c.exitCode, reason, ...(c.message ? { message: c.message } : {}), startedAt: fromNs(c.startedAt), finishedAt: fromNs(c.finishedAt || c.createdAt), containerID: containerIdOf(c.id) } };
}

function stateOf(c: CriContainerStatus): ContainerState {
  if (c.state === 'CONTAINER_RUNNING') return { running: { startedAt: fromNs(c.startedAt) } };
  if (c.state === 'CONTAINER_EXITED') return terminated(c);
  return { waiting: { reason: 'ContainerCreating' } };
}

function containerStatus(name: string, image: string, history: CriContainerStatus[], view: WorkerView, defaultWaiting: string, hasReadiness: boolean, hasStartup: boolean): ContainerStatus {
  const [latest, previous] = history;
  const waiting = view.waiting.get(name);
  const base: ContainerStatus = { name, image, imageID: '', ready: false, restartCount: 0, started: false, state: { waiting: { reason: defaultWaiting } }, lastState: {} };
  if (!latest) return waiting ? { ...base, state: { waiting } } : base;
  const running = latest.state === 'CONTAINER_RUNNING';
  const started = running && (!hasStartup || view.started.get(latest.id) === true);
  const ready = started && (!hasReadiness || view.ready.get(latest.id) === true);
  const s: ContainerStatus = {
    name, image, imageID: latest.imageRef, containerID: containerIdOf(latest.id),
    ready, started, restartCount: restartCountOf(latest),
    state: stateOf(latest),
    lastState: previous?.state === 'CONTAINER_EXITED' ? terminated(previous) : {},
  };
  // a container the worker holds back (back-off, bad config) waits; what it ran last is its lastState
  if (waiting && !running) {
    if (latest.state === 'CONTAINER_EXITED') s.lastState = terminated(latest);
    s.state = { waiting };
  }
  return s;
}

function condition(type: string, ok: boolean, reason: string | undefined, message: string | undefined, prev: PodCondition[] | undefined, now: Date): PodCondition {
  const status = ok ? 'True' : 'False';
  const old = prev?.find((c) => c.type === type);
  const lastTransitionTime = old && old.status === status ? old.lastTransitionTime : rfc3339(now);
  return { type, status, lastTransitionTime, ...(reason ? { reason } : {}), ...(message ? { message } : {}) };
}

/** Kubernetes' getPhase over the regular containers, with the init containers' verdict. */
export function podPhase(pod: Pod, init: ContainerStatus[], main: ContainerStatus[]): PodStatus['phase'] {
  const policy = pod.spec?.restartPolicy ?? 'Always';
  const initFailed = init.some((c) => (c.state?.terminated && c.state.terminated.exitCode !== 0) || (c.state?.waiting && c.lastState?.terminated && c.lastState.terminated.exitCode !== 0));
  const initDone = init.every((c) => c.state?.terminated?.exitCode === 0);
  if (!initDone) return initFailed && policy === 'Never' ? 'Failed' : 'Pending';
  let running = 0, waiting = 0, stopped = 0, succeeded = 0;
  for (const c of main) {
    if (c.state?.running) running++;
    else if (c.state?.terminated) { stopped++; if (c.state.terminated.exitCode === 0) succeeded++; }
    else if (c.state?.waiting) { if (c.lastState?.terminated) stopped++; else waiting++; }
  }
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

export interface StatusInput { pod: Pod; observed: ObservedPod; view: WorkerView; hostIP: string; now: Date }

/** the conditions the kubelet writes; any other (PodScheduled, a readiness gate's, DisruptionTarget) it keeps */
export const kubeletConditions = new Set(['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady']);

/** why the pod's readiness gates hold Ready back (generatePodReadyCondition's messages), or undefined when open */
export function readinessGatesMessage(pod: Pod): string | undefined {
  const unready: string[] = [];
  for (const g of pod.spec?.readinessGates ?? []) {
    const c = pod.status?.conditions?.find((x) => x.type === g.conditionType);
    if (!c) unready.push(`corresponding condition of pod readiness gate "${g.conditionType}" does not exist.`);
    else if (c.status !== 'True') unready.push(`the status of pod readiness gate "${g.conditionType}" is not "True", but ${c.status}`);
  }
  return unready.length ? unready.join(', ') : undefined;
}

export function computePodStatus({ pod, observed, view, hostIP, now }: StatusInput): PodStatus {
  const prev = pod.status ?? {};
  const initSpecs = pod.spec?.initContainers ?? [];
  const mainSpecs = pod.spec?.containers ?? [];
  const init = initSpecs.map((c) => containerStatus(c.name, c.image ?? '', observed.containers.get(c.name) ?? [], view, 'PodInitializing', !!c.readinessProbe, !!c.startupProbe));
  const initialized = init.every((c) => c.state?.terminated?.exitCode === 0);
  const main = mainSpecs.map((c) => containerStatus(c.name, c.image ?? '', observed.containers.get(c.name) ?? [], view, initialized && initSpecs.length === 0 ? 'ContainerCreating' : initialized ? 'ContainerCreating' : 'PodInitializing', !!c.readinessProbe, !!c.startupProbe));
  // ephemeral containers are never ready (no probes, not part of the pod's service)
  const ephemeral = (pod.spec?.ephemeralContainers ?? []).map((c) => ({ ...containerStatus(c.name, c.image ?? '', observed.containers.get(c.name) ?? [], view, 'ContainerCreating', false, false), ready: false }));
  const phase = podPhase(pod, init, main);
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  const notReady = main.filter((c) => !c.ready).map((c) => c.name);
  const uninit = init.filter((c) => c.state?.terminated?.exitCode !== 0).map((c) => c.name);
  const completed = terminal ? 'PodCompleted' : undefined;
  const readyMsg = notReady.length ? `containers with unready status: [${notReady.join(' ')}]` : undefined;
  const conds = prev.conditions;
  const containersReady = notReady.length === 0 && !terminal;
  // Ready also waits for every readiness gate's condition (set by someone else) to be True
  const gates = containersReady ? readinessGatesMessage(pod) : undefined;
  const conditions: PodCondition[] = [
    condition('PodReadyToStartContainers', !!observed.sandbox?.ready && !terminal, undefined, undefined, conds, now),
    condition('Initialized', initialized, initialized ? completed : 'ContainersNotInitialized', initialized ? undefined : `containers with incomplete status: [${uninit.join(' ')}]`, conds, now),
    condition('Ready', containersReady && !gates, completed ?? (notReady.length ? 'ContainersNotReady' : gates ? 'ReadinessGatesNotReady' : undefined), terminal ? undefined : readyMsg ?? gates, conds, now),
    condition('ContainersReady', containersReady, completed ?? (notReady.length ? 'ContainersNotReady' : undefined), terminal ? undefined : readyMsg, conds, now),
  ];
  // the scheduler's condition, readiness gates' and the like stay as their writers left them
  for (const c of conds ?? []) if (!kubeletConditions.has(c.type)) conditions.push(c);
  // a hostNetwork pod has the node's address
  const ip = pod.spec?.hostNetwork ? hostIP : observed.sandbox?.ip || prev.podIP;
  const status: PodStatus = {
    phase,
    conditions,
    hostIP,
    hostIPs: [{ ip: hostIP }],
    startTime: prev.startTime ?? rfc3339(now),
    qosClass: podQOSClass(pod),
    containerStatuses: main,
    ...(initSpecs.length ? { initContainerStatuses: init } : {}),
    ...(ephemeral.length ? { ephemeralContainerStatuses: ephemeral } : {}),
    ...(ip ? { podIP: ip, podIPs: [{ ip }] } : {}),
  };
  return status;
}

/** the status fields the kubelet owns, for "did anything change" (conditions without their times) */
export function statusFingerprint(s: PodStatus | undefined): string {
  if (!s) return '';
  const conds = (s.conditions ?? []).map((c) => `${c.type}=${c.status}/${c.reason ?? ''}`).sort();
  return JSON.stringify([s.phase, conds, s.podIP, s.hostIP, s.qosClass, s.startTime ? 1 : 0, s.containerStatuses, s.initContainerStatuses ?? [], s.ephemeralContainerStatuses ?? []]);
}
