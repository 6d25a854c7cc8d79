// `--network` as docker CLI 28 reads it: a name, or the long form `name=n,alias=a,ip=…,mac-address=…` (opts
// NetworkOpt), repeatable; then the endpoint settings per network (parseNetworkOpts), the first network
// taking --network-alias, --ip, --mac-address and --link.

/** One `--network` value. */
export interface NetworkAttachment {
  target: string;
  aliases: string[];
  ipv4?: string;
  ipv6?: string;
  macAddress?: string;
  linkLocalIps: string[];
  driverOpts: Record<string, string>;
  links: string[];
  gwPriority?: number;
}

/** The legacy single-network flags, applied to the first network. */
export interface LegacyNetworkFlags {
  aliases: string[];
  links: string[];
  ipv4?: string;
  macAddress?: string;
}

/** `default`, `bridge`, `host`, `none` and `container:…` are docker's own modes; any other name is a user network. */
export function isUserDefined(mode: string): boolean {
  return !['default', 'bridge', 'host', 'none'].includes(mode) && !mode.startsWith('container:');
}

/** Go's encoding/csv for one record: commas separate fields, double quotes may wrap one. */
function csvFields(value: string): string[] {
  const fields: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (quoted) {
      if (c === '"' && value[i + 1] === '"') (cur += '"'), i++;
      else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"' && cur === '') quoted = true;
    else if (c === ',') fields.push(cur), (cur = '');
    else cur += c;
  }
  fields.push(cur);
  return fields;
}

/** docker's NetworkOpt.Set: errors are flag errors (`invalid argument … for "--network" flag: …`). */
export function parseNetworkOpt(value: string): NetworkAttachment {
  const opt: NetworkAttachment = { target: value, aliases: [], linkLocalIps: [], driverOpts: {}, links: [] };
  if (!/\w+=\w+/.test(value)) return opt;
  opt.target = '';
  for (const field of csvFields(value)) {
    // docker lowercases the whole field, values included (a TODO in its code); so do we
    const lower = field.toLowerCase();
    const eq = lower.indexOf('=');
    if (eq <= 0) throw new Error(`invalid field ${field}`);
    const key = lower.slice(0, eq).trim();
    const val = lower.slice(eq + 1).trim();
    switch (key) {
      case 'name':
        opt.target = val;
        break;
      case 'alias':
        opt.aliases.push(val);
        break;
      case 'ip':
        opt.ipv4 = val;
        break;
      case 'ip6':
        opt.ipv6 = val;
        break;
      case 'mac-address':
        opt.macAddress = val;
        break;
      case 'link-local-ip':
        opt.linkLocalIps.push(val);
        break;
      case 'driver-opt': {
        const e = val.indexOf('=');
        if (e <= 0) throw new Error('invalid key value pair format in driver options');
        opt.driverOpts[val.slice(0, e).trim()] = val.slice(e + 1).trim();
        break;
      }
      case 'gw-priority':
        if (!/^[+-]?\d+$/.test(val)) throw new Error(`invalid gw-priority (${val}): invalid syntax`);
        opt.gwPriority = Number(val);
        break;
      default:
        throw new Error(`invalid field key ${key}`);
    }
  }
  if (!opt.target) throw new Error('network name/id is not specified');
  return opt;
}

/** A MAC address as Go's net.ParseMAC reads the usual form (six colon- or dash-separated octets). */
export function isMac(s: string): boolean {
  return /^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$/.test(s) && !/:.*-|-.*:/.test(s);
}

/** parseNetworkAttachmentOpt: one attachment → its EndpointSettings (only the fields that are set). */
function endpointOf(n: NetworkAttachment): Record<string, unknown> {
  if (n.target.trim() === '') throw new Error('no name set for network');
  if (!isUserDefined(n.target)) {
    if (n.aliases.length) throw new Error('network-scoped aliases are only supported for user-defined networks');
    if (n.links.length) throw new Error('links are only supported for user-defined networks');
  }
  const ep: Record<string, unknown> = {};
  if (n.aliases.length) ep.Aliases = n.aliases;
  if (Object.keys(n.driverOpts).length) ep.DriverOpts = n.driverOpts;
  if (n.links.length) ep.Links = n.links;
  if (n.ipv4 || n.ipv6 || n.linkLocalIps.length) {
    ep.IPAMConfig = { ...(n.ipv4 && { IPv4Address: n.ipv4 }), ...(n.ipv6 && { IPv6Address: n.ipv6 }), ...(n.linkLocalIps.length && { LinkLocalIPs: n.linkLocalIps }) };
  }
  if (n.macAddress) {
    if (!isMac(n.macAddress.trim())) throw new Error(`${n.macAddress} is not a valid mac address`);
    ep.MacAddress = n.macAddress;
  }
  if (n.gwPriority) ep.GwPriority = n.gwPriority;
  return ep;
}

/** applyContainerOptions: the legacy flags join the first network, unless it sets the same thing itself. */
function withLegacyFlags(n: NetworkAttachment, f: LegacyNetworkFlags): NetworkAttachment {
  if (n.aliases.length && f.aliases.length) throw new Error('conflicting options: cannot specify both --network-alias and per-network alias');
  if (n.links.length && f.links.length) throw new Error('conflicting options: cannot specify both --link and per-network links');
  if (n.ipv4 && f.ipv4) throw new Error('conflicting options: cannot specify both --ip and per-network IPv4 address');
  if (n.macAddress && f.macAddress) throw new Error('conflicting options: cannot specify both --mac-address and per-network MAC address');
  const out = { ...n };
  if (f.aliases.length) out.aliases = [...f.aliases];
  // on a user network --link is an endpoint alias; on the default bridge it is a legacy link (HostConfig.Links)
  if (isUserDefined(n.target) && f.links.length) out.links = [...f.links];
  if (f.ipv4) out.ipv4 = f.ipv4;
  if (f.macAddress) out.macAddress = f.macAddress;
  return out;
}

/** parseNetworkOpts of docker CLI 28: NetworkMode and NetworkingConfig.EndpointsConfig for the `--network` values. */
export function networkEndpoints(attachments: NetworkAttachment[], flags: LegacyNetworkFlags): { mode: string; endpoints: Record<string, Record<string, unknown>> } {
  const endpoints: Record<string, Record<string, unknown>> = {};
  if (!attachments.length) {
    endpoints.default = endpointOf(withLegacyFlags(parseNetworkOpt('default'), flags));
    return { mode: 'default', endpoints };
  }
  let userDefined = false;
  let builtIn = false;
  attachments.forEach((a, i) => {
    if (isUserDefined(a.target)) userDefined = true;
    else builtIn = true;
    const ep = endpointOf(i === 0 ? withLegacyFlags(a, flags) : a);
    if (a.target in endpoints) throw new Error(`network ${JSON.stringify(a.target)} is specified multiple times`);
    // one network without settings of its own: no endpoint is sent (the daemon still makes one)
    if (i === 0 && attachments.length === 1 && !Object.keys(ep).length) return;
    endpoints[a.target] = ep;
  });
  if (userDefined && builtIn) throw new Error('conflicting options: cannot attach both user-defined and non-user-defined network-modes');
  return { mode: attachments[0].target, endpoints };
}
