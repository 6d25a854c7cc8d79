// Published ports: which ports a container publishes (its bindings, -P's exposed ports), checked once,
// and the host ports they take — ours in memory, the host's by trying to bind them, as docker does.
import type { ContainerSpec, PortBinding, PublishedPort } from '../types.ts';
import { conflict, invalidArgument, unavailable } from '../../lib/errors.ts';
import { isIPv4 } from './subnet.ts';
import { portBindable } from './host.ts';

export const EPHEMERAL_FIRST = 32768;
export const EPHEMERAL_LAST = 60999;

/** '80/tcp' → port and protocol; docker's message otherwise. */
export function parsePortProto(s: string): { port: number; protocol: 'tcp' | 'udp' } {
  const [p, proto = 'tcp'] = s.split('/');
  const port = Number(p);
  if (!/^\d+$/.test(p) || port < 1 || port > 65535) throw invalidArgument(`invalid containerPort: ${p}`);
  if (proto !== 'tcp' && proto !== 'udp') throw invalidArgument(`invalid proto: ${proto}`);
  return { port, protocol: proto };
}

export function checkPortBindings(bindings: PortBinding[]): void {
  for (const b of bindings) {
    if (!Number.isInteger(b.containerPort) || b.containerPort < 1 || b.containerPort > 65535) throw invalidArgument(`invalid containerPort: ${b.containerPort}`);
    if (!Number.isInteger(b.hostPort) || b.hostPort < 0 || b.hostPort > 65535) throw invalidArgument(`invalid hostPort: ${b.hostPort}`);
    if (b.hostPortEnd !== undefined && (!Number.isInteger(b.hostPortEnd) || b.hostPortEnd < b.hostPort || b.hostPortEnd > 65535 || b.hostPort === 0)) {
      throw invalidArgument(`invalid hostPort: ${b.hostPort}-${b.hostPortEnd}`);
    }
    if (b.protocol !== 'tcp' && b.protocol !== 'udp') throw invalidArgument(`invalid proto: ${b.protocol}`);
    if (b.hostIp && !isIPv4(b.hostIp)) {
      if (b.hostIp.includes(':')) throw invalidArgument(`invalid host IP ${b.hostIp}: IPv6 is not supported by skiff yet`);
      throw invalidArgument(`invalid IP address: ${b.hostIp}`);
    }
  }
}

/** The bindings to publish at start: the explicit ones, then (-P) every exposed port not bound already. */
export function bindingsToPublish(spec: ContainerSpec): PortBinding[] {
  const out = [...(spec.host.portBindings ?? [])];
  if (spec.host.publishAllPorts) {
    for (const e of spec.exposedPorts ?? []) {
      const { port, protocol } = parsePortProto(e);
      if (!out.some((b) => b.containerPort === port && b.protocol === protocol)) out.push({ containerPort: port, protocol, hostIp: '', hostPort: 0 });
    }
  }
  return out;
}

const anyIp = (ip: string) => !ip || ip === '0.0.0.0';
const clash = (a: PublishedPort, b: { hostIp: string; hostPort: number; protocol: string }) =>
  a.protocol === b.protocol && a.hostPort === b.hostPort && (anyIp(a.hostIp) || anyIp(b.hostIp) || a.hostIp === b.hostIp);

export interface PortAllocator {
  /** take host ports for `bindings` (all or none) */
  reserve(owner: string, bindings: PortBinding[]): Promise<PublishedPort[]>;
  /** mark ports as taken again (daemon start: what running containers hold) */
  adopt(owner: string, ports: PublishedPort[]): void;
  release(owner: string): void;
}

export function createPortAllocator(): PortAllocator {
  const taken = new Map<string, PublishedPort[]>();
  const all = () => [...taken.values()].flat();
  const free = async (b: { hostIp: string; hostPort: number; protocol: 'tcp' | 'udp' }, mine: PublishedPort[]) =>
    !all().some((p) => clash(p, b)) && !mine.some((p) => clash(p, b)) && (await portBindable(b.hostIp, b.hostPort, b.protocol));
  return {
    async reserve(owner, bindings) {
      const mine: PublishedPort[] = [];
      // reserved before any await, so two starts at once never take the same port
      taken.set(owner, mine);
      try {
        for (const b of bindings) {
          const hostIp = anyIp(b.hostIp) ? '0.0.0.0' : b.hostIp;
          let hostPort = b.hostPort;
          if (hostPort === 0) {
            hostPort = await randomFreePort(hostIp, b.protocol, (port) => free({ hostIp, hostPort: port, protocol: b.protocol }, mine));
          } else if (b.hostPortEnd !== undefined) {
            hostPort = await firstFreePort(b.hostPort, b.hostPortEnd, hostIp, (port) => free({ hostIp, hostPort: port, protocol: b.protocol }, mine));
          } else if (!(await free({ hostIp, hostPort, protocol: b.protocol }, mine))) {
            throw conflict(`Bind for ${hostIp}:${hostPort} failed: port is already allocated`);
          }
          mine.push({ containerPort: b.containerPort, protocol: b.protocol, hostIp, hostPort });
        }
        return mine;
      } catch (err) {
        taken.delete(owner);
        throw err;
      }
    },
    adopt(owner, ports) {
      taken.set(owner, ports);
    },
    release(owner) {
      taken.delete(owner);
    },
  };
}

async function firstFreePort(first: number, last: number, hostIp: string, isFree: (port: number) => Promise<boolean>): Promise<number> {
  for (let port = first; port <= last; port++) if (await isFree(port)) return port;
  throw conflict(`Bind for ${hostIp}:${first}-${last} failed: port is already allocated`);
}

async function randomFreePort(hostIp: string, protocol: string, isFree: (port: number) => Promise<boolean>): Promise<number> {
  const span = EPHEMERAL_LAST - EPHEMERAL_FIRST + 1;
  const start = Math.floor(Math.random() * span);
  for (let i = 0; i < 200; i++) {
    const port = EPHEMERAL_FIRST + ((start + i) % span);
    if (await isFree(port)) return port;
  }
  throw unavailable(`no free host port in ${EPHEMERAL_FIRST}-${EPHEMERAL_LAST} for ${hostIp}/${protocol}`);
}
