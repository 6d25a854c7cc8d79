// Node hosts on one machine: `skiff up --nodes N` makes a cluster of N+1 real nodes — the host itself (node-1)
// and N network namespaces (node-2…) on one bridge — each running its own `skiff agent` (engine + kubelet)
// joined to the `skiff server` this starts; `skiff down` removes all of it; `skiff nodes stop|start` kill and
// revive one node host. The layout (addresses, CIDRs, names) is kept in <root>/cluster.json.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { invalidArgument, notFound, unavailable } from '../../lib/errors.ts';
import { ensureToken } from '../server/tokens.ts';
import {
  addressIn, agentLog, agentPidFile, clusterCidrCandidates, serviceCidrCandidates, clusterId, firstFree, linkCandidates, nodeName, nodeRoot,
  podCidrOf, readLayout, serverLog, writeLayout, type ClusterLayout, type ClusterNode,
} from './layout.ts';
import { cgroupMountScript, ensureBridge, ensureNoNatTable, ensureNodeNetns, removeClusterNetwork, takenSubnets } from './net.ts';
import { withLayoutLock } from './lock.ts';
import { containerIds, killNode, podCgroupParents, removeContainerLeftovers, runningPid, startDetached, stopPid, unmountUnder } from './procs.ts';

export type { ClusterLayout, ClusterNode } from './layout.ts';
export { readLayout, nodeSocket, nodeRoot } from './layout.ts';
export { hostNetObjects } from './net.ts';

export interface UpOptions {
  root: string;
  port: number;
  /** node hosts besides the host itself */
  nodes: number;
  /** how to run this program: [node, …execArgv, main script] */
  self: string[];
  nodeMonitorGracePeriod?: string;
  /** the agents' --node-lease-duration-seconds (kept in the layout for `skiff nodes start`) */
  nodeLeaseDurationSeconds?: number;
  say: (line: string) => void;
}

export const JOIN_USER = { name: 'skiff-node-join', uid: 'skiff-node-join', groups: ['system:nodes', 'system:authenticated'] };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const serverPidFile = (root: string) => join(root, 'server.pid');
/** the agent keeps its engine in <node root>/engine */
const nodeEngineRoot = (root: string, name: string) => join(nodeRoot(root, name), 'engine');

function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const s = connect({ host, port });
    s.once('connect', () => (s.destroy(), done(true)));
    s.once('error', () => done(false));
  });
}

function makeNode(l: Pick<ClusterLayout, 'id' | 'linkSubnet' | 'clusterCIDR'>, index: number, kubeletPort: number): ClusterNode {
  const host = index === 1;
  return {
    name: nodeName(index), index, ip: addressIn(l.linkSubnet, index), podCIDR: podCidrOf(l.clusterCIDR, index),
    netns: host ? '' : `skiff-${l.id}-${nodeName(index)}`, veth: host ? '' : `skc${l.id}n${index}`, kubeletPort,
  };
}

/** the layout of <root>: as kept, grown to `total` nodes; or chosen now from subnets nobody routes */
async function planLayout(root: string, port: number, total: number): Promise<ClusterLayout> {
  let l = readLayout(root);
  if (!l) {
    const id = clusterId(root);
    const taken = await takenSubnets();
    const others = otherClusters(root);
    const used = [...taken, ...others.flatMap((o) => [o.linkSubnet, o.clusterCIDR, o.hostBip, o.serviceCIDR ?? '10.43.0.0/16'])];
    const linkSubnet = firstFree(linkCandidates(id), used, 'link subnet');
    const clusterCIDR = firstFree(clusterCidrCandidates(), used, 'cluster CIDR (10.244-255.0.0/16)');
    // another cluster's node-1 proxy shares the host's namespace: the same ClusterIPs there would take each other's traffic
    const serviceCIDR = firstFree(serviceCidrCandidates(), used, 'service range (10.43-59.0.0/16)');
    const hostBip = `${addressIn(firstFree(linkCandidates(id.slice(2)), [...used, linkSubnet], 'bridge subnet'), 1)}/24`;
    l = {
      id, root, port, bridge: `skc${id}`, linkSubnet, clusterCIDR, serviceCIDR,
      hostPodBridge: `skc${id}p`, hostDockerBridge: `skc${id}d`, hostBip, nftTable: `skiff_cluster_${id}`, nodes: [],
    };
  }
  if (total > 254) throw invalidArgument(`--nodes ${total - 1} is too many: a cluster's link has room for 253 node hosts`);
  // the host node's kubelet takes a free port (0: the agent picks one and writes it into its Node)
  for (let i = l.nodes.length + 1; i <= total; i++) l.nodes.push(makeNode(l, i, i === 1 ? 0 : 10250));
  return l;
}

/** layouts of other clusters made by this program whose roots are known (their link and CIDRs stay theirs) */
function otherClusters(root: string): ClusterLayout[] {
  // several clusters side by side: each records itself in /run/skiff-clusters/<id> → its root
  const dir = '/run/skiff-clusters';
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((id) => {
    const other = readFileSync(join(dir, id), 'utf8').trim();
    const l = other !== root ? readLayout(other) : undefined;
    return l ? [l] : [];
  });
}

function registerCluster(l: ClusterLayout, present: boolean): void {
  const file = `/run/skiff-clusters/${l.id}`;
  if (!present) return rmSync(file, { force: true });
  mkdirSync('/run/skiff-clusters', { recursive: true });
  writeFileSync(file, `${l.root}\n`);
}

export const serverUrl = (l: ClusterLayout) => `https://${addressIn(l.linkSubnet, 1)}:${l.port}`;

async function ensureServer(l: ClusterLayout, o: UpOptions): Promise<void> {
  const running = runningPid(serverPidFile(l.root), ['server']);
  const ip = addressIn(l.linkSubnet, 1);
  if (running && (await portOpen(ip, l.port))) return o.say(`The control plane runs (pid ${running}) on ${serverUrl(l)}.`);
  // one started before node hosts listens on 127.0.0.1 only, out of the nodes' reach
  if (running) throw unavailable(`a control plane runs on ${l.root} (pid ${running}) but not on ${serverUrl(l)} where the nodes reach it: stop it with 'skiff down --root ${l.root}' and run up again`);
  if (await portOpen(ip, l.port)) throw unavailable(`port ${l.port} on ${ip} is taken by something else`);
  // LoadBalancer addresses inside the link /24: the host reaches them on-link, the nodes' proxies DNAT them
  const lbPool = `${addressIn(l.linkSubnet, 200)}-${addressIn(l.linkSubnet, 250)}`;
  // Ingresses are served on the link's .1, ports 80 and 443, published as the LoadBalancer kube-system/skiff-ingress
  const args = [...o.self, 'server', '--root', l.root, '--port', String(l.port), '--bind-address', ip, '--tls-san', ip, '--lb-pool', lbPool,
    '--cluster-cidr', l.clusterCIDR, ...(l.serviceCIDR ? ['--service-cidr', l.serviceCIDR] : []),
    '--ingress-bind', ip, '--ingress-http-port', '80', '--ingress-https-port', '443',
    ...(o.nodeMonitorGracePeriod ? ['--node-monitor-grace-period', o.nodeMonitorGracePeriod] : []),
    // a node of this machine that stops is gone for good (no network blip to ride out): its pods move after
    // the grace period + as long again, not after kube's 300 s
    ...tolerationArgs(o.nodeLeaseDurationSeconds)];
  // the server writes server.pid itself once it listens; ours goes to run/ so a failed start is visible
  const pid = await startDetached(args, serverLog(l.root), join(l.root, 'run', 'server.pid'));
  for (let i = 0; i < 600; i++) {
    if (runningPid(serverPidFile(l.root), ['server']) && (await portOpen(ip, l.port))) {
      return o.say(`Started the control plane (pid ${pid}) on ${serverUrl(l)}, Ingresses on http://${ip}/ and https://${ip}/, LoadBalancer addresses ${lbPool}; its log is ${serverLog(l.root)}`);
    }
    if (!runningPid(join(l.root, 'run', 'server.pid'), ['server'])) throw unavailable(`the control plane exited before answering; see ${serverLog(l.root)}`);
    await sleep(100);
  }
  await stopPid(pid, 5000);
  throw unavailable(`the control plane did not answer within 60 seconds; see ${serverLog(l.root)}`);
}

/** DefaultTolerationSeconds as long as the node-monitor grace period (the agents' Lease duration; kube's 40 s when none is given) */
function tolerationArgs(graceSeconds: number | undefined): string[] {
  const seconds = String(graceSeconds ?? 40);
  return ['--default-not-ready-toleration-seconds', seconds, '--default-unreachable-toleration-seconds', seconds];
}

function agentArgs(l: ClusterLayout, n: ClusterNode, token: string, self: string[]): string[] {
  const common = [
    ...self, 'agent', '--server', serverUrl(l), '--token', token, '--ca-file', join(l.root, 'tls', 'ca.crt'),
    '--root', nodeRoot(l.root, n.name), '--node-name', n.name, '--node-ip', n.ip, '--pod-cidr', n.podCIDR, '--cluster-cidr', l.clusterCIDR,
    ...(l.nodeLeaseDurationSeconds ? ['--node-lease-duration-seconds', String(l.nodeLeaseDurationSeconds)] : []),
  ];
  if (!n.netns) {
    return [...common, '--pod-bridge', l.hostPodBridge, '--bridge', l.hostDockerBridge, '--bip', l.hostBip, '--kubelet-port', String(n.kubeletPort)];
  }
  // `ip netns exec` gives the agent a fresh /sys without the cgroup mounts its engine needs
  return ['/usr/sbin/ip', 'netns', 'exec', n.netns, '/bin/sh', '-c', `${cgroupMountScript()} && exec "$0" "$@"`, ...common, '--kubelet-port', String(n.kubeletPort)];
}

export async function startAgent(l: ClusterLayout, n: ClusterNode, self: string[]): Promise<number> {
  const token = await ensureToken(join(l.root, 'tokens'), JOIN_USER);
  mkdirSync(nodeRoot(l.root, n.name), { recursive: true });
  return startDetached(agentArgs(l, n, token, self), agentLog(l.root, n.name), agentPidFile(l.root, n.name), 1000);
}

export const agentPid = (l: ClusterLayout, n: ClusterNode) => runningPid(agentPidFile(l.root, n.name), ['agent', n.name]);

/** `skiff up`: the layout, the network, the server, an agent per node (each step skipped when already there) */
export async function upCluster(o: UpOptions): Promise<ClusterLayout> {
  const root = resolve(o.root);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  // chosen and registered under the lock, so another `up` sees this cluster's subnets as taken
  const l = await withLayoutLock(async () => {
    const l = await planLayout(root, o.port, o.nodes + 1);
    // a stopped cluster takes the port given now; a running server keeps its own
    if (l.port !== o.port && !runningPid(serverPidFile(root), ['server'])) l.port = o.port;
    if (o.nodeLeaseDurationSeconds) l.nodeLeaseDurationSeconds = o.nodeLeaseDurationSeconds;
    await writeLayout(l);
    registerCluster(l, true);
    return l;
  });
  await ensureBridge(l);
  // the routes between the nodes' pod CIDRs are the agents' (src/cluster/podnet: host-gw on this bridge)
  for (const n of l.nodes) if (n.netns) await ensureNodeNetns(l, n);
  for (const n of l.nodes) await ensureNoNatTable(l, n.netns);
  // the join token must be in the token file before the server reads it
  await ensureToken(join(root, 'tokens'), JOIN_USER);
  await ensureServer(l, o);
  for (const n of l.nodes) {
    const pid = agentPid(l, n);
    if (pid) {
      o.say(`${n.name}: its agent runs (pid ${pid}).`);
      continue;
    }
    const started = await startAgent(l, n, o.self);
    o.say(`${n.name}: started its agent (pid ${started}) at ${n.ip}${n.netns ? ` in netns ${n.netns}` : ' (this host)'}, pods ${n.podCIDR}; log ${agentLog(root, n.name)}`);
  }
  return l;
}

export function findNode(l: ClusterLayout, name: string): ClusterNode {
  const n = l.nodes.find((x) => x.name === name);
  if (!n) throw notFound(`no node "${name}" in the cluster at ${l.root} (its nodes: ${l.nodes.map((x) => x.name).join(', ')})`);
  return n;
}

/** `skiff nodes stop`: the agent and its pods' processes killed — the node as good as dead */
export async function stopNode(l: ClusterLayout, name: string): Promise<number> {
  const n = findNode(l, name);
  const killed = await killNode(agentPid(l, n), nodeRoot(l.root, n.name), n.netns);
  rmSync(agentPidFile(l.root, n.name), { force: true });
  return killed;
}

/** `skiff nodes start`: the node's network as it should be, then its agent again */
export async function startNode(l: ClusterLayout, name: string, self: string[]): Promise<number> {
  const n = findNode(l, name);
  const running = agentPid(l, n);
  if (running) return running;
  if (n.netns) await ensureNodeNetns(l, n);
  await ensureNoNatTable(l, n.netns);
  return startAgent(l, n, self);
}

/** `skiff down`: agents and their pods, the server, mounts, netns, veths, bridges, routes, nft tables — all of
 * it; the server's state (store, TLS, tokens, kubeconfig) and the logs stay */
export async function downCluster(root: string, say: (line: string) => void): Promise<boolean> {
  const l = readLayout(resolve(root));
  if (!l) return false;
  for (const n of l.nodes) {
    const killed = await killNode(agentPid(l, n), nodeRoot(l.root, n.name), n.netns);
    rmSync(agentPidFile(l.root, n.name), { force: true });
    if (killed) say(`${n.name}: stopped its agent and pods (${killed} processes).`);
  }
  const server = runningPid(serverPidFile(l.root), ['server']) ?? runningPid(join(l.root, 'run', 'server.pid'), ['server']);
  if (server) {
    await stopPid(server, 30_000);
    say(`Stopped the control plane (pid ${server}).`);
  }
  const extraBridges: string[] = [];
  for (const n of l.nodes) {
    const ids = containerIds(nodeEngineRoot(l.root, n.name));
    await removeContainerLeftovers(ids, podCgroupParents(nodeEngineRoot(l.root, n.name)));
    if (!n.netns) extraBridges.push(...engineBridges(nodeEngineRoot(l.root, n.name)));
  }
  await unmountUnder(l.root);
  await removeClusterNetwork(l, extraBridges);
  rmSync(join(l.root, 'nodes'), { recursive: true, force: true });
  rmSync(join(l.root, 'run'), { recursive: true, force: true });
  registerCluster(l, false);
  say(`Removed the cluster's node hosts, network and mounts; its state stays in ${l.root}.`);
  return true;
}

/** the Linux bridges of a host engine's networks (from its network records) */
function engineBridges(engineRoot: string): string[] {
  const dir = join(engineRoot, 'networks');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.json')).flatMap((f) => {
    try {
      const n = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { Id?: string; Driver?: string; Options?: Record<string, string> };
      if (n.Driver !== 'bridge') return [];
      return [n.Options?.['com.docker.network.bridge.name'] ?? `sk-${String(n.Id).slice(0, 12)}`];
    } catch {
      return []; // a record half-written by a killed engine names nothing
    }
  });
}
