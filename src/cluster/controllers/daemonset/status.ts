// DaemonSet status as updateDaemonSetStatus counts it: per node that should run a daemon pod, its oldest pod
// decides ready / available / updated; a node that has one but should not is misscheduled.
import type { DaemonSetStatus } from 'kubernetes-types/apps/v1.js';
import { revisionHashLabel } from './pods.ts';
import type { DaemonSetObject, PodObject } from './pods.ts';

export function computeStatus(
  ds: DaemonSetObject, byNode: Map<string, PodObject[]>, eligible: Map<string, { shouldRun: boolean }>, hash: string,
  ready: (p: PodObject) => boolean, available: (p: PodObject) => boolean,
): DaemonSetStatus {
  let desired = 0, current = 0, misscheduled = 0, numberReady = 0, numberAvailable = 0, updatedNumber = 0;
  for (const [nodeName, verdict] of eligible) {
    const here = byNode.get(nodeName) ?? [];
    if (verdict.shouldRun) desired++;
    if (here.length === 0) continue;
    if (!verdict.shouldRun) {
      misscheduled++;
      continue;
    }
    current++;
    const pod = [...here].sort((a, b) => Date.parse(a.metadata?.creationTimestamp ?? '') - Date.parse(b.metadata?.creationTimestamp ?? ''))[0];
    if (ready(pod)) {
      numberReady++;
      if (available(pod)) numberAvailable++;
    }
    if (pod.metadata?.labels?.[revisionHashLabel] === hash) updatedNumber++;
  }
  const status: DaemonSetStatus = {
    ...ds.status,
    currentNumberScheduled: current,
    desiredNumberScheduled: desired,
    numberMisscheduled: misscheduled,
    numberReady,
    numberAvailable,
    updatedNumberScheduled: updatedNumber,
    observedGeneration: ds.metadata?.generation,
  };
  const unavailable = desired - numberAvailable;
  if (unavailable > 0) status.numberUnavailable = unavailable;
  else delete status.numberUnavailable;
  if (numberAvailable === 0) delete status.numberAvailable;
  return status;
}

const fields = ['currentNumberScheduled', 'desiredNumberScheduled', 'numberMisscheduled', 'numberReady', 'numberAvailable', 'numberUnavailable', 'updatedNumberScheduled', 'observedGeneration'] as const;

export function statusChanged(ds: DaemonSetObject, next: DaemonSetStatus): boolean {
  return fields.some((f) => (ds.status?.[f] ?? 0) !== (next[f] ?? 0));
}
