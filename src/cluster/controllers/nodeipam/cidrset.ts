// The node pod-CIDR pool (kube-controller-manager's cidrset): the cluster CIDR cut into equal subnets of
// `maskSize` bits, handed out lowest-free-first after the last one given, taken back when a Node goes.
import { cidrContains, cidrSize, formatCidr4, parseCidr4, type Cidr4 } from '../../../lib/ipv4.ts';
import { invalidArgument } from '../../../lib/errors.ts';

export interface CidrSet {
  /** the next free subnet, marked used; undefined when every subnet is taken */
  allocate(): string | undefined;
  /** marks a subnet some Node already has; false when it is not one of this set's subnets */
  occupy(cidr: string): boolean;
  release(cidr: string): void;
  readonly size: number;
  readonly used: number;
}

export function createCidrSet(clusterCIDR: string, maskSize: number): CidrSet {
  const cluster = parseCidr4(clusterCIDR, 'cluster CIDR');
  if (!Number.isInteger(maskSize) || maskSize < cluster.bits || maskSize > 30) {
    throw invalidArgument(`invalid node CIDR mask size ${maskSize} for the cluster CIDR ${clusterCIDR}: use ${cluster.bits}-30`);
  }
  const step = 2 ** (32 - maskSize);
  const size = cidrSize(cluster) / step;
  const used = new Set<number>();
  let next = 0;
  /** the subnet's index in the set, when `cidr` is exactly one of them */
  const indexOf = (cidr: string): number | undefined => {
    let c: Cidr4;
    try {
      c = parseCidr4(cidr);
    } catch {
      return undefined; // a malformed podCIDR on a Node is not ours to track
    }
    if (c.bits !== maskSize || !cidrContains(cluster, c.base)) return undefined;
    return (c.base - cluster.base) / step;
  };
  return {
    allocate() {
      for (let i = 0; i < size; i++) {
        const k = (next + i) % size;
        if (used.has(k)) continue;
        used.add(k);
        next = (k + 1) % size;
        return formatCidr4({ base: cluster.base + k * step, bits: maskSize });
      }
      return undefined;
    },
    occupy(cidr) {
      const k = indexOf(cidr);
      if (k === undefined) return false;
      used.add(k);
      return true;
    },
    release(cidr) {
      const k = indexOf(cidr);
      if (k !== undefined) used.delete(k);
    },
    size,
    get used() {
      return used.size;
    },
  };
}
