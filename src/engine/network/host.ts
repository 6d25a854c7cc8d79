// The host side of networking: Linux bridges, network namespaces, sysctls, the routing table, and
// whether a host port is free. Thin wrappers over `ip` and /proc/sys.
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { writeFile, access } from 'node:fs/promises';
import { runProgram } from '../../lib/spawn.ts';
import { internal } from '../../lib/errors.ts';
import { parseCidr, type Cidr } from './subnet.ts';

const IP = '/usr/sbin/ip';

async function ip(args: string[], what: string): Promise<string> {
  const r = await runProgram(IP, args, { timeoutMs: 30_000 });
  if (r.code !== 0) throw internal(`${what}: ip ${args.join(' ')}: ${r.stderr.trim() || r.error?.message}`);
  return r.stdout;
}

export const netnsName = (containerId: string) => `skiff-${containerId}`;
export const netnsPath = (containerId: string) => `/run/netns/${netnsName(containerId)}`;

export const exists = (p: string) => access(p).then(() => true, () => false);

/** A bridge with the gateway address, up; route_localnet on so 127.0.0.1 can be DNATed onto it. */
export async function ensureBridge(name: string, gatewayCidr: string, mtu = 1500): Promise<void> {
  if (!(await exists(`/sys/class/net/${name}`))) {
    const r = await runProgram(IP, ['link', 'add', name, 'mtu', String(mtu), 'type', 'bridge'], { timeoutMs: 30_000 });
    // another start may have made it meanwhile (the CNI bridge plugin makes it too)
    if (r.code !== 0 && !(await exists(`/sys/class/net/${name}`))) throw internal(`creating bridge ${name}: ${r.stderr.trim()}`);
  }
  const addrs = await ip(['-j', 'addr', 'show', 'dev', name], `bridge ${name}`);
  const have = (JSON.parse(addrs || '[]') as Array<{ addr_info?: Array<{ family: string; local: string; prefixlen: number }> }>)[0]?.addr_info ?? [];
  if (!have.some((a) => a.family === 'inet' && `${a.local}/${a.prefixlen}` === gatewayCidr)) {
    await ip(['addr', 'add', gatewayCidr, 'dev', name], `bridge ${name} address`);
  }
  await ip(['link', 'set', name, 'up'], `bridge ${name} up`);
  await setSysctl(`net/ipv4/conf/${name}/route_localnet`, '1');
}

export async function deleteBridge(name: string): Promise<void> {
  if (!(await exists(`/sys/class/net/${name}`))) return;
  await ip(['link', 'del', name], `removing bridge ${name}`);
}

export async function setSysctl(key: string, value: string): Promise<void> {
  await writeFile(`/proc/sys/${key}`, value);
}

export async function addNetns(containerId: string): Promise<string> {
  await ip(['netns', 'add', netnsName(containerId)], 'creating the network namespace');
  return netnsPath(containerId);
}

export async function deleteNetns(containerId: string): Promise<void> {
  if (!(await exists(netnsPath(containerId)))) return;
  await ip(['netns', 'del', netnsName(containerId)], 'removing the network namespace');
}

/** Destinations of the host's IPv4 routes (a new network must not shadow any of them). */
export async function hostRoutes(): Promise<Cidr[]> {
  const out = await ip(['-j', '-4', 'route', 'show', 'table', 'all'], 'reading routes');
  const routes = JSON.parse(out || '[]') as Array<{ dst: string; type?: string }>;
  const cidrs: Cidr[] = [];
  for (const r of routes) {
    if (!r.dst || r.dst === 'default' || (r.type && r.type !== 'unicast')) continue;
    try {
      cidrs.push(parseCidr(r.dst.includes('/') ? r.dst : `${r.dst}/32`));
    } catch {
      // not an IPv4 destination
    }
  }
  return cidrs;
}

/** True when a host socket could bind `hostIp:port` now (docker's check before it publishes a port). */
export function portBindable(hostIp: string, port: number, protocol: 'tcp' | 'udp'): Promise<boolean> {
  const host = hostIp || '0.0.0.0';
  return new Promise((done) => {
    if (protocol === 'udp') {
      const s = createSocket('udp4');
      s.once('error', () => done(false));
      s.bind({ address: host, port, exclusive: true }, () => s.close(() => done(true)));
      return;
    }
    const srv = createServer();
    srv.once('error', () => done(false));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => done(true)));
  });
}
