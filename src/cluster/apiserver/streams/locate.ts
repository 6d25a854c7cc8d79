// Where a pod stream goes: the checks kube-apiserver makes before it proxies (the pod exists and is bound,
// the container is the pod's — defaulted when the pod has one, or by kubectl's default-container
// annotation), and the node's kubelet address (status.addresses InternalIP + daemonEndpoints port).
import type { ApiClient } from '../../client/types.ts';
import type { KObject } from '../../types/meta.ts';
import { badRequestError, unavailableError } from '../../types/status-error.ts';

export const DEFAULT_CONTAINER_ANNOTATION = 'kubectl.kubernetes.io/default-container';

interface PodShape {
  metadata?: { name?: string; annotations?: Record<string, string> };
  spec?: { nodeName?: string; containers?: Array<{ name: string }>; initContainers?: Array<{ name: string }>; ephemeralContainers?: Array<{ name: string }> };
  status?: { phase?: string };
}

const podsGvr = { group: '', version: 'v1', resource: 'pods' };
const nodesGvr = { group: '', version: 'v1', resource: 'nodes' };

/** kube's validateContainer: the named container must be the pod's; none named: the only one, or the annotation's */
export function containerOf(pod: PodShape, asked: string | null): string {
  const spec = pod.spec ?? {};
  const all = [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])].map((c) => c.name);
  const name = pod.metadata?.name ?? '';
  if (asked) {
    if (!all.includes(asked)) throw badRequestError(`container ${asked} is not valid for pod ${name}`);
    return asked;
  }
  const containers = spec.containers ?? [];
  if (containers.length === 1) return containers[0].name;
  const annotated = pod.metadata?.annotations?.[DEFAULT_CONTAINER_ANNOTATION];
  if (annotated && all.includes(annotated)) return annotated;
  if (containers.length === 0) throw badRequestError(`a container name must be specified for pod ${name}`);
  throw badRequestError(`a container name must be specified for pod ${name}, choose one of: [${all.join(' ')}]`);
}

export interface PodStreamTarget {
  pod: PodShape;
  container: string;
  nodeName: string | undefined;
}

/** The pod, its container and its node, checked for `verb` (log, exec, attach, portforward) */
export async function locatePod(client: ApiClient, namespace: string, name: string, verb: string, asked: string | null): Promise<PodStreamTarget> {
  const pod = (await client.get(podsGvr, namespace, name)) as KObject & PodShape;
  const container = verb === 'portforward' ? '' : containerOf(pod, asked);
  const nodeName = pod.spec?.nodeName || undefined;
  if (verb !== 'log') {
    if (!nodeName) throw badRequestError(`pod ${name} does not have a host assigned`);
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') {
      const what = verb === 'exec' ? 'exec into' : verb === 'attach' ? 'attach to' : 'port forward to';
      throw badRequestError(`cannot ${what} a container in a completed pod; current phase is ${phase}`);
    }
  }
  return { pod, container, nodeName };
}

export interface KubeletAddress {
  host: string;
  port: number;
}

/** The node's kubelet: its InternalIP (else any address) and daemonEndpoints.kubeletEndpoint.Port */
export async function kubeletAddressOf(client: ApiClient, nodeName: string): Promise<KubeletAddress> {
  const node = (await client.get(nodesGvr, undefined, nodeName)) as KObject & {
    status?: { addresses?: Array<{ type: string; address: string }>; daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } };
  };
  const addresses = node.status?.addresses ?? [];
  const host = (addresses.find((a) => a.type === 'InternalIP') ?? addresses.find((a) => a.type === 'ExternalIP') ?? addresses.find((a) => a.type === 'Hostname'))?.address;
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  if (!host || !port) throw unavailableError(`no kubelet answers for node "${nodeName}": logs, exec, attach and port-forward need a node running a skiff agent (simulated nodes have none)`);
  return { host, port };
}
