// What a simulated kubelet writes, as pure functions: its Node, its Lease, and the status of a pod it
// "runs" (no containers: the pod is reported Running and Ready as soon as it is bound).
import { createHash, randomBytes } from 'node:crypto';
import type { Node, NodeCondition, Pod, PodCondition, PodStatus, ContainerStatus } from 'kubernetes-types/core/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';

export interface SimNodeSpec {
  name: string;
  /** which /24 of pod addresses and which fake node address this node has (unique per cluster) */
  slot: number;
  cpu: string;
  memory: string;
  maxPods: number;
}

const rfc3339 = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
/** metav1.MicroTime, as Lease renewTime is written */
const microTime = (d: Date) => d.toISOString().replace(/Z$/, '000Z');

/** 10.42.0.0/24, 10.42.1.0/24, … 10.42.255.0/24, 10.43.0.0/24, … */
export const podCidrOf = (slot: number) => `10.${42 + Math.floor(slot / 256)}.${slot % 256}.0/24`;
/** the fake InternalIP: 10.99.0.1 … 10.99.0.250, 10.99.1.1, … */
export const nodeIpOf = (slot: number) => `10.99.${Math.floor(slot / 250)}.${(slot % 250) + 1}`;
/** slot of a podCIDR this module made, or undefined */
export function slotOfCidr(cidr: string | undefined): number | undefined {
  const m = /^10\.(\d+)\.(\d+)\.0\/24$/.exec(cidr ?? '');
  return m && Number(m[1]) >= 42 ? (Number(m[1]) - 42) * 256 + Number(m[2]) : undefined;
}
/** host `n` (2…254) of a node's pod /24 */
export const podIpOf = (cidr: string, n: number) => cidr.replace(/\.0\/24$/, `.${n}`);

export function nodeConditions(now: Date, since: Date = now): NodeCondition[] {
  const hb = rfc3339(now);
  const tr = rfc3339(since);
  const c = (type: string, status: string, reason: string, message: string): NodeCondition =>
    ({ type, status, reason, message, lastHeartbeatTime: hb, lastTransitionTime: tr });
  return [
    c('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    c('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    c('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    c('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
  ];
}

/** The Node as registered (metadata + spec) and its status, kept apart: status goes through /status. */
export function nodeObject(s: SimNodeSpec, now: Date): Node {
  const resources = { cpu: s.cpu, memory: s.memory, pods: String(s.maxPods), 'ephemeral-storage': '100Gi' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: s.name,
      labels: {
        'kubernetes.io/hostname': s.name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'beta.kubernetes.io/arch': 'amd64',
        'node.kubernetes.io/instance-type': 'skiff-sim',
      },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0' },
    },
    spec: { podCIDR: podCidrOf(s.slot), podCIDRs: [podCidrOf(s.slot)] },
    status: {
      capacity: resources,
      allocatable: resources,
      conditions: nodeConditions(now),
      addresses: [{ type: 'InternalIP', address: nodeIpOf(s.slot) }, { type: 'Hostname', address: s.name }],
      // no kubelet serves a simulated node: port 0 tells the API server not to proxy logs/exec to it
      daemonEndpoints: { kubeletEndpoint: { Port: 0 } },
      nodeInfo: {
        machineID: createHash('md5').update(s.name).digest('hex'),
        systemUUID: createHash('md5').update(`uuid-${s.name}`).digest('hex'),
        bootID: randomBytes(16).toString('hex'),
        kernelVersion: '6.1.0-skiff-sim',
        osImage: 'skiff simulated node',
        containerRuntimeVersion: 'skiff-sim://0.1',
        kubeletVersion: 'v1.32.0-skiff',
        kubeProxyVersion: 'v1.32.0-skiff',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  };
}

/** The node's heartbeat Lease in kube-node-lease, owned by the Node (so it goes when the Node goes). */
export function leaseObject(node: { name: string; uid?: string }, now: Date, durationSeconds = 40): Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: node.name,
      namespace: 'kube-node-lease',
      ...(node.uid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: node.name, uid: node.uid }] } : {}),
    },
    spec: { holderIdentity: node.name, leaseDurationSeconds: durationSeconds, renewTime: microTime(now) },
  };
}

export const leaseRenewal = (now: Date) => ({ spec: { renewTime: microTime(now) } });

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** True when the pod already shows what runningStatus would write (nothing to do). */
export function isReportedRunning(pod: Pod): boolean {
  const st = pod.status;
  return st?.phase === 'Running' && !!st.podIP && !!st.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
}

/** The status a kubelet reports once every container started: Running, Ready, with addresses. */
export function runningStatus(pod: Pod, hostIP: string, podIP: string, now: Date): PodStatus {
  const t = rfc3339(now);
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  const cond = (type: string): PodCondition => ({ type, status: 'True', lastTransitionTime: t });
  const started = (name: string, image: string): ContainerStatus => ({
    name, image, imageID: `${image.split('@')[0]}@sha256:${sha(image)}`, containerID: `sim://${sha(`${pod.metadata?.uid}/${name}`)}`,
    ready: true, started: true, restartCount: 0, state: { running: { startedAt: t } }, lastState: {},
  });
  const status: PodStatus = {
    phase: 'Running',
    conditions: [
      cond('PodReadyToStartContainers'),
      cond('Initialized'),
      cond('Ready'),
      cond('ContainersReady'),
      scheduled ?? cond('PodScheduled'),
    ],
    hostIP,
    hostIPs: [{ ip: hostIP }],
    podIP,
    podIPs: [{ ip: podIP }],
    startTime: pod.status?.startTime ?? t,
    containerStatuses: (pod.spec?.containers ?? []).map((c) => started(c.name, c.image ?? '')),
  };
  if (pod.spec?.initContainers?.length) {
    status.initContainerStatuses = pod.spec.initContainers.map((c) => ({
      ...started(c.name, c.image ?? ''), ready: true, started: false,
      state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: t, finishedAt: t, containerID: `sim://${sha(`${pod.metadata?.uid}/${c.name}`)}` } },
    }));
  }
  if (pod.status?.qosClass) status.qosClass = pod.status.qosClass;
  return status;
}

/** Annotations that make a simulated pod finish (Job pods): after N seconds of running, with this exit code. */
export const simAnnotations = { succeedAfter: 'sim.skiff.dev/finish-after-seconds', exitCode: 'sim.skiff.dev/exit-code' };

/** The status once every container exited: Succeeded (all 0) or Failed, not Ready. */
export function finishedStatus(pod: Pod, exitCode: number, now: Date): PodStatus {
  const t = rfc3339(now);
  const st = pod.status ?? {};
  const reason = exitCode === 0 ? 'Completed' : 'Error';
  return {
    ...st,
    phase: exitCode === 0 ? 'Succeeded' : 'Failed',
    conditions: (st.conditions ?? []).map((c) =>
      c.type === 'Ready' || c.type === 'ContainersReady' || c.type === 'PodReadyToStartContainers'
        ? { ...c, status: 'False', reason: c.type === 'PodReadyToStartContainers' ? undefined : 'PodCompleted', lastTransitionTime: t }
        : c),
    containerStatuses: (st.containerStatuses ?? []).map((c) => ({
      ...c, ready: false, started: false,
      state: { terminated: { exitCode, reason, startedAt: c.state?.running?.startedAt ?? t, finishedAt: t, containerID: c.containerID } },
    })),
  };
}
