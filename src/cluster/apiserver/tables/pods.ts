// The pod printer (kube's printPod): READY counts ready containers (plus started sidecar init containers),
// STATUS is the reason logic kubectl users know (Init:0/1, ContainerCreating, CrashLoopBackOff, Completed,
// Terminating, …), RESTARTS shows `N (5m ago)` after a restart.
import type { Container, ContainerStatus, Pod } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../../types/meta.ts';
import type { Printer } from './types.ts';
import { ageColumn, col, nameColumn, since } from './format.ts';

const isSidecar = (c: Container | undefined) => c?.restartPolicy === 'Always';

const later = (a: string | undefined, b: string | undefined) => (!a ? b : !b ? a : Date.parse(b) > Date.parse(a) ? b : a);

/** The container-derived reason; also counts restarts and ready containers */
function podState(pod: Pod): { reason: string; ready: number; total: number; restarts: number; lastRestart?: string } {
  const spec = pod.spec ?? { containers: [] };
  const status = pod.status ?? {};
  let reason = status.reason || status.phase || '';
  if ((status.conditions ?? []).some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) reason = 'SchedulingGated';
  const initContainers = new Map((spec.initContainers ?? []).map((c) => [c.name, c]));
  let total = (spec.containers ?? []).length + (spec.initContainers ?? []).filter(isSidecar).length;
  let ready = 0;
  let restarts = 0;
  let sidecarRestarts = 0;
  let lastRestart: string | undefined;
  let lastSidecarRestart: string | undefined;
  let initializing = false;
  const initStatuses: ContainerStatus[] = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i];
    restarts += c.restartCount ?? 0;
    const finished = c.lastState?.terminated?.finishedAt;
    lastRestart = later(lastRestart, finished);
    const sidecar = isSidecar(initContainers.get(c.name));
    if (sidecar) {
      sidecarRestarts += c.restartCount ?? 0;
      lastSidecarRestart = later(lastSidecarRestart, finished);
    }
    const term = c.state?.terminated;
    if (term && term.exitCode === 0) continue;
    if (sidecar && c.started) {
      if (c.ready) ready++;
      continue;
    }
    if (term) reason = term.reason ? `Init:${term.reason}` : term.signal ? `Init:Signal:${term.signal}` : `Init:ExitCode:${term.exitCode}`;
    else if (c.state?.waiting?.reason && c.state.waiting.reason !== 'PodInitializing') reason = `Init:${c.state.waiting.reason}`;
    else reason = `Init:${i}/${(spec.initContainers ?? []).length}`;
    initializing = true;
    break;
  }
  const initialized = (status.conditions ?? []).some((c) => c.type === 'Initialized' && c.status === 'True');
  if (!initializing || initialized) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      restarts += c.restartCount ?? 0;
      lastRestart = later(lastRestart, c.lastState?.terminated?.finishedAt);
      const term = c.state?.terminated;
      if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
      else if (term?.reason) reason = term.reason;
      else if (term) reason = term.signal ? `Signal:${term.signal}` : `ExitCode:${term.exitCode}`;
      else if (c.ready && c.state?.running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      reason = (status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True') ? 'Running' : 'NotReady';
    }
  }
  const terminal = status.phase === 'Succeeded' || status.phase === 'Failed';
  if (pod.metadata?.deletionTimestamp && status.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata?.deletionTimestamp && !terminal) reason = 'Terminating';
  return { reason, ready, total, restarts, lastRestart };
}

function readinessGates(pod: Pod): string {
  const gates = pod.spec?.readinessGates ?? [];
  if (!gates.length) return '<none>';
  const conditions = pod.status?.conditions ?? [];
  const trueCount = gates.filter((g) => conditions.find((c) => c.type === g.conditionType)?.status === 'True').length;
  return `${trueCount}/${gates.length}`;
}

export const podPrinter: Printer = {
  columns: [
    nameColumn,
    col('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
    col('Status', 'The aggregate status of the containers in this pod.'),
    col('Restarts', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    ageColumn,
    col('IP', 'podIP is the IP address allocated to the pod.', { priority: 1 }),
    col('Node', 'NodeName indicates in which node this pod is scheduled.', { priority: 1 }),
    col('Nominated Node', 'nominatedNodeName is set only when this pod preempts other pods on the node.', { priority: 1 }),
    col('Readiness Gates', 'If specified, all readiness gates will be evaluated for pod readiness.', { priority: 1 }),
  ],
  cells(obj: KObject, now: Date) {
    const pod = obj as Pod;
    const s = podState(pod);
    const restarts = s.restarts !== 0 && s.lastRestart ? `${s.restarts} (${since(s.lastRestart, now)} ago)` : String(s.restarts);
    return [
      pod.metadata?.name ?? '', `${s.ready}/${s.total}`, s.reason, restarts, since(pod.metadata?.creationTimestamp, now),
      pod.status?.podIPs?.[0]?.ip || pod.status?.podIP || '<none>', pod.spec?.nodeName || '<none>', pod.status?.nominatedNodeName || '<none>', readinessGates(pod),
    ];
  },
  conditions(obj: KObject) {
    const phase = (obj as Pod).status?.phase;
    if (phase === 'Succeeded') return [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }];
    if (phase === 'Failed') return [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];
    return undefined;
  },
};
