// A container's networking in docker's shapes: NetworkSettings (inspect), Ports (ps), HostConfig's network
// fields. `net` is the live state of a running container; a stopped one shows its networks without addresses.
import type { ContainerNetworkState, ContainerRecord, Endpoint, PortBinding, PublishedPort } from '../types.ts';

function endpointJson(ep: Endpoint | undefined, aliases: string[] | undefined, ipam: string | undefined, mac: string | undefined, gwPriority = 0): Record<string, unknown> {
  return {
    IPAMConfig: ipam ? { IPv4Address: ipam } : null,
    Links: null,
    Aliases: (ep?.aliases ?? aliases)?.length ? (ep?.aliases ?? aliases) : null,
    MacAddress: ep?.macAddress ?? mac ?? '',
    DriverOpts: null,
    GwPriority: gwPriority,
    NetworkID: ep?.networkId ?? '',
    EndpointID: ep?.endpointId ?? '',
    Gateway: ep?.gateway ?? '',
    IPAddress: ep?.ipv4Address ?? '',
    IPPrefixLen: ep?.prefixLen ?? 0,
    IPv6Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    DNSNames: ep?.dnsNames.length ? ep.dnsNames : null,
  };
}

/** Networks{name: EndpointSettings}: every network of the spec, with live addresses when running. */
export function networksJson(r: ContainerRecord, net?: ContainerNetworkState): Record<string, unknown> {
  const mode = r.spec.host.networkMode || 'bridge';
  const wanted = r.spec.networks ?? (mode.startsWith('container:') ? {} : { [mode]: {} });
  const out: Record<string, unknown> = {};
  for (const [name, req] of Object.entries(wanted)) {
    const ep = net?.endpoints.find((e) => e.networkName === name || e.networkId === name);
    out[name] = endpointJson(ep, req.aliases, req.ipv4Address, req.macAddress, req.gwPriority);
  }
  for (const ep of net?.endpoints ?? []) if (!(ep.networkName in out)) out[ep.networkName] = endpointJson(ep, undefined, undefined, undefined);
  if (mode === 'host' || mode === 'none') out[mode] = endpointJson(undefined, undefined, undefined, undefined);
  return out;
}

/** docker fills Ports at start and empties them when the network is released (exit, stop): created,
 * exited and restarting containers show none, in ps and in inspect. */
const isUp = (r: ContainerRecord) => r.state.status === 'running' || r.state.status === 'paused';

/** Ports{"80/tcp": [{HostIp, HostPort}] | null}: exposed ports with their published host ports. */
export function portsJson(r: ContainerRecord, net?: ContainerNetworkState): Record<string, Array<{ HostIp: string; HostPort: string }> | null> {
  const out: Record<string, Array<{ HostIp: string; HostPort: string }> | null> = {};
  if (!isUp(r)) return out;
  for (const e of r.spec.exposedPorts ?? []) out[e] = null;
  for (const p of net?.ports ?? []) {
    const key = `${p.containerPort}/${p.protocol}`;
    (out[key] ??= []).push({ HostIp: p.hostIp, HostPort: String(p.hostPort) });
  }
  return out;
}

export function portBindingsJson(bindings: PortBinding[] | undefined): Record<string, Array<{ HostIp: string; HostPort: string }>> {
  const out: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const b of bindings ?? []) {
    const hostPort = !b.hostPort ? '' : b.hostPortEnd !== undefined ? `${b.hostPort}-${b.hostPortEnd}` : String(b.hostPort);
    (out[`${b.containerPort}/${b.protocol}`] ??= []).push({ HostIp: b.hostIp, HostPort: hostPort });
  }
  return out;
}

/** `docker ps` Ports: published ones with their host side, exposed ones alone. */
export function summaryPorts(r: ContainerRecord, net?: ContainerNetworkState): Array<{ IP?: string; PrivatePort: number; PublicPort?: number; Type: string }> {
  if (!isUp(r)) return [];
  const published: PublishedPort[] = net?.ports ?? [];
  const out: Array<{ IP?: string; PrivatePort: number; PublicPort?: number; Type: string }> = published.map((p) => ({ IP: p.hostIp, PrivatePort: p.containerPort, PublicPort: p.hostPort, Type: p.protocol }));
  for (const e of r.spec.exposedPorts ?? []) {
    const [port, type = 'tcp'] = e.split('/');
    if (!published.some((p) => p.containerPort === Number(port) && p.protocol === type)) out.push({ PrivatePort: Number(port), Type: type });
  }
  return out;
}

/** The top-level NetworkSettings fields docker still fills from the default bridge endpoint. */
export function networkSettingsJson(r: ContainerRecord, net?: ContainerNetworkState): Record<string, unknown> {
  const first = net?.endpoints.find((e) => e.networkName === 'bridge');
  return {
    Bridge: '',
    SandboxID: net?.sandboxKey ? r.id : '',
    SandboxKey: net?.sandboxKey ?? '',
    Ports: portsJson(r, net),
    HairpinMode: false,
    LinkLocalIPv6Address: '',
    LinkLocalIPv6PrefixLen: 0,
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    EndpointID: first?.endpointId ?? '',
    Gateway: first?.gateway ?? '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    IPAddress: first?.ipv4Address ?? '',
    IPPrefixLen: first?.prefixLen ?? 0,
    IPv6Gateway: '',
    MacAddress: first?.macAddress ?? '',
    Networks: networksJson(r, net),
  };
}
