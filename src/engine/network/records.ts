// Network records in docker's shape: the predefined bridge/host/none, user networks from a create request
// (checked here, once), and docker's `network ls` filters. Pure apart from the ids and clock it is given.
import type { NetworkCreateRequest, NetworkIpamConfig, NetworkRecord } from '../types.ts';
import { conflict, invalidArgument, notFound } from '../../lib/errors.ts';
import { intToIp, cidrContains, findFreeSubnet, firstHost, formatCidr, ipToInt, isIPv4, overlaps, parseAddressPrefix, parseCidr, type Cidr } from './subnet.ts';

export const BRIDGE_NAME_OPTION = 'com.docker.network.bridge.name';
/** skiff's: the network's resolv.conf lists only the asked (or the host's) servers, not the embedded resolver
 *  (a pod network: the kubelet's DNS config is the whole of it) */
export const NO_EMBEDDED_DNS_OPTION = 'io.skiff.network.no-embedded-dns';
/** skiff's: traffic of the network to this CIDR keeps its source address (a pod network: other nodes' pods
 *  see pod IPs, Kubernetes' model); everything else going out is masqueraded as usual */
export const NO_MASQUERADE_TO_OPTION = 'io.skiff.network.no-masquerade-to';
export const PREDEFINED = ['bridge', 'host', 'none'] as const;
/** user networks without --subnet get a /24 from here */
export const USER_POOL = '10.100.0.0/14';

/** where user networks without --subnet get theirs: docker's `--default-address-pool base=CIDR,size=N` */
export interface AddressPool { base: string; size: number }
export const DEFAULT_POOL: AddressPool = { base: USER_POOL, size: 24 };

/** `base=10.10.0.0/16,size=24`, checked: a size inside 1..30 and not wider than the base */
export function parseAddressPool(spec: string): AddressPool {
  const fields = new Map(spec.split(',').map((kv) => kv.split('=', 2).map((s) => s.trim()) as [string, string]));
  const base = fields.get('base');
  const size = Number(fields.get('size') ?? 24);
  for (const k of fields.keys()) if (k !== 'base' && k !== 'size') throw invalidArgument(`--default-address-pool ${spec}: unknown field "${k}" (base=CIDR,size=N)`);
  if (!base) throw invalidArgument(`--default-address-pool ${spec}: base=CIDR is required`);
  let cidr: Cidr;
  try {
    cidr = parseCidr(base);
  } catch (err) {
    throw invalidArgument(`--default-address-pool ${spec}: ${(err as Error).message}`, err);
  }
  if (!Number.isInteger(size) || size < cidr.prefix || size > 30) throw invalidArgument(`--default-address-pool ${spec}: size must be a prefix length between ${cidr.prefix} and 30`);
  return { base: formatCidr(cidr), size };
}

const IFNAMSIZ = 15;

function baseRecord(id: string, name: string, created: string, driver: NetworkRecord['Driver']): NetworkRecord {
  return {
    Name: name, Id: id, Created: created, Scope: 'local', Driver: driver, EnableIPv4: true, EnableIPv6: false,
    IPAM: { Driver: 'default', Options: null, Config: [] }, Internal: false, Attachable: false, Ingress: false,
    ConfigFrom: { Network: '' }, ConfigOnly: false, Options: {}, Labels: {},
  };
}

/** The default bridge from the daemon's --bridge and --bip (`10.99.0.1/16`: gateway and subnet). */
export function defaultBridgeRecord(id: string, created: string, bridge: string, bip: string): NetworkRecord {
  const { ip, prefix } = parseAddressPrefix(bip);
  if (bridge.length > IFNAMSIZ) throw invalidArgument(`bridge name ${bridge} is longer than ${IFNAMSIZ} characters`);
  const n = baseRecord(id, 'bridge', created, 'bridge');
  const subnet = parseCidr(bip);
  n.IPAM = { Driver: 'default', Options: null, Config: [{ Subnet: formatCidr(subnet), Gateway: intToIp(ip) }] };
  if (prefix > 30) throw invalidArgument(`--bip ${bip}: the subnet is too small`);
  n.Options = {
    'com.docker.network.bridge.default_bridge': 'true',
    'com.docker.network.bridge.enable_icc': 'true',
    'com.docker.network.bridge.enable_ip_masquerade': 'true',
    'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
    [BRIDGE_NAME_OPTION]: bridge,
    'com.docker.network.driver.mtu': '1500',
  };
  return n;
}

export function predefinedRecord(id: string, created: string, name: 'host' | 'none'): NetworkRecord {
  return baseRecord(id, name, created, name === 'host' ? 'host' : 'null');
}

export const isPredefined = (n: NetworkRecord) => (PREDEFINED as readonly string[]).includes(n.Name) && (n.Name !== 'bridge' || n.Options['com.docker.network.bridge.default_bridge'] === 'true');

/** The Linux bridge of a bridge network. */
export const bridgeOf = (n: NetworkRecord) => n.Options[BRIDGE_NAME_OPTION] ?? `sk-${n.Id.slice(0, 12)}`;

export function subnetOf(n: NetworkRecord): Cidr | undefined {
  const s = n.IPAM.Config[0]?.Subnet;
  return s ? parseCidr(s) : undefined;
}

/**
 * A new user network, checked: name free, driver bridge, subnet/gateway/ip-range consistent and
 * overlapping neither our networks nor the host's routes (without --subnet: a free /24 of USER_POOL).
 */
export function newNetworkRecord(req: NetworkCreateRequest, id: string, created: string, existing: NetworkRecord[], hostRoutes: Cidr[], pool: AddressPool = DEFAULT_POOL): NetworkRecord {
  const name = req.name;
  if (!name) throw invalidArgument('network name is required');
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) throw invalidArgument(`invalid network name "${name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  if (existing.some((n) => n.Name === name)) throw conflict(`network with name ${name} already exists`);
  const driver = req.driver || 'bridge';
  if (driver === 'host' || driver === 'null') throw invalidArgument(`only one instance of "${driver}" network is allowed`);
  if (driver !== 'bridge') throw notFound(`plugin "${driver}" not found`);
  if (req.enableIPv6) throw invalidArgument('IPv6 networks are not supported by skiff yet');
  const options = { ...(req.options ?? {}) };
  const bridge = options[BRIDGE_NAME_OPTION];
  if (bridge !== undefined) {
    if (!/^[a-zA-Z0-9_.-]+$/.test(bridge) || bridge.length > IFNAMSIZ) throw invalidArgument(`invalid bridge name "${bridge}": at most ${IFNAMSIZ} characters of [a-zA-Z0-9_.-]`);
    if (existing.some((n) => n.Driver === 'bridge' && bridgeOf(n) === bridge)) throw conflict(`bridge name ${bridge} is already used by another network`);
  }
  if (options[NO_MASQUERADE_TO_OPTION] !== undefined) options[NO_MASQUERADE_TO_OPTION] = formatCidr(parseCidr(options[NO_MASQUERADE_TO_OPTION]));
  const taken = existing.map(subnetOf).filter((c): c is Cidr => !!c);
  const ipam = ipamConfig(req, taken, hostRoutes, pool);
  const n = baseRecord(id, name, created, 'bridge');
  n.IPAM = { Driver: 'default', Options: {}, Config: [ipam] };
  n.Internal = !!req.internal;
  n.Attachable = !!req.attachable;
  n.Options = options;
  n.Labels = { ...(req.labels ?? {}) };
  return n;
}

function ipamConfig(req: NetworkCreateRequest, taken: Cidr[], hostRoutes: Cidr[], pool: AddressPool): NetworkIpamConfig {
  if (!req.subnet) {
    if (req.gateway || req.ipRange) throw invalidArgument('every ip-range or gateway must have a corresponding subnet');
    const free = findFreeSubnet(parseCidr(pool.base), pool.size, [...taken, ...hostRoutes]);
    if (!free) throw invalidArgument('could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network');
    return { Subnet: formatCidr(free), Gateway: firstHost(free) };
  }
  const subnet = parseCidr(req.subnet);
  if (subnet.prefix > 30) throw invalidArgument(`invalid subnet ${req.subnet}: too small`);
  if (taken.some((t) => overlaps(t, subnet))) throw conflict('invalid pool request: Pool overlaps with other one on this address space');
  if (hostRoutes.some((t) => overlaps(t, subnet) && t.prefix >= subnet.prefix)) {
    throw conflict(`invalid pool request: Pool ${formatCidr(subnet)} overlaps with a route of this host`);
  }
  const out: NetworkIpamConfig = { Subnet: formatCidr(subnet), Gateway: firstHost(subnet) };
  if (req.gateway) {
    if (!isIPv4(req.gateway)) throw invalidArgument(`invalid gateway address ${req.gateway}`);
    if (!cidrContains(subnet, ipToInt(req.gateway))) throw invalidArgument(`no matching subnet for gateway ${req.gateway}`);
    out.Gateway = req.gateway;
  }
  if (req.ipRange) {
    const range = parseCidr(req.ipRange);
    if (range.prefix < subnet.prefix || !cidrContains(subnet, range.base)) throw invalidArgument(`no matching subnet for range ${req.ipRange}`);
    out.IPRange = formatCidr(range);
  }
  return out;
}

/** docker's `network ls` filters; `endpoints(n)` counts a network's attached containers (for dangling). */
export function filterNetworks(list: NetworkRecord[], filters: Record<string, string[]>, endpoints: (n: NetworkRecord) => number): NetworkRecord[] {
  for (const key of Object.keys(filters)) {
    if (!['name', 'id', 'label', 'driver', 'type', 'dangling', 'scope'].includes(key)) throw invalidArgument(`invalid filter '${key}'`);
  }
  const any = (key: string, pred: (v: string) => boolean) => !filters[key]?.length || filters[key].some(pred);
  for (const t of filters.type ?? []) if (t !== 'custom' && t !== 'builtin') throw invalidArgument(`invalid filter: 'type'='${t}'`);
  return list.filter((n) =>
    any('name', (v) => n.Name.includes(v)) &&
    any('id', (v) => n.Id.startsWith(v)) &&
    any('driver', (v) => n.Driver === v) &&
    any('scope', (v) => v === 'local') &&
    any('type', (v) => (v === 'builtin') === isPredefined(n)) &&
    any('dangling', (v) => (['true', '1'].includes(v) ? !isPredefined(n) && endpoints(n) === 0 : isPredefined(n) || endpoints(n) > 0)) &&
    (filters.label ?? []).every((l) => {
      const i = l.indexOf('=');
      return i < 0 ? l in n.Labels : n.Labels[l.slice(0, i)] === l.slice(i + 1);
    }),
  );
}

/**
 * docker's `network prune` filters: until (read by the caller), label and label! (matchLabels: every
 * `label` matches, and not every `label!` does); name, driver and the like are `ls` filters, refused here.
 */
export function pruneCandidates(list: NetworkRecord[], filters: Record<string, string[]>): NetworkRecord[] {
  for (const key of Object.keys(filters)) if (!['until', 'label', 'label!'].includes(key)) throw invalidArgument(`invalid filter '${key}'`);
  const matches = (n: NetworkRecord, l: string) => {
    const i = l.indexOf('=');
    return i < 0 ? l in n.Labels : n.Labels[l.slice(0, i)] === l.slice(i + 1);
  };
  const not = filters['label!'] ?? [];
  return list.filter((n) => (filters.label ?? []).every((l) => matches(n, l)) && !(not.length && not.every((l) => matches(n, l))));
}
