// The project's networks and volumes (top-level keys into NetworkConfig / VolumeConfig, named as docker
// compose names them on the engine), and the one check across services: no host port published twice.
import type { NetworkConfig, Service, VolumeConfig } from '../types.ts';
import { keyError } from './errors.ts';
import { isMapping } from './interpolate.ts';
import { keyValueMap } from './merge.ts';
import { hostPorts } from './ports.ts';
import { yamlBool } from './schema.ts';

type Dict = Record<string, unknown>;

function strings(v: unknown): Record<string, string> {
  return Object.fromEntries(Object.entries(keyValueMap(v)).map(([k, val]) => [k, val ?? '']));
}


/** `<project>_<key>`, or `name:`, or an external object's own name */
function engineName(project: string, key: string, d: Dict, warn: (m: string) => void, what: string): { name: string; external: boolean } {
  const ext = d.external;
  if (isMapping(ext) && ext.name !== undefined) {
    warn(`${what} ${key}: external.name is deprecated. Please set name and external: true`);
    return { name: String(ext.name), external: true };
  }
  const external = yamlBool(ext) || isMapping(ext);
  return { name: d.name !== undefined ? String(d.name) : external ? key : `${project}_${key}`, external };
}

/** The networks the active services join (`default` included when one does) */
export function networksOf(project: string, declared: Dict, services: Record<string, Service>, warn: (m: string) => void): Record<string, NetworkConfig> {
  const used = new Set(Object.values(services).flatMap((s) => Object.keys(s.networks)));
  const out: Record<string, NetworkConfig> = {};
  for (const key of [...used].sort()) {
    const d = isMapping(declared[key]) ? declared[key] : {};
    const ipam = isMapping(d.ipam) ? d.ipam : undefined;
    out[key] = {
      ...engineName(project, key, d, warn, 'network'),
      driver: d.driver === undefined ? undefined : String(d.driver),
      driverOpts: strings(d.driver_opts),
      internal: yamlBool(d.internal),
      attachable: yamlBool(d.attachable),
      enableIpv6: yamlBool(d.enable_ipv6),
      ipam: ipam && {
        driver: ipam.driver === undefined ? undefined : String(ipam.driver),
        config: (Array.isArray(ipam.config) ? ipam.config : []).map((c: Dict) => ({
          subnet: c.subnet === undefined ? undefined : String(c.subnet),
          ipRange: c.ip_range === undefined ? undefined : String(c.ip_range),
          gateway: c.gateway === undefined ? undefined : String(c.gateway),
        })),
      },
      labels: strings(d.labels),
    };
  }
  return out;
}

/** Every declared volume (so `down -v` removes them even when no active service mounts one) */
export function volumesOf(project: string, declared: Dict, warn: (m: string) => void): Record<string, VolumeConfig> {
  const out: Record<string, VolumeConfig> = {};
  for (const key of Object.keys(declared).sort()) {
    const d = isMapping(declared[key]) ? declared[key] : {};
    out[key] = {
      ...engineName(project, key, d, warn, 'volume'),
      driver: d.driver === undefined ? undefined : String(d.driver),
      driverOpts: strings(d.driver_opts),
      labels: strings(d.labels),
    };
  }
  return out;
}

const wildcard = (ip: string | undefined): boolean => !ip || ip === '0.0.0.0' || ip === '::';

/** Two services (or two entries of one) may not publish the same host port on the same address and protocol */
export function checkPortConflicts(services: Record<string, Service>, fileOf: (s: string, k: string) => string | undefined): void {
  const bound = new Map<string, Array<{ ip?: string; service: string }>>();
  for (const name of Object.keys(services).sort()) {
    for (const p of services[name].ports) {
      for (const port of hostPorts(p)) {
        const key = `${port}/${p.protocol}`;
        const taken = bound.get(key) ?? [];
        const clash = taken.find((t) => t.ip === p.hostIp || wildcard(t.ip) || wildcard(p.hostIp));
        if (clash) {
          const addr = `${p.hostIp ?? '0.0.0.0'}:${key}`;
          const by = clash.service === name ? 'another entry of this service' : `service "${clash.service}"`;
          throw keyError(fileOf(name, 'ports'), `services.${name}.ports`, `port conflict: host port ${addr} is already published by ${by}`);
        }
        taken.push({ ip: p.hostIp, service: name });
        bound.set(key, taken);
      }
    }
  }
}
