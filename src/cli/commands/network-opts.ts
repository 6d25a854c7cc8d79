// The network part of `run`/`create` as docker CLI 28 sends it: --network/--net (network-attach.ts), --network-alias, --ip,
// --mac-address, --link, --dns*, --add-host, -p/-P/--expose → HostConfig fields, NetworkingConfig and
// ExposedPorts, with the docker CLI's messages for bad values.
import { isIP } from 'node:net';
import { badValue, usageError, type CommandSpec, type Parsed } from '../core.ts';
import { publishedPorts } from './port-spec.ts';
import { isMac, networkEndpoints, parseNetworkOpt } from './network-attach.ts';

/** The part of the create body these flags decide. */
export interface NetworkSettings {
  exposedPorts?: Record<string, object>;
  host: Record<string, unknown>;
  networkingConfig: { EndpointsConfig: Record<string, Record<string, unknown>> };
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

function flagValues<T>(spec: CommandSpec, p: Parsed, name: string, check: (v: string) => T): T[] {
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
  // pflag shares one value between --network and --net; here they are two lists, --net's after
  const attachments = [...flagValues(spec, p, 'network', parseNetworkOpt), ...flagValues(spec, p, 'net', parseNetworkOpt)];
  const links = flagValues(spec, p, 'link', parseLink);
  const mac = p.str('mac-address');
  if (mac !== undefined && !isMac(mac.trim())) throw usageError(spec, `${mac} is not a valid mac address`);
  let net: ReturnType<typeof networkEndpoints>;
  try {
    // --ip is checked by the engine, as docker 28 leaves it to the daemon
    net = networkEndpoints(attachments, { aliases: p.list('network-alias'), links, ipv4: p.str('ip'), macAddress: mac });
  } catch (err) {
    throw usageError(spec, (err as Error).message);
  }

  let ports: ReturnType<typeof publishedPorts>;
  try {
    ports = publishedPorts(p.list('publish'), p.list('expose'));
  } catch (err) {
    throw usageError(spec, (err as Error).message);
  }
  const host: Record<string, unknown> = {
    NetworkMode: net.mode,
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
    networkingConfig: { EndpointsConfig: net.endpoints },
  };
}
