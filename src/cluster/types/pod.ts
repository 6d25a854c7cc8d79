// Facts about a Pod that the scheduler, controllers and tables all need, computed as Kubernetes computes them
// (k8s.io/kubernetes/pkg/api/v1/pod, pkg/controller, component-helpers resource and qos helpers).
import type { Container, Pod, PodCondition, PodStatus, ResourceRequirements } from 'kubernetes-types/core/v1.js';
import type { ObjectMeta, OwnerReference } from 'kubernetes-types/meta/v1.js';
import { cpuMillis, memoryBytes, quantitySign, compareQuantity } from './quantity.ts';

export function getPodCondition(status: PodStatus | undefined, type: string): PodCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/** The Ready condition is True. */
export function isPodReady(pod: Pod): boolean {
  return getPodCondition(pod.status, 'Ready')?.status === 'True';
}

/** Succeeded or Failed: its containers will not run again. */
export function isPodTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** Counts toward a controller's replicas: not terminal and not being deleted (controller.IsPodActive). */
export function isPodActive(pod: Pod): boolean {
  return !isPodTerminal(pod) && !pod.metadata?.deletionTimestamp;
}

/** Ready for at least minReadySeconds (podutil.IsPodAvailable; the boundary is strict as there). */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: Date): boolean {
  const ready = getPodCondition(pod.status, 'Ready');
  if (ready?.status !== 'True') return false;
  if (!minReadySeconds) return true;
  if (!ready.lastTransitionTime) return false;
  return Date.parse(ready.lastTransitionTime) + minReadySeconds * 1000 < now.getTime();
}

/** The owner reference with controller=true, if any. */
export function controllerOf(obj: { metadata?: ObjectMeta }): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

export interface PodRequests {
  cpuMillis: number;
  memoryBytes: number;
  pods: 1;
}

/** A container's requests, with a limit standing in for a missing request as API defaulting does. */
function containerRequests(resources: ResourceRequirements | undefined): { cpu: number; mem: number } {
  const req = resources?.requests ?? {};
  const lim = resources?.limits ?? {};
  const cpu = req.cpu ?? lim.cpu;
  const mem = req.memory ?? lim.memory;
  return { cpu: cpu === undefined ? 0 : cpuMillis(cpu), mem: mem === undefined ? 0 : memoryBytes(mem) };
}

/**
 * What the scheduler reserves for a pod: the sum of its containers, or more if an init container (plus the
 * sidecars started before it) needs more, plus the runtime-class overhead (resourcehelper.PodRequests).
 */
export function podRequests(pod: Pod): PodRequests {
  const spec = pod.spec;
  let cpu = 0;
  let mem = 0;
  for (const c of spec?.containers ?? []) {
    const r = containerRequests(c.resources);
    cpu += r.cpu;
    mem += r.mem;
  }
  let sidecarCpu = 0;
  let sidecarMem = 0;
  let initCpu = 0;
  let initMem = 0;
  for (const c of spec?.initContainers ?? []) {
    const r = containerRequests(c.resources);
    if (c.restartPolicy === 'Always') {
      // a sidecar keeps running beside the app containers and the init containers after it
      cpu += r.cpu;
      mem += r.mem;
      sidecarCpu += r.cpu;
      sidecarMem += r.mem;
      initCpu = Math.max(initCpu, sidecarCpu);
      initMem = Math.max(initMem, sidecarMem);
    } else {
      initCpu = Math.max(initCpu, r.cpu + sidecarCpu);
      initMem = Math.max(initMem, r.mem + sidecarMem);
    }
  }
  cpu = Math.max(cpu, initCpu);
  mem = Math.max(mem, initMem);
  const overhead = spec?.overhead ?? {};
  if (overhead.cpu !== undefined) cpu += cpuMillis(overhead.cpu);
  if (overhead.memory !== undefined) mem += memoryBytes(overhead.memory);
  return { cpuMillis: cpu, memoryBytes: mem, pods: 1 };
}

export type QOSClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

/** Kubernetes' qos.GetPodQOS over cpu and memory of every container (init ones included). */
export function podQOSClass(pod: Pod): QOSClass {
  const requests = new Map<string, string[]>();
  const limits = new Map<string, string[]>();
  let guaranteed = true;
  const all: Container[] = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  for (const c of all) {
    const lim = c.resources?.limits ?? {};
    // API defaulting copies a limit into a missing request; do the same for objects not yet defaulted
    const req = { ...pickQos(lim), ...(c.resources?.requests ?? {}) };
    for (const [name, q] of Object.entries(pickQos(req))) if (quantitySign(q) !== 0) push(requests, name, q);
    const found = new Set<string>();
    for (const [name, q] of Object.entries(pickQos(lim))) {
      if (quantitySign(q) !== 0) {
        found.add(name);
        push(limits, name, q);
      }
    }
    if (!found.has('cpu') || !found.has('memory')) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [name, qs] of requests) {
      const l = limits.get(name);
      if (!l || compareQuantity(sumQ(qs), sumQ(l)) !== 0) {
        guaranteed = false;
        break;
      }
    }
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}

const pickQos = (m: Record<string, string | number>): Record<string, string | number> =>
  Object.fromEntries(Object.entries(m).filter(([k]) => k === 'cpu' || k === 'memory'));

function push(m: Map<string, string[]>, k: string, q: string | number) {
  const list = m.get(k) ?? [];
  list.push(String(q));
  m.set(k, list);
}

/** Sum of quantities, exact enough for equality: in millis (cpu/memory never need finer). */
const sumQ = (qs: string[]): string => `${qs.reduce((a, q) => a + cpuMillis(q), 0)}m`;
