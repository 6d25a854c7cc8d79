// The node's pod network: an engine bridge network over the node's pod CIDR (CNI bridge + host-local IPAM,
// as every container network of the engine), made on first use. Its bridge name is an option so several
// agents on one host (each in its own netns) can each have theirs; its resolv.conf carries only the
// kubelet's DNS config (no embedded resolver). Published hostPorts are the engine's port publishing.
import type { NetworkService } from '../types.ts';
import { failedPrecondition, isKind } from '../../lib/errors.ts';
import { BRIDGE_NAME_OPTION, NO_EMBEDDED_DNS_OPTION, NO_MASQUERADE_TO_OPTION } from '../network/records.ts';
import { formatCidr, parseCidr } from '../network/subnet.ts';

export interface PodNetworkOptions {
  /** the engine network's name (default k8s-pods) */
  name: string;
  /** the node's pod CIDR, e.g. 10.244.1.0/24 */
  podCIDR: string;
  /** the Linux bridge (default skpods0) */
  bridge: string;
  /** the cluster's pod CIDR (all nodes'): pod traffic to it keeps the pod's address (no masquerade) */
  clusterCIDR?: string;
}

const LABEL = 'io.skiff.cri.pod-network';

/** A function that makes sure the network exists (once; concurrent callers share the first call). */
export function podNetwork(networks: NetworkService, o: PodNetworkOptions): () => Promise<string> {
  let ready: Promise<string> | null = null;
  return () => {
    ready ??= ensure(networks, o).catch((err) => {
      ready = null; // the next sandbox tries again
      throw err;
    });
    return ready;
  };
}

async function ensure(networks: NetworkService, o: PodNetworkOptions): Promise<string> {
  const subnet = formatCidr(parseCidr(o.podCIDR));
  const have = await networks.inspect(o.name).catch((err) => {
    if (isKind(err, 'NotFound')) return null;
    throw err;
  });
  if (have) {
    const keep = o.clusterCIDR ? formatCidr(parseCidr(o.clusterCIDR)) : undefined;
    const same = have.IPAM.Config[0]?.Subnet === subnet && have.Options[BRIDGE_NAME_OPTION] === o.bridge && have.Options[NO_MASQUERADE_TO_OPTION] === keep;
    if (same) return have.Name;
    // the node's CIDR changed (a node re-registered): a network nobody uses is made again
    if (Object.keys(have.Containers).length) {
      throw failedPrecondition(`pod network ${o.name} is ${have.IPAM.Config[0]?.Subnet} on ${have.Options[BRIDGE_NAME_OPTION]} (unmasqueraded to ${have.Options[NO_MASQUERADE_TO_OPTION] ?? 'nothing'}), not ${subnet} on ${o.bridge} (${o.clusterCIDR ?? 'nothing'}), and pods still use it`);
    }
    await networks.remove(have.Id);
  }
  await networks.create({
    name: o.name, subnet,
    options: { [BRIDGE_NAME_OPTION]: o.bridge, [NO_EMBEDDED_DNS_OPTION]: 'true', ...(o.clusterCIDR ? { [NO_MASQUERADE_TO_OPTION]: o.clusterCIDR } : {}) },
    labels: { [LABEL]: 'true' },
  });
  return o.name;
}
