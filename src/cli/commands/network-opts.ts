// The network part of `run`/`create` as docker CLI 28 sends it: --network/--net, --network-alias, --ip,
// --mac-address, --link, --dns*, --add-host, -p/-P/--expose → HostConfig fields, NetworkingConfig and
// ExposedPorts, with the docker CLI's messages for bad values.
import { isIP } from 'node:net';
import { badValue, usageError, type CommandSpec, type Parsed } from '../core.ts';
import { publishedPorts } from './port-spec.ts';

/** The part of the create body these flags decide. */
export interface NetworkSettings {
  exposedPorts?: Record<string, object>;
  host: Record<string, unknown>;
  networkingConfig: { EndpointsConfig: Record<string, Record<string, unknown>> };
}

/** `default`, `bridge`, `host`, `none` and `container:…` are docker's own modes; any other name is a user network. */
export function isUserDefined(mode: string): boolean {
  return !['default', 'bridge', 'host', 'none'].includes(mode) && !mode.startsWith('container:');
}

/** opts.ValidateExtraHost: `host:ip` or `host=ip` (IPv6 may be bracketed; `host-gateway` allowed) → `host:ip`. */
export function parseExtraHost(val: string): string {
  let eq = val.indexOf('=');
  if (eq < 0) eq = val.indexOf(':');
  const k = eq < 0 ? '' : val.slice(0, eq);
  let v = eq < 0 ? '' : val.slice(eq + 1);
  if (eq < 0 || k === '' || k.includes(':')) throw new Error(`bad format for add-host: ${JSON.stringify(val)}`);
  if (v !== 'host-gateway') {
    if (v.length > 2 && v.startsWith('[') && v.endsWith(']')) v = v.slice(1, -1);
    if (!isIP(v)) throw new Error(`invalid IP address in add-host: ${JSON.stringify(v)}`);
  }
  return `${k}:${v}`;
}

/** opts.ParseLink: `name` or `name:alias`. */
export function parseLink(val: string): string {
  if (val === '') throw new Error('empty string specified for links');
  if (val.split(':').length > 2) throw new Error(`bad format for links: ${val}`);
  return val;
}

/** A MAC address as Go's net.ParseMAC reads the usual form (six colon- or dash-separated octets). */
function isMac(s: string): boolean {
  return /^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$/.test(s) && !/:.*-|-.*:/.test(s);
}

function flagValues(spec: CommandSpec, p: Parsed, name: string, check: (v: string) => string): string[] {
  return p.list(name).map((v) => {
    try {
      return check(v);
    } catch (err) {
      throw badValue(spec, name, v, (err as Error).message);
    }
  });
}

/** Network flags → the network parts of the create body (see NetworkSettings). */
export function networkSettings(spec: CommandSpec, p: Parsed): NetworkSettings {
  const mode = p.str('network') ?? p.str('net') ?? 'default';
  if (mode.trim() === '') throw usageError(spec, 'no name set for network');
  const aliases = p.list('network-alias');
  const links = flagValues(spec, p, 'link', parseLink);
  const ip = p.str('ip'); // checked by the engine, as docker 28 leaves it to the daemon
  const mac = p.str('mac-address');
  if (mac !== undefined && !isMac(mac.trim())) throw usageError(spec, `${mac} is not a valid mac address`);
  const userDefined = isUserDefined(mode);
  if (!userDefined && aliases.length) throw usageError(spec, 'network-scoped aliases are only supported for user-defined networks');

  // the endpoint of the (first) network carries --network-alias, --ip, --mac-address and, on a user network, --link
  const endpoint: Record<string, unknown> = {};
  if (aliases.length) endpoint.Aliases = aliases;
  if (userDefined && links.length) endpoint.Links = links;
  if (ip !== undefined) endpoint.IPAMConfig = { IPv4Address: ip.trim() };
  if (mac !== undefined) endpoint.MacAddress = mac.trim();

  let ports: ReturnType<typeof publishedPorts>;
  try {
    ports = publishedPorts(p.list('publish'), p.list('expose'));
  } catch (err) {
    throw usageError(spec, (err as Error).message);
  }
  const host: Record<string, unknown> = {
    NetworkMode: mode,
    PortBindings: ports.bindings,
    PublishAllPorts: p.bool('publish-all'),
    Links: links.length ? links : null,
    Dns: flagValues(spec, p, 'dns', (v) => {
      if (isIP(v) === 0) throw new Error(`IP address is not correctly formatted: ${v}`);
      return v;
    }),
    DnsOptions: p.list('dns-option'),
    DnsSearch: p.list('dns-search'),
    ExtraHosts: flagValues(spec, p, 'add-host', parseExtraHost),
  };
  return {
    exposedPorts: Object.keys(ports.exposed).length ? ports.exposed : undefined,
    host,
    // as docker 28: the implicit `default` network always gets its endpoint, a named one only when it has settings
    networkingConfig: { EndpointsConfig: (!p.has('network') && !p.has('net')) || Object.keys(endpoint).length ? { [mode]: endpoint } : {} },
  };
}
