// A cluster's shape on this machine, chosen once at `skiff up` and kept in <root>/cluster.json: its short id
// (from the root's path, so clusters side by side never share a name), the private /24 its node hosts talk on
// (the host is .1, node k is .k), the cluster CIDR whose /24s are the nodes' pod CIDRs, and the nodes.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../lib/atomic.ts';
import { errnoCode, invalidArgument } from '../../lib/errors.ts';

export interface ClusterNode {
  name: string;
  /** 1 is the host itself; 2… live in their own network namespace */
  index: number;
  /** the node's address on the cluster link (its InternalIP) */
  ip: string;
  podCIDR: string;
  /** the node host's network namespace ('' for the host node) */
  netns: string;
  /** the host end of its veth ('' for the host node) */
  veth: string;
  /** 0 on the host: the agent picks a free one */
  kubeletPort: number;
}

export interface ClusterLayout {
  id: string;
  root: string;
  port: number;
  /** the link bridge on the host, holding .1 of linkSubnet */
  bridge: string;
  linkSubnet: string;
  clusterCIDR: string;
  /** the Services' range: a cluster's own, since node-1 shares the host's namespace with other clusters (absent in
   * layouts written before: the server's default 10.43.0.0/16) */
  serviceCIDR?: string;
  /** the host node engine's bridges (inside a node's netns the defaults are its own) */
  hostPodBridge: string;
  hostDockerBridge: string;
  hostBip: string;
  /** the nftables table (host and every node netns) that keeps pod-to-pod traffic un-NATed */
  nftTable: string;
  /** the agents' Lease duration when up was given a node-monitor-grace-period (their Leases must beat within it) */
  nodeLeaseDurationSeconds?: number;
  nodes: ClusterNode[];
}

export const layoutPath = (root: string) => join(root, 'cluster.json');
export const nodeRoot = (root: string, name: string) => join(root, 'nodes', name);
export const nodeSocket = (root: string, name: string) => join(nodeRoot(root, name), 'docker.sock');
export const agentPidFile = (root: string, name: string) => join(root, 'run', `agent-${name}.pid`);
export const agentLog = (root: string, name: string) => join(root, 'logs', `agent-${name}.log`);
export const serverLog = (root: string) => join(root, 'logs', 'server.log');
export const nodeName = (index: number) => `node-${index}`;

export function clusterId(root: string): string {
  return createHash('sha256').update(root).digest('hex').slice(0, 6);
}

export function readLayout(root: string): ClusterLayout | undefined {
  try {
    return JSON.parse(readFileSync(layoutPath(root), 'utf8')) as ClusterLayout;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

export async function writeLayout(l: ClusterLayout): Promise<void> {
  await writeFileAtomic(layoutPath(l.root), `${JSON.stringify(l, null, 2)}\n`);
}

const ipToInt = (ip: string) => ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);
const intToIp = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

export function parseCidr(cidr: string): { base: number; bits: number } {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) > 32) throw invalidArgument(`invalid CIDR "${cidr}": use an IPv4 CIDR like 10.244.0.0/16`);
  const bits = Number(m[5]);
  const size = 2 ** (32 - bits);
  return { base: Math.floor(ipToInt(`${m[1]}.${m[2]}.${m[3]}.${m[4]}`) / size) * size, bits };
}

export function overlaps(a: string, b: string): boolean {
  const x = parseCidr(a);
  const y = parseCidr(b);
  const xEnd = x.base + 2 ** (32 - x.bits);
  const yEnd = y.base + 2 ** (32 - y.bits);
  return x.base < yEnd && y.base < xEnd;
}

/** the address `n` places into `cidr` (1 → the first host address) */
export const addressIn = (cidr: string, n: number) => intToIp(parseCidr(cidr).base + n);

/** node `index`'s pod CIDR: the (index-1)th /24 of the cluster CIDR */
export function podCidrOf(clusterCIDR: string, index: number): string {
  const c = parseCidr(clusterCIDR);
  if (c.bits > 24) throw invalidArgument(`the cluster CIDR ${clusterCIDR} is smaller than one /24 per node`);
  if (index > 2 ** (24 - c.bits)) throw invalidArgument(`the cluster CIDR ${clusterCIDR} has no /24 left for node ${index}`);
  return `${intToIp(c.base + (index - 1) * 256)}/24`;
}

/** the first candidate overlapping none of `taken` */
export function firstFree(candidates: Iterable<string>, taken: string[], what: string): string {
  for (const c of candidates) if (!taken.some((t) => overlaps(c, t))) return c;
  throw invalidArgument(`no free ${what} left on this machine`);
}

/** /24s for the cluster link and the host node's Docker bridge: 10.200.0.0–10.239.255.0, away from the tests' 10.160/11 */
export function* linkCandidates(seed: string): Generator<string> {
  const start = parseInt(seed.slice(0, 4), 16) % (40 * 256);
  for (let i = 0; i < 40 * 256; i++) {
    const n = (start + i) % (40 * 256);
    yield `10.${200 + Math.floor(n / 256)}.${n % 256}.0/24`;
  }
}

/** service ranges: 10.43.0.0/16 as k3s, else the next free /16 up to 10.59 (away from the link's 10.200-239, the
 * cluster CIDRs' 10.244-255, the tests' 10.160/11 and the engine's 10.99) */
export function* serviceCidrCandidates(): Generator<string> {
  for (let b = 43; b <= 59; b++) yield `10.${b}.0.0/16`;
}

/** cluster CIDRs: 10.244.0.0/16 as kubeadm/flannel, else the next free /16 up to 10.255 */
export function* clusterCidrCandidates(): Generator<string> {
  for (let b = 244; b <= 255; b++) yield `10.${b}.0.0/16`;
}
