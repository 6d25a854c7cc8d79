// Container resources → the cgroup settings CRI carries (kuberuntime's generateLinuxContainerResources):
// cpu shares from the request, a CFS quota from the limit, the memory limit, and the OOM score by QoS class.
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { LinuxContainerResources } from '../../engine/types/runtime.ts';
import { cpuMillis, memoryBytes } from '../types/quantity.ts';
import { podQOSClass } from '../types/pod.ts';

const cfsPeriod = 100_000;
const minShares = 2;
const minQuota = 1000;

export const milliCpuToShares = (milli: number) => (milli <= 0 ? minShares : Math.max(minShares, Math.floor((milli * 1024) / 1000)));
export const milliCpuToQuota = (milli: number) => (milli <= 0 ? 0 : Math.max(minQuota, Math.floor((milli * cfsPeriod) / 1000)));

/** the OOM score adjustment Kubernetes gives a container (policy.GetContainerOOMScoreAdjust) */
export function oomScoreAdj(pod: Pod, c: Container, memoryCapacity: number): number {
  const qos = podQOSClass(pod);
  if (qos === 'Guaranteed') return -997;
  if (qos === 'BestEffort') return 1000;
  const req = c.resources?.requests?.memory ? memoryBytes(c.resources.requests.memory) : 0;
  const adj = 1000 - Math.floor((1000 * req) / Math.max(1, memoryCapacity));
  if (adj < 2) return 2;
  return adj >= 1000 ? 999 : adj;
}

export function containerResources(pod: Pod, c: Container, memoryCapacity: number): LinuxContainerResources {
  const req = c.resources?.requests ?? {};
  const lim = c.resources?.limits ?? {};
  // an unset request takes the limit (API defaulting; done here too for objects that skipped it)
  const cpuReq = req.cpu ?? lim.cpu;
  const r: LinuxContainerResources = {
    cpuShares: milliCpuToShares(cpuReq ? cpuMillis(cpuReq) : 0),
    oomScoreAdj: oomScoreAdj(pod, c, memoryCapacity),
  };
  if (lim.cpu) {
    r.cpuPeriod = cfsPeriod;
    r.cpuQuota = milliCpuToQuota(cpuMillis(lim.cpu));
  }
  if (lim.memory) r.memoryLimitInBytes = memoryBytes(lim.memory);
  return r;
}

/** the pod cgroup: the sum of its containers' requests (shares) and, when every one has them, limits */
export function podResources(pod: Pod): LinuxContainerResources {
  const cs = pod.spec?.containers ?? [];
  let cpuReq = 0, cpuLim = 0, memLim = 0, allCpu = cs.length > 0, allMem = cs.length > 0;
  for (const c of cs) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    const cr = req.cpu ?? lim.cpu;
    if (cr) cpuReq += cpuMillis(cr);
    if (lim.cpu) cpuLim += cpuMillis(lim.cpu); else allCpu = false;
    if (lim.memory) memLim += memoryBytes(lim.memory); else allMem = false;
  }
  const r: LinuxContainerResources = { cpuShares: milliCpuToShares(cpuReq) };
  if (allCpu) { r.cpuPeriod = cfsPeriod; r.cpuQuota = milliCpuToQuota(cpuLim); }
  if (allMem) r.memoryLimitInBytes = memLim;
  return r;
}
