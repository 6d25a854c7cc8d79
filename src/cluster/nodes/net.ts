// The node hosts' network: one Linux bridge per cluster on the host (holding the host node's address, .1 of
// the cluster's link /24) and a veth from it into each node's network namespace (eth0 there, .k). All nodes
// share the bridge's L2 segment, so the agents route each other's pod CIDRs host-gw (src/cluster/podnet). A
// small nftables table per namespace gives pod-to-pod packets an identity SNAT ahead of the engines'
// masquerade, so a pod sees the other pod's IP.
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { runProgram } from '../../lib/spawn.ts';
import { unavailable } from '../../lib/errors.ts';
import { addressIn, nodeRoot, parseCidr, type ClusterLayout, type ClusterNode } from './layout.ts';
import { proxyTableName } from '../proxy/index.ts';

const IP = '/usr/sbin/ip';
const NFT = '/usr/sbin/nft';

async function run(path: string, args: string[], what: string, input?: string): Promise<string> {
  const r = await runProgram(path, args, { timeoutMs: 30_000, input });
  if (r.code !== 0) throw unavailable(`${what}: ${[path.split('/').pop(), ...args].join(' ')}: ${(r.stderr || r.error?.message || `status ${r.code}`).trim()}`);
  return r.stdout;
}

/** `ip` in the node's netns ('' = the host's) */
const ipIn = (netns: string, args: string[], what: string) => run(IP, netns ? ['-n', netns, ...args] : args, what);

const linkExists = (name: string) => existsSync(`/sys/class/net/${name}`);
const prefixLen = (cidr: string) => parseCidr(cidr).bits;

/** every IPv4 route on the host (all tables), for picking subnets nobody uses */
export async function takenSubnets(): Promise<string[]> {
  const out = await run(IP, ['-j', '-4', 'route', 'show', 'table', 'all'], 'listing routes');
  const routes = JSON.parse(out || '[]') as Array<{ dst: string }>;
  return routes.map((r) => r.dst).filter((d) => /^\d+\.\d+\.\d+\.\d+(\/\d+)?$/.test(d)).map((d) => (d.includes('/') ? d : `${d}/32`));
}

/** the cluster's bridge on the host with the host node's address, up */
export async function ensureBridge(l: ClusterLayout): Promise<void> {
  if (!linkExists(l.bridge)) await ipIn('', ['link', 'add', l.bridge, 'type', 'bridge'], 'making the cluster bridge');
  const addr = `${addressIn(l.linkSubnet, 1)}/${prefixLen(l.linkSubnet)}`;
  await ipIn('', ['addr', 'replace', addr, 'dev', l.bridge], 'addressing the cluster bridge');
  await ipIn('', ['link', 'set', l.bridge, 'up'], 'bringing the cluster bridge up');
  await run('/usr/sbin/sysctl', ['-qw', 'net.ipv4.ip_forward=1'], 'enabling forwarding');
}

/** node `n`'s netns with eth0 (its address) on the bridge, lo up, forwarding on */
export async function ensureNodeNetns(l: ClusterLayout, n: ClusterNode): Promise<void> {
  if (!existsSync(`/run/netns/${n.netns}`)) await ipIn('', ['netns', 'add', n.netns], `making ${n.name}'s network namespace`);
  if (!linkExists(n.veth)) {
    const peer = `${n.veth}p`;
    await ipIn('', ['link', 'add', n.veth, 'type', 'veth', 'peer', 'name', peer], `making ${n.name}'s veth`);
    await ipIn('', ['link', 'set', peer, 'netns', n.netns], `moving ${n.name}'s veth into its netns`);
    await ipIn(n.netns, ['link', 'set', peer, 'name', 'eth0'], `naming ${n.name}'s eth0`);
  }
  await ipIn('', ['link', 'set', n.veth, 'master', l.bridge], `plugging ${n.name} into the cluster bridge`);
  await ipIn('', ['link', 'set', n.veth, 'up'], `bringing ${n.name}'s veth up`);
  await ipIn(n.netns, ['addr', 'replace', `${n.ip}/${prefixLen(l.linkSubnet)}`, 'dev', 'eth0'], `addressing ${n.name}`);
  await ipIn(n.netns, ['link', 'set', 'eth0', 'up'], `bringing ${n.name}'s eth0 up`);
  await ipIn(n.netns, ['link', 'set', 'lo', 'up'], `bringing ${n.name}'s lo up`);
  await run(IP, ['netns', 'exec', n.netns, '/usr/sbin/sysctl', '-qw', 'net.ipv4.ip_forward=1'], `enabling forwarding in ${n.name}`);
}

/** the identity SNAT for pod-to-pod packets: the first NAT rule that matches wins, so the engines' later
 * masquerade leaves them alone (pods see each other's IPs across nodes) */
export async function ensureNoNatTable(l: ClusterLayout, netns: string): Promise<void> {
  const c = l.clusterCIDR;
  const body = `table ip ${l.nftTable} {}\nflush table ip ${l.nftTable}\ntable ip ${l.nftTable} {\n` +
    `  chain postrouting {\n    type nat hook postrouting priority srcnat - 10; policy accept;\n` +
    `    ip saddr ${c} ip daddr ${c} snat ip to ip saddr\n  }\n}\n`;
  const args = netns ? ['netns', 'exec', netns, NFT, '-f', '-'] : ['-f', '-'];
  await run(netns ? IP : NFT, args, `writing nftables table ${l.nftTable}`, body);
}

/** Everything the node network made on the host: netns (their veths go with them), bridges, nft tables.
 * Each step goes on when one fails (what is gone need not be removed); the failures are thrown at the end. */
export async function removeClusterNetwork(l: ClusterLayout, extraBridges: string[]): Promise<void> {
  const failures: string[] = [];
  const attempt = async (done: () => boolean, step: () => Promise<unknown>) => {
    if (done()) return;
    await step().catch((err: Error) => {
      if (!done()) failures.push(err.message);
    });
  };
  for (const n of l.nodes) {
    if (n.netns) await attempt(() => !existsSync(`/run/netns/${n.netns}`), () => ipIn('', ['netns', 'del', n.netns], `removing ${n.name}'s network namespace`));
  }
  for (const n of l.nodes) {
    // the host end goes when the netns does, a moment later
    if (n.veth) await attempt(() => !linkExists(n.veth), () => ipIn('', ['link', 'del', n.veth], `removing ${n.name}'s veth`));
  }
  for (const br of new Set([l.bridge, l.hostPodBridge, l.hostDockerBridge, ...extraBridges])) {
    await attempt(() => !linkExists(br), () => ipIn('', ['link', 'del', br], `removing bridge ${br}`));
  }
  // the agents' service proxy tables outlive them (node-1's sits in the host's namespace; the others go with theirs)
  const proxyTables = l.nodes.map((n) => proxyTableName(nodeRoot(l.root, n.name)));
  for (const table of await tablesNaming([l.nftTable, ...proxyTables], [l.hostPodBridge, l.hostDockerBridge, ...extraBridges])) {
    await attempt(() => false, () => run(NFT, ['delete', 'table', 'ip', table], `removing nftables table ${table}`));
  }
  if (failures.length) throw unavailable(failures.join('\n'));
}

/** ip tables called one of `names`, or whose rules name one of `bridges` (the host node engine's own table) */
async function tablesNaming(names: string[], bridges: string[]): Promise<string[]> {
  const text = await run(NFT, ['list', 'ruleset', 'ip'], 'listing nftables');
  const found: string[] = [];
  for (const block of text.split(/^table ip /m).slice(1)) {
    const name = block.slice(0, block.indexOf(' '));
    if (names.includes(name) || bridges.some((b) => block.includes(`"${b}"`))) found.push(name);
  }
  return found;
}

/** the host's network namespaces and links whose names start with `prefix` (for a test's before/after) */
export function hostNetObjects(prefix: string): string[] {
  const ns = existsSync('/run/netns') ? readdirSync('/run/netns').filter((n) => n.startsWith(prefix)).map((n) => `netns ${n}`) : [];
  const links = readdirSync('/sys/class/net').filter((n) => n.startsWith(prefix)).map((n) => `link ${n}`);
  return [...ns, ...links];
}

/** the host's cgroup mounts as shell commands: `ip netns exec` mounts a fresh /sys, which hides them, and
 * the node's engine needs them (cgroup v1 controllers, the unified hierarchy, or plain cgroup2) */
export function cgroupMountScript(): string {
  const lines = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(Boolean);
  const cmds: string[] = [];
  for (const line of lines) {
    const [pre, post] = line.split(' - ');
    const mp = pre.split(' ')[4];
    if (mp !== '/sys/fs/cgroup' && !mp.startsWith('/sys/fs/cgroup/')) continue;
    const [fstype, , superOpts] = post.split(' ');
    if (fstype === 'tmpfs') cmds.push(`mount -t tmpfs -o mode=755 tmpfs ${mp}`);
    else if (fstype === 'cgroup') {
      const opts = superOpts.split(',').filter((o) => o !== 'rw' && o !== 'ro').join(',');
      cmds.push(`mkdir -p ${mp} && mount -t cgroup -o ${opts} cgroup ${mp}`);
    } else if (fstype === 'cgroup2') cmds.push(`mkdir -p ${mp} && mount -t cgroup2 cgroup2 ${mp}`);
  }
  // the v1 layout's co-mount links (cpu,cpuacct → cpu …), as the host has them
  if (existsSync('/sys/fs/cgroup')) {
    for (const e of readdirSync('/sys/fs/cgroup', { withFileTypes: true })) {
      if (e.isSymbolicLink()) cmds.push(`ln -sfn ${readlinkSync(`/sys/fs/cgroup/${e.name}`)} /sys/fs/cgroup/${e.name}`);
    }
  }
  return cmds.join(' && ');
}
