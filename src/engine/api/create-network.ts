// The network part of docker's create body → typed spec fields: NetworkMode, NetworkingConfig, PortBindings,
// PublishAllPorts, ExposedPorts, Dns*, Links, MacAddress. Shapes only: the engine checks the settings.
import type { ContainerLink, ContainerSpec, EndpointRequest, PortBinding } from '../types.ts';
import { invalidArgument } from '../../lib/errors.ts';
import { nonEmptyList, optObject, optString, optStrings, type Json } from './json-fields.ts';


export interface NetworkFields {
  networkMode: string;
  networks?: Record<string, EndpointRequest>;
  portBindings?: PortBinding[];
  publishAllPorts?: boolean;
  exposedPorts?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
  links?: ContainerLink[];
  macAddress?: string;
  warnings: string[];
}

const obj = optObject;
const str = optString;
const strs = (v: unknown, field: string): string[] | undefined => nonEmptyList(optStrings(v, field));

/** `80/tcp` (a bare `80` is tcp) → port and protocol, in docker's words when wrong */
function portKey(key: string): { containerPort: number; protocol: 'tcp' | 'udp' } {
  const [p, proto = 'tcp'] = key.split('/');
  const port = Number(p);
  if (!/^\d+$/.test(p) || port < 1 || port > 65535) throw invalidArgument(`invalid containerPort: ${p}`);
  if (proto !== 'tcp' && proto !== 'udp') throw invalidArgument(`invalid proto: ${proto}`);
  return { containerPort: port, protocol: proto };
}

function portBindings(v: unknown): PortBinding[] | undefined {
  const o = obj(v, 'PortBindings');
  if (!o) return undefined;
  const out: PortBinding[] = [];
  for (const [key, list] of Object.entries(o)) {
    const { containerPort, protocol } = portKey(key);
    const entries = list === null ? [{}] : Array.isArray(list) ? list : [list];
    for (const e of entries) {
      const b = obj(e, `PortBindings.${key}`) ?? {};
      const hostIp = str(b.HostIp, 'HostIp') ?? '';
      const hp = str(b.HostPort, 'HostPort') ?? '';
      const m = /^(\d+)(?:-(\d+))?$/.exec(hp);
      if (hp !== '' && !m) throw invalidArgument(`invalid hostPort: ${hp}`);
      const hostPort = m ? Number(m[1]) : 0;
      const end = m?.[2] !== undefined ? Number(m[2]) : undefined;
      out.push({ containerPort, protocol, hostIp, hostPort, ...(end !== undefined ? { hostPortEnd: end } : {}) });
    }
  }
  return out.length ? out : undefined;
}

function endpoints(v: unknown): Record<string, EndpointRequest> | undefined {
  const nc = obj(v, 'NetworkingConfig');
  const eps = obj(nc?.EndpointsConfig, 'NetworkingConfig.EndpointsConfig');
  if (!eps) return undefined;
  const out: Record<string, EndpointRequest> = {};
  for (const [name, raw] of Object.entries(eps)) {
    const e = obj(raw, `EndpointsConfig.${name}`) ?? {};
    const ipam = obj(e.IPAMConfig, 'IPAMConfig');
    const req: EndpointRequest = {};
    const aliases = strs(e.Aliases, 'Aliases');
    if (aliases) req.aliases = aliases;
    const ip = str(ipam?.IPv4Address, 'IPv4Address');
    if (ip) req.ipv4Address = ip;
    const mac = str(e.MacAddress, 'MacAddress');
    if (mac) req.macAddress = mac;
    if (e.GwPriority !== undefined && e.GwPriority !== null) {
      if (typeof e.GwPriority !== 'number' || !Number.isInteger(e.GwPriority)) throw invalidArgument('GwPriority: expected an integer');
      if (e.GwPriority !== 0) req.gwPriority = e.GwPriority;
    }
    out[name === 'default' ? 'bridge' : name] = req;
  }
  return Object.keys(out).length ? out : undefined;
}

/** `db:alias`, docker's stored form `/db:/web/alias`, or `db` (alias = name) */
function links(v: unknown): ContainerLink[] | undefined {
  return strs(v, 'Links')?.map((l) => {
    const [name, alias] = l.split(':');
    const container = name.replace(/^\//, '');
    if (!container) throw invalidArgument(`invalid link: ${l}`);
    return { container, alias: alias ? alias.split('/').pop()! : container };
  });
}

export function networkFieldsFromDocker(config: Json, hc: Json): NetworkFields {
  const warnings: string[] = [];
  const mode = str(hc.NetworkMode, 'NetworkMode') ?? '';
  const networkMode = mode === '' || mode === 'default' ? 'bridge' : mode;
  let bindings = portBindings(hc.PortBindings);
  const publishAllPorts = hc.PublishAllPorts === true || undefined;
  if (networkMode === 'host' && (bindings || publishAllPorts)) {
    warnings.push('Published ports are discarded when using host network mode');
    bindings = undefined;
  }
  const exposed = obj(config.ExposedPorts, 'ExposedPorts');
  const exposedPorts = exposed && Object.keys(exposed).length ? Object.keys(exposed) : undefined;
  return {
    networkMode,
    networks: endpoints(config.NetworkingConfig),
    portBindings: bindings,
    publishAllPorts: networkMode === 'host' ? undefined : publishAllPorts,
    exposedPorts,
    dnsSearch: strs(hc.DnsSearch, 'DnsSearch'),
    dnsOptions: strs(hc.DnsOptions, 'DnsOptions'),
    links: links(hc.Links),
    macAddress: str(config.MacAddress, 'MacAddress') || undefined,
    warnings,
  };
}

/** Put the fields into the spec (only those that are set, so records stay small). */
export function applyNetworkFields(spec: ContainerSpec, f: NetworkFields): void {
  spec.host.networkMode = f.networkMode;
  if (f.networks) spec.networks = f.networks;
  if (f.portBindings) spec.host.portBindings = f.portBindings;
  if (f.publishAllPorts) spec.host.publishAllPorts = true;
  if (f.exposedPorts) spec.exposedPorts = f.exposedPorts;
  if (f.dnsSearch) spec.host.dnsSearch = f.dnsSearch;
  if (f.dnsOptions) spec.host.dnsOptions = f.dnsOptions;
  if (f.links) spec.host.links = f.links;
  if (f.macAddress) spec.macAddress = f.macAddress;
}
