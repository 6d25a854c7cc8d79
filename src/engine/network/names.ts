// What the embedded DNS resolver answers on a user network: the container names, aliases and short ids of
// that network's endpoints (also as `name.<network>`), and PTR names for their addresses. A query that
// arrives on a network's gateway sees only that network. Pure: it reads the state it is given.
import type { Endpoint, NetworkRecord } from '../types.ts';

export interface NameSource {
  networks: Iterable<NetworkRecord>;
  endpoints: Iterable<Endpoint>;
}

const norm = (name: string) => name.toLowerCase().replace(/\.$/, '');

/** The user network whose gateway `localAddress` is. */
function networkAt(src: NameSource, localAddress: string): NetworkRecord | undefined {
  for (const n of src.networks) if (n.Driver === 'bridge' && n.IPAM.Config[0]?.Gateway === localAddress) return n;
  return undefined;
}

/** IPv4 addresses for `name` asked on `localAddress`; undefined: not a name of that network (forward it). */
export function resolveName(src: NameSource, name: string, localAddress: string): string[] | undefined {
  const net = networkAt(src, localAddress);
  if (!net) return undefined;
  const q = norm(name);
  const suffix = `.${net.Name.toLowerCase()}`;
  const bare = q.endsWith(suffix) ? q.slice(0, -suffix.length) : q;
  const out: string[] = [];
  for (const ep of src.endpoints) {
    if (ep.networkId !== net.Id || !ep.ipv4Address) continue;
    if (ep.dnsNames.some((n) => n.toLowerCase() === bare)) out.push(ep.ipv4Address);
  }
  return out.length ? out : undefined;
}

/** `<container name>.<network>` for an address of that network; undefined: forward it. */
export function resolvePtr(src: NameSource, ip: string, localAddress: string): string | undefined {
  const net = networkAt(src, localAddress);
  if (!net) return undefined;
  for (const ep of src.endpoints) {
    if (ep.networkId === net.Id && ep.ipv4Address === ip && ep.dnsNames.length) return `${ep.dnsNames[0]}.${net.Name}`;
  }
  return undefined;
}

/** The host's resolvers from its resolv.conf (the daemon runs in the host's namespace: loopback ones work). */
export function upstreamsOf(resolvConf: string): string[] {
  return resolvConf.split('\n').map((l) => l.trim().split(/\s+/)).filter((w) => w[0] === 'nameserver' && w[1]).map((w) => w[1]);
}
