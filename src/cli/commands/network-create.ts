// `skiff network create`: flags → the body of POST /networks/create as docker CLI 28 builds it, with its
// IPAM consolidation (each --gateway, --ip-range and --aux-address placed in the --subnet that holds it).
import { BlockList, isIP } from 'node:net';
import { type Command, CliError } from '../core.ts';

interface IpamConfig {
  Subnet: string;
  IPRange?: string;
  Gateway?: string;
  AuxiliaryAddresses?: Record<string, string>;
}

/** Go's net.ParseCIDR, enough to tell a valid `ip/prefix` and its family. */
function parseCidr(s: string): { ip: string; prefix: number; family: 'ipv4' | 'ipv6' } {
  const slash = s.indexOf('/');
  const ip = slash < 0 ? '' : s.slice(0, slash);
  const bits = slash < 0 ? '' : s.slice(slash + 1);
  const v = isIP(ip);
  const max = v === 4 ? 32 : 128;
  if (!v || !/^\d{1,3}$/.test(bits) || Number(bits) > max) throw new Error(`invalid CIDR address: ${s}`);
  return { ip, prefix: Number(bits), family: v === 4 ? 'ipv4' : 'ipv6' };
}

/** docker's subnetMatches: does `subnet` hold `data` (an address, or the address of a CIDR)? */
function subnetMatches(subnet: string, data: string): boolean {
  let s: ReturnType<typeof parseCidr>;
  try {
    s = parseCidr(subnet);
  } catch (err) {
    throw new Error(`invalid subnet: ${(err as Error).message}`);
  }
  const ip = data.includes('/') ? parseCidr(data).ip : data;
  const family = isIP(ip) === 4 ? 'ipv4' : isIP(ip) === 6 ? 'ipv6' : undefined;
  if (family !== s.family) return false;
  const list = new BlockList();
  list.addSubnet(s.ip, s.prefix, s.family);
  return list.check(ip, family);
}

/** createIPAMConfig of docker's `network create`, with its messages. */
export function consolidateIpam(subnets: string[], ipRanges: string[], gateways: string[], auxAddresses: Record<string, string>): IpamConfig[] {
  if (subnets.length < ipRanges.length || subnets.length < gateways.length) throw new Error('every ip-range or gateway must have a corresponding subnet');
  const configs = new Map<string, IpamConfig>();
  for (const s of subnets) {
    for (const k of configs.keys()) {
      if (subnetMatches(s, k) || subnetMatches(k, s)) throw new Error('multiple overlapping subnet configuration is not supported');
    }
    configs.set(s, { Subnet: s });
  }
  const place = (value: string, what: 'IPRange' | 'Gateway', describe: (prev: string, s: string) => string, missing: string) => {
    let matched = false;
    for (const s of subnets) {
      if (!subnetMatches(s, value)) continue;
      const c = configs.get(s)!;
      if (c[what]) throw new Error(describe(c[what]!, s));
      c[what] = value;
      matched = true;
    }
    if (!matched) throw new Error(`${missing} ${value}`);
  };
  for (const r of ipRanges) {
    parseCidr(r);
    place(r, 'IPRange', (prev, s) => `cannot configure multiple ranges (${r}, ${prev}) on the same subnet (${s})`, 'no matching subnet for range');
  }
  for (const g of gateways) place(g, 'Gateway', (prev, s) => `cannot configure multiple gateways (${g}, ${prev}) for the same subnet (${s})`, 'no matching subnet for gateway');
  for (const [key, aa] of Object.entries(auxAddresses)) {
    let matched = false;
    for (const s of subnets) {
      if (!subnetMatches(s, aa)) continue;
      const c = configs.get(s)!;
      c.AuxiliaryAddresses = { ...c.AuxiliaryAddresses, [key]: aa };
      matched = true;
    }
    if (!matched) throw new Error(`no matching subnet for aux-address ${aa}`);
  }
  return [...configs.values()];
}

/** `k=v` values (docker's MapOpts and ConvertKVStringsToMap): a bare `k` maps to ''. */
export function keyValues(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    out[eq < 0 ? v : v.slice(0, eq)] = eq < 0 ? '' : v.slice(eq + 1);
  }
  return out;
}

/** pflag's `strings` flags take comma-separated values as well as repeats. */
const commaList = (values: string[]) => values.flatMap((v) => v.split(',')).filter((v) => v !== '');

export const networkCreate: Command = {
  usage: '[OPTIONS] NETWORK',
  summary: 'Create a network',
  flags: [
    { name: 'attachable', type: 'bool', help: 'Enable manual container attachment' },
    { name: 'aux-address', type: 'list', value: 'map', help: 'Auxiliary IPv4 or IPv6 addresses used by Network driver', def: 'map[]' },
    { name: 'config-from', type: 'string', help: 'The network from which to copy the configuration' },
    { name: 'config-only', type: 'bool', help: 'Create a configuration only network' },
    { name: 'driver', short: 'd', type: 'string', help: 'Driver to manage the Network', def: '"bridge"' },
    { name: 'gateway', type: 'list', value: 'strings', help: 'IPv4 or IPv6 Gateway for the master subnet' },
    { name: 'ingress', type: 'bool', help: 'Create swarm routing-mesh network' },
    { name: 'internal', type: 'bool', help: 'Restrict external access to the network' },
    { name: 'ip-range', type: 'list', value: 'strings', help: 'Allocate container ip from a sub-range' },
    { name: 'ipam-driver', type: 'string', help: 'IP Address Management Driver', def: '"default"' },
    { name: 'ipam-opt', type: 'list', value: 'map', help: 'Set IPAM driver specific options', def: 'map[]' },
    { name: 'ipv4', type: 'bool', help: 'Enable or disable IPv4 address assignment', def: 'true' },
    { name: 'ipv6', type: 'bool', help: 'Enable or disable IPv6 address assignment' },
    { name: 'label', type: 'list', help: 'Set metadata on a network' },
    { name: 'opt', short: 'o', type: 'list', value: 'map', help: 'Set driver specific options', def: 'map[]' },
    { name: 'scope', type: 'string', help: "Control the network's scope" },
    { name: 'subnet', type: 'list', value: 'strings', help: 'Subnet in CIDR format that represents a network segment' },
  ],
  args: { min: 1, max: 1 },
  async run(ctx, p) {
    let config: IpamConfig[];
    try {
      config = consolidateIpam(commaList(p.list('subnet')), commaList(p.list('ip-range')), commaList(p.list('gateway')), keyValues(p.list('aux-address')));
    } catch (err) {
      throw new CliError((err as Error).message, 1);
    }
    const configFrom = p.str('config-from');
    const body = {
      Name: p.args[0],
      Driver: p.str('driver') ?? 'bridge',
      Scope: p.str('scope') ?? '',
      // only sent when given, so the daemon's default applies otherwise
      EnableIPv4: p.has('ipv4') ? p.bool('ipv4') : undefined,
      EnableIPv6: p.has('ipv6') ? p.bool('ipv6') : undefined,
      IPAM: { Driver: p.str('ipam-driver') ?? 'default', Config: config, Options: keyValues(p.list('ipam-opt')) },
      Internal: p.bool('internal'),
      Attachable: p.bool('attachable'),
      Ingress: p.bool('ingress'),
      ConfigOnly: p.bool('config-only'),
      ConfigFrom: configFrom ? { Network: configFrom } : undefined,
      Options: keyValues(p.list('opt')),
      Labels: keyValues(p.list('label')),
    };
    const res = await ctx.api().json<{ Id: string; Warning?: string }>('POST', '/networks/create', { body });
    if (res.Warning) process.stderr.write(`WARNING: ${res.Warning}\n`);
    process.stdout.write(`${res.Id}\n`);
  },
};
