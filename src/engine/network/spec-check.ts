// A container's network settings, checked once at create (docker's rules and words): the network mode,
// the networks and their endpoint settings, published and exposed ports, DNS, extra hosts, links.
import type { ContainerSpec, EndpointRequest, ImageRecord, NetworkRecord } from '../types.ts';
import { conflict, invalidArgument, isKind, notFound } from '../../lib/errors.ts';
import { findNetwork, isUserNetwork, type NetCtx } from './context.ts';
import { checkPortBindings, parsePortProto } from './ports.ts';
import { cidrContains, ipToInt, isIPv4, parseCidr } from './subnet.ts';

const macPattern = /^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/;

/** 'default' and '' mean the default bridge, as in docker. */
export function normalizeMode(mode: string | undefined): string {
  return !mode || mode === 'default' ? 'bridge' : mode;
}

export function checkEndpoint(n: NetworkRecord, req: EndpointRequest): EndpointRequest {
  if (req.ipv4Address) {
    if (!isIPv4(req.ipv4Address)) throw invalidArgument(`invalid IPv4 address: ${req.ipv4Address}`);
    if (!isUserNetwork(n)) throw invalidArgument('user specified IP address is supported on user defined networks only');
    const cfg = n.IPAM.Config[0];
    const ip = ipToInt(req.ipv4Address);
    const within = cfg && cidrContains(parseCidr(cfg.IPRange ?? cfg.Subnet), ip);
    if (!within) throw invalidArgument(`invalid endpoint settings:\nno configured subnet or ip-range contain the IP address ${req.ipv4Address}`);
    if (cfg.Gateway === req.ipv4Address) throw invalidArgument(`Address already in use: ${req.ipv4Address} is the gateway of network ${n.Name}`);
  }
  if (req.macAddress && !macPattern.test(req.macAddress)) throw invalidArgument(`invalid MAC address: ${req.macAddress}`);
  if (req.aliases?.length && !isUserNetwork(n)) throw invalidArgument('network-scoped alias is supported only for containers in user defined networks');
  return req;
}

/** The spec with its networks resolved to names and its exposed ports merged with the image's. */
export async function checkNetworkSpec(ctx: NetCtx, input: ContainerSpec, image: ImageRecord): Promise<ContainerSpec> {
  const spec: ContainerSpec = { ...input, host: { ...input.host } };
  const h = spec.host;
  const mode = normalizeMode(h.networkMode);
  h.networkMode = mode;
  const ports = h.portBindings ?? [];
  checkPortBindings(ports);
  if (spec.macAddress && !macPattern.test(spec.macAddress)) throw invalidArgument(`invalid MAC address: ${spec.macAddress}`);
  for (const d of h.dns ?? []) if (!isIPv4(d) && !d.includes(':')) throw invalidArgument(`invalid IP address: ${d}`);
  for (const e of h.extraHosts ?? []) {
    const i = e.indexOf(':');
    const ip = e.slice(i + 1);
    if (i < 1 || (!isIPv4(ip) && !ip.includes(':') && ip !== 'host-gateway')) throw invalidArgument(`invalid IP address in add-host: "${ip}"`);
  }
  if (mode.startsWith('container:')) {
    const ref = mode.slice('container:'.length);
    if (!ref) throw invalidArgument('invalid network mode: container: needs a container name or id');
    if (ports.length || h.publishAllPorts) throw conflict('conflicting options: port publishing and the container type network mode');
    if (spec.hostname) throw conflict('conflicting options: hostname and the network mode');
    if (h.dns?.length || h.extraHosts?.length) throw conflict('conflicting options: dns and the network mode');
    const other = await ctx.containers.get(ref).catch((err) => {
      throw isKind(err, 'NotFound') ? notFound(`No such container: ${ref}`, err) : err;
    });
    h.networkMode = `container:${other.id}`;
    spec.networks = {};
  } else if (mode === 'host' || mode === 'none') {
    for (const [name] of Object.entries(spec.networks ?? {})) {
      if (name !== mode) throw invalidArgument(`container cannot be connected to network "${name}" in ${mode} network mode`);
    }
    spec.networks = {};
  } else {
    const wanted = { ...(spec.networks ?? {}) };
    const primary = networkForCreate(ctx, mode);
    if (primary.Driver !== 'bridge') throw invalidArgument(`network ${mode} cannot be used as a container's bridge network`);
    const resolved: Record<string, EndpointRequest> = {};
    // the network mode's own endpoint first: it is eth0
    const ownKey = Object.keys(wanted).find((k) => k === mode || findNetworkOrNull(ctx, k)?.Id === primary.Id);
    resolved[primary.Name] = checkEndpoint(primary, ownKey ? wanted[ownKey] : {});
    if (ownKey) delete wanted[ownKey];
    for (const [key, req] of Object.entries(wanted)) {
      const n = networkForCreate(ctx, key);
      if (n.Driver !== 'bridge') throw invalidArgument(`container cannot be connected to network "${n.Name}" together with others`);
      resolved[n.Name] = checkEndpoint(n, req);
    }
    spec.networks = resolved;
    for (const l of h.links ?? []) {
      await ctx.containers.get(l.container).catch((err) => {
        throw isKind(err, 'NotFound') ? invalidArgument(`could not get container for ${l.container}: No such container: ${l.container}`, err) : err;
      });
    }
  }
  const exposed = new Set<string>();
  for (const p of Object.keys(image.config.config?.ExposedPorts ?? {})) exposed.add(p.includes('/') ? p : `${p}/tcp`);
  for (const p of spec.exposedPorts ?? []) {
    const { port, protocol } = parsePortProto(p);
    exposed.add(`${port}/${protocol}`);
  }
  for (const b of ports) exposed.add(`${b.containerPort}/${b.protocol}`);
  spec.exposedPorts = [...exposed];
  return spec;
}

/** At create an unknown network is bad input (400), as docker answers, not a missing image (404). */
function networkForCreate(ctx: NetCtx, key: string): NetworkRecord {
  try {
    return findNetwork(ctx, key);
  } catch (err) {
    throw isKind(err, 'NotFound') ? invalidArgument(err.message, err) : err;
  }
}

function findNetworkOrNull(ctx: NetCtx, key: string): NetworkRecord | null {
  try {
    return findNetwork(ctx, key);
  } catch {
    return null;
  }
}
