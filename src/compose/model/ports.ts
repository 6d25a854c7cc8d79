// `ports:` entries into PortConfig: the short syntax as docker parses it (nat.ParsePortSpec:
// `[ip:][host[-range]:]container[-range][/proto]`, `[::1]:8080:80`) and the long one. A container range
// becomes one entry per port (paired with an equally long host range, or each published on a random port).
import { isIP } from 'node:net';
import type { PortConfig } from '../types.ts';
import { isMapping } from './interpolate.ts';

type Proto = PortConfig['protocol'];

/** Parse one `ports:` entry; throws an Error whose message says what is wrong (the caller names the key) */
export function parsePort(entry: unknown): PortConfig[] {
  if (typeof entry === 'number') return parsePort(String(entry));
  if (isMapping(entry)) return [longPort(entry)];
  const spec = String(entry);
  const [rest, protoText] = splitProto(spec);
  const proto = protocol(protoText);
  // docker's splitParts: the last part is the container port, the one before the host port, the rest the IP
  const parts = rest.split(':');
  const container = parts.at(-1)!;
  const host = parts.length >= 2 ? parts.at(-2) : undefined;
  const ip = parts.length >= 3 ? parts.slice(0, -2).join(':').replace(/^\[|\]$/g, '') : undefined;
  if (ip !== undefined && ip !== '' && !isIP(ip)) throw new Error(`invalid IP address: ${ip}`);
  const targets = portRange(container, 'containerPort');
  const hostRange = host ? portRange(host, 'hostPort') : undefined;
  if (hostRange && targets.length > 1 && hostRange.length !== targets.length) {
    throw new Error(`invalid ranges specified for container and host Ports: ${container} and ${host}`);
  }
  return targets.map((target, i) => ({
    target,
    published: hostRange ? (targets.length > 1 ? String(hostRange[i]) : host) : undefined,
    hostIp: ip || undefined,
    protocol: proto,
    mode: 'ingress' as const,
  }));
}

function longPort(p: Record<string, unknown>): PortConfig {
  if (p.target === undefined) throw new Error('target is required');
  const target = Number(p.target);
  if (!validPort(target)) throw new Error(`invalid containerPort: ${String(p.target)}`);
  let published: string | undefined;
  if (p.published !== undefined && p.published !== null && p.published !== '') {
    published = String(p.published);
    portRange(published, 'hostPort');
  }
  const hostIp = p.host_ip === undefined || p.host_ip === '' ? undefined : String(p.host_ip);
  if (hostIp && !isIP(hostIp)) throw new Error(`invalid IP address: ${hostIp}`);
  const mode = p.mode === undefined ? 'ingress' : String(p.mode);
  if (mode !== 'ingress' && mode !== 'host') throw new Error(`invalid mode ${JSON.stringify(mode)}: must be ingress or host`);
  return { target, published, hostIp, protocol: protocol(p.protocol === undefined ? undefined : String(p.protocol)), mode };
}

function splitProto(spec: string): [string, string | undefined] {
  const slash = spec.lastIndexOf('/');
  return slash < 0 ? [spec, undefined] : [spec.slice(0, slash), spec.slice(slash + 1)];
}

function protocol(text: string | undefined): Proto {
  const p = (text || 'tcp').toLowerCase();
  if (p !== 'tcp' && p !== 'udp' && p !== 'sctp') throw new Error(`invalid proto: ${text}`);
  return p;
}

/** `80` or `8000-8010` into its ports */
export function portRange(text: string, what: 'containerPort' | 'hostPort'): number[] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  const lo = m ? Number(m[1]) : NaN;
  const hi = m?.[2] ? Number(m[2]) : lo;
  if (!m || !validPort(lo) || !validPort(hi)) throw new Error(`invalid ${what}: ${text}`);
  if (hi < lo) throw new Error(`invalid range specified for ${what}: ${text}`);
  return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
}

function validPort(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 65535;
}


/** The host ports an entry binds ([] when it takes a random one) */
export function hostPorts(p: PortConfig): number[] {
  return p.published ? portRange(p.published, 'hostPort') : [];
}
