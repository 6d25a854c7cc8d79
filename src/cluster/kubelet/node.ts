// The kubelet's Node: registration (capacity and allocatable from this host, addresses, node info, the
// podCIDR it was given), its Lease in kube-node-lease renewed every 10 s, and the status conditions
// (Ready follows the runtime's RuntimeReady/NetworkReady) posted on a slower beat, as the real kubelet does.
import { createHash, randomBytes } from 'node:crypto';
import { readFile, statfs } from 'node:fs/promises';
import { arch, availableParallelism, release, totalmem } from 'node:os';
import type { Node, NodeCondition } from 'kubernetes-types/core/v1.js';
import type { RuntimeService } from '../../engine/types/runtime.ts';
import type { ApiClient } from '../client/types.ts';
import type { KObject } from '../types/meta.ts';
import { R } from '../types/gvr.ts';
import { isStatusError } from '../types/status-error.ts';
import { leaseObject } from '../sim/index.ts';
import { rfc3339 } from './status.ts';

export const KUBELET_VERSION = 'v1.32.0-skiff';

export interface NodeSpec {
  name: string;
  nodeIP: string;
  podCIDR?: string;
  /** where ephemeral storage lives (the agent's root) */
  root: string;
  kubeletPort: number;
  maxPods: number;
}

export interface NodeCapacity { cpu: string; memory: string; memoryBytes: number; pods: string; 'ephemeral-storage': string }

export async function hostCapacity(root: string, maxPods: number): Promise<NodeCapacity> {
  const fs = await statfs(root).catch(() => undefined);
  const storage = fs ? Math.floor((fs.blocks * fs.bsize) / 1024) : 0;
  const mem = totalmem();
  return { cpu: String(availableParallelism()), memory: `${Math.floor(mem / 1024)}Ki`, memoryBytes: mem, pods: String(maxPods), 'ephemeral-storage': `${storage}Ki` };
}

const goArch = () => ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[arch()] ?? arch();

async function osImage(): Promise<string> {
  const text = await readFile('/etc/os-release', 'utf8').catch(() => '');
  return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(text)?.[1] ?? 'Linux';
}

export async function nodeConditions(runtime: RuntimeService, since: Map<string, string>, now: Date): Promise<NodeCondition[]> {
  const hb = rfc3339(now);
  let ready = true;
  let why = '';
  try {
    const st = await runtime.status();
    for (const c of st.conditions) if (!c.status) { ready = false; why += `${why ? ', ' : ''}container runtime ${c.type === 'NetworkReady' ? 'network ' : ''}not ready: ${c.type}=false reason:${c.reason ?? ''} message:${c.message ?? ''}`; }
  } catch (err) {
    ready = false;
    why = `container runtime is down: ${(err as Error).message}`;
  }
  const c = (type: string, status: 'True' | 'False', reason: string, message: string): NodeCondition => {
    const key = `${type}=${status}`;
    if (!since.has(key)) { for (const k of [...since.keys()]) if (k.startsWith(`${type}=`)) since.delete(k); since.set(key, hb); }
    return { type, status, reason, message, lastHeartbeatTime: hb, lastTransitionTime: since.get(key)! };
  };
  return [
    c('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    c('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    c('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    ready ? c('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status') : c('Ready', 'False', 'KubeletNotReady', why),
  ];
}

export async function nodeObject(s: NodeSpec, runtime: RuntimeService, cap: NodeCapacity): Promise<Node> {
  const { memoryBytes: _m, ...resources } = cap;
  const v = await runtime.version().catch(() => ({ runtimeVersion: 'unknown' }));
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: s.name,
      labels: { 'kubernetes.io/hostname': s.name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': goArch(), 'beta.kubernetes.io/os': 'linux', 'beta.kubernetes.io/arch': goArch() },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
    },
    spec: s.podCIDR ? { podCIDR: s.podCIDR, podCIDRs: [s.podCIDR] } : {},
    status: {
      capacity: resources,
      allocatable: resources,
      addresses: [{ type: 'InternalIP', address: s.nodeIP }, { type: 'Hostname', address: s.name }],
      daemonEndpoints: { kubeletEndpoint: { Port: s.kubeletPort } },
      nodeInfo: {
        machineID: (await readFile('/etc/machine-id', 'utf8').catch(() => createHash('md5').update(s.name).digest('hex'))).trim(),
        systemUUID: createHash('md5').update(`uuid-${s.name}`).digest('hex'),
        bootID: (await readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => randomBytes(16).toString('hex'))).trim(),
        kernelVersion: release(),
        osImage: await osImage(),
        containerRuntimeVersion: `skiff://${v.runtimeVersion}`,
        kubeletVersion: KUBELET_VERSION,
        kubeProxyVersion: KUBELET_VERSION,
        operatingSystem: 'linux',
        architecture: goArch(),
      },
    },
  };
}

/** creates the Node or takes over the one of that name (its podCIDR stays when already set), then the Lease */
export async function registerNode(client: ApiClient, desired: Node, conditions: NodeCondition[], now: Date, leaseDurationSeconds = 40): Promise<Node> {
  const name = desired.metadata!.name!;
  let node: Node & KObject;
  try {
    const cur = await client.get<Node & KObject>(R.nodes, undefined, name);
    const spec = cur.spec?.podCIDR || !desired.spec?.podCIDR ? {} : { spec: desired.spec };
    node = await client.patch<Node & KObject>(R.nodes, undefined, name, 'merge', { metadata: { labels: desired.metadata?.labels, annotations: desired.metadata?.annotations }, ...spec });
  } catch (err) {
    if (!isStatusError(err, 'NotFound')) throw err;
    node = await client.create<Node & KObject>(R.nodes, undefined, { ...desired, status: undefined } as KObject);
  }
  node = await client.patch<Node & KObject>(R.nodes, undefined, name, 'merge', { status: { ...desired.status, conditions } }, { subresource: 'status' });
  try {
    await client.create(R.leases, 'kube-node-lease', leaseObject({ name, uid: node.metadata?.uid }, now, leaseDurationSeconds) as KObject);
  } catch (err) {
    if (!isStatusError(err, 'AlreadyExists')) throw err;
    await client.patch(R.leases, 'kube-node-lease', name, 'merge', { spec: { ...leaseObject({ name }, now, leaseDurationSeconds).spec } });
  }
  return node;
}

export const renewLease = (client: ApiClient, name: string, now: Date) => client.patch(R.leases, 'kube-node-lease', name, 'merge', { spec: { renewTime: leaseObject({ name }, now).spec?.renewTime } });
