// The scheduler's picture of the cluster (kube-scheduler's internal cache): per node, what is allocatable and
// what is already requested by the pods bound there *and* by the pods this scheduler has assumed onto it but
// whose binding the informer has not shown yet. Kept incrementally from informer events, so one decision
// costs O(nodes), never a rescan of all pods.
import type { Node, Pod, Taint } from 'kubernetes-types/core/v1.js';
import { cpuMillis, memoryBytes } from '../types/quantity.ts';
import { podRequests, isPodTerminal, controllerOf } from '../types/pod.ts';
import { objectKey } from '../types/meta.ts';

/** Scoring counts a container without requests as this much (kube-scheduler's DefaultMilliCPURequest / DefaultMemoryRequest). */
const defaultMilliCpu = 100;
const defaultMemory = 200 * 1024 * 1024;

/** What the scheduler needs to know about a pod, computed once per pod. */
export interface PodFacts {
  key: string;
  uid: string;
  cpu: number;
  mem: number;
  /** requests with the non-zero defaults, for scoring */
  nzCpu: number;
  nzMem: number;
  /** `proto/port/ip` of each hostPort */
  ports: string[];
  /** pods that share it are spread across nodes: the controller's uid */
  spreadKey: string | undefined;
}

export function podFacts(pod: Pod): PodFacts {
  const r = podRequests(pod);
  let nzCpu = 0;
  let nzMem = 0;
  for (const c of pod.spec?.containers ?? []) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    const cpu = req.cpu ?? lim.cpu;
    const mem = req.memory ?? lim.memory;
    nzCpu += cpu === undefined ? defaultMilliCpu : cpuMillis(cpu);
    nzMem += mem === undefined ? defaultMemory : memoryBytes(mem);
  }
  const ports: string[] = [];
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) if (p.hostPort && p.hostPort > 0) ports.push(`${p.protocol || 'TCP'}/${p.hostPort}/${p.hostIP || '0.0.0.0'}`);
  }
  return {
    key: objectKey(pod),
    uid: pod.metadata?.uid ?? '',
    cpu: r.cpuMillis,
    mem: r.memoryBytes,
    nzCpu: Math.max(nzCpu, r.cpuMillis),
    nzMem: Math.max(nzMem, r.memoryBytes),
    ports,
    spreadKey: controllerOf(pod)?.uid,
  };
}

export interface NodeInfo {
  name: string;
  node: Node;
  labels: Record<string, string>;
  taints: Taint[];
  unschedulable: boolean;
  allocCpu: number;
  allocMem: number;
  allocPods: number;
  reqCpu: number;
  reqMem: number;
  nzCpu: number;
  nzMem: number;
  podCount: number;
  /** `proto/port` → host IPs in use */
  ports: Map<string, string[]>;
  /** spreadKey → pods of that owner here */
  spread: Map<string, number>;
}

const quantity = (v: string | number | undefined, parse: (q: string | number) => number, fallback: number) => {
  if (v === undefined) return fallback;
  try {
    return parse(v);
  } catch {
    return fallback;
  }
};

function emptyNodeInfo(name: string): NodeInfo {
  return {
    name, node: { metadata: { name } }, labels: {}, taints: [], unschedulable: false,
    allocCpu: 0, allocMem: 0, allocPods: 0, reqCpu: 0, reqMem: 0, nzCpu: 0, nzMem: 0, podCount: 0,
    ports: new Map(), spread: new Map(),
  };
}

function setNode(info: NodeInfo, node: Node) {
  const alloc = node.status?.allocatable ?? node.status?.capacity ?? {};
  info.node = node;
  info.labels = node.metadata?.labels ?? {};
  info.taints = node.spec?.taints ?? [];
  info.unschedulable = node.spec?.unschedulable === true;
  info.allocCpu = quantity(alloc.cpu, cpuMillis, 0);
  info.allocMem = quantity(alloc.memory, memoryBytes, 0);
  info.allocPods = quantity(alloc.pods, memoryBytes, 110);
}

function account(info: NodeInfo, p: PodFacts, sign: 1 | -1) {
  info.reqCpu += sign * p.cpu;
  info.reqMem += sign * p.mem;
  info.nzCpu += sign * p.nzCpu;
  info.nzMem += sign * p.nzMem;
  info.podCount += sign;
  for (const port of p.ports) {
    const slash = port.lastIndexOf('/');
    const key = port.slice(0, slash);
    const ip = port.slice(slash + 1);
    const ips = info.ports.get(key) ?? [];
    if (sign > 0) ips.push(ip);
    else {
      const i = ips.indexOf(ip);
      if (i >= 0) ips.splice(i, 1);
    }
    if (ips.length) info.ports.set(key, ips);
    else info.ports.delete(key);
  }
  if (p.spreadKey) {
    const n = (info.spread.get(p.spreadKey) ?? 0) + sign;
    if (n > 0) info.spread.set(p.spreadKey, n);
    else info.spread.delete(p.spreadKey);
  }
}

interface Placed { facts: PodFacts; node: string; assumed: boolean }

export interface SchedulerCache {
  /** nodes that exist (have a Node object), in a stable order */
  nodes(): NodeInfo[];
  node(name: string): NodeInfo | undefined;
  setNode(node: Node): void;
  removeNode(name: string): void;
  /** a pod the informer shows bound to a node (confirms an assumption) or no longer there */
  upsertPod(pod: Pod): void;
  removePod(pod: Pod): void;
  /** counts the pod on node before the binding is visible */
  assume(facts: PodFacts, node: string): void;
  /** drops an assumption whose binding failed */
  forget(key: string): void;
  isAssumed(key: string): boolean;
}

export function createSchedulerCache(): SchedulerCache {
  const infos = new Map<string, NodeInfo>(); // includes placeholder infos for pods bound to unknown nodes
  const existing = new Set<string>();
  let ordered: NodeInfo[] | undefined;
  const placed = new Map<string, Placed>();

  const infoFor = (name: string) => {
    let info = infos.get(name);
    if (!info) infos.set(name, (info = emptyNodeInfo(name)));
    return info;
  };
  const unplace = (key: string) => {
    const p = placed.get(key);
    if (!p) return;
    placed.delete(key);
    account(infoFor(p.node), p.facts, -1);
  };
  const place = (facts: PodFacts, node: string, assumed: boolean) => {
    placed.set(facts.key, { facts, node, assumed });
    account(infoFor(node), facts, 1);
  };

  return {
    nodes() {
      ordered ??= [...existing].sort().map((n) => infos.get(n)!);
      return ordered;
    },
    node: (name) => (existing.has(name) ? infos.get(name) : undefined),
    setNode(node) {
      const name = node.metadata?.name ?? '';
      setNode(infoFor(name), node);
      if (!existing.has(name)) {
        existing.add(name);
        ordered = undefined;
      }
    },
    removeNode(name) {
      if (existing.delete(name)) ordered = undefined;
      // keep the info while pods still count on it; a re-added node finds them again
      const info = infos.get(name);
      if (info && info.podCount === 0) infos.delete(name);
    },
    upsertPod(pod) {
      const key = objectKey(pod);
      const node = pod.spec?.nodeName;
      const p = placed.get(key);
      if (!node || isPodTerminal(pod)) {
        // a pod we assumed but whose binding is not visible yet stays assumed
        if (p && !(p.assumed && !node && p.facts.uid === pod.metadata?.uid)) unplace(key);
        return;
      }
      if (p && p.node === node && p.facts.uid === pod.metadata?.uid) {
        p.assumed = false;
        return;
      }
      unplace(key);
      place(podFacts(pod), node, false);
    },
    removePod(pod) {
      const p = placed.get(objectKey(pod));
      if (p && (!pod.metadata?.uid || p.facts.uid === pod.metadata.uid)) unplace(objectKey(pod));
    },
    assume(facts, node) {
      unplace(facts.key);
      place(facts, node, true);
    },
    forget(key) {
      if (placed.get(key)?.assumed) unplace(key);
    },
    isAssumed: (key) => placed.get(key)?.assumed === true,
  };
}
