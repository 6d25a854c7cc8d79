// Service ClusterIPs and NodePorts, as Kubernetes' ipallocator and portallocator: a ClusterIP from the service
// range (network and broadcast addresses excluded, the first usable one kept for the `kubernetes` Service),
// NodePorts from the node-port range for NodePort/LoadBalancer Services. In memory, rebuilt from the Services
// in the watch cache at start; every change is reserved before the write and undone if the write fails.
import type { KObject } from '../../types/meta.ts';
import { internalError, invalid, invalidError } from '../../types/status-error.ts';
import type { FieldError } from '../../types/status-error.ts';

interface ServicePort { name?: string; port?: number; protocol?: string; nodePort?: number }
interface ServiceSpec { type?: string; clusterIP?: string; clusterIPs?: string[]; ipFamilies?: string[]; ipFamilyPolicy?: string; ports?: ServicePort[] }

/** What a caller does after the write: keep the reservation (and free what the old object no longer uses), or undo it. */
export interface Reservation {
  commit(): void;
  rollback(): void;
}

export interface ServiceAllocators {
  /** the `kubernetes` Service's address: the first usable one */
  readonly firstIP: string;
  /** the `kube-dns` Service's address: the range's `.10`, never handed out at random (none in a range that small) */
  readonly dnsIP: string | undefined;
  /** fills spec.clusterIP(s) and nodePorts of svc (mutated), given the stored old Service on update */
  reserve(svc: KObject, old: KObject | undefined): Reservation;
  /** frees what a deleted Service held */
  release(svc: KObject): void;
  rebuild(services: Iterable<KObject>): void;
}

const ipToInt = (ip: string): number | undefined => {
  const m = ip.match(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
};
const intToIp = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

/** the `kubernetes` Service's address of a service range (its first usable one): the serving certificate names it */
export function firstServiceIP(cidr: string): string {
  return createServiceAllocators(cidr, [30000, 32767]).firstIP;
}

export function createServiceAllocators(cidr: string, nodePortRange: [number, number]): ServiceAllocators {
  const [addr, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  const base0 = ipToInt(addr);
  if (base0 === undefined || !Number.isInteger(bits) || bits < 1 || bits > 30) throw new Error(`invalid service CIDR ${cidr} (an IPv4 range, /30 or wider)`);
  const size = 2 ** (32 - bits);
  const base = base0 - (base0 % size);
  const first = base + 1;
  const last = base + size - 2; // the broadcast address is excluded
  const usedIPs = new Set<number>();
  const usedPorts = new Set<number>();
  const [portMin, portMax] = nodePortRange;
  const dns = base + 10 <= last ? base + 10 : undefined;

  const specOf = (svc: KObject) => (svc.spec ??= {}) as ServiceSpec;
  const hasNodePorts = (s: ServiceSpec) => s.type === 'NodePort' || s.type === 'LoadBalancer';
  const ipsOf = (s: ServiceSpec) => (s.clusterIPs ?? (s.clusterIP ? [s.clusterIP] : [])).map(ipToInt).filter((n): n is number => n !== undefined);
  const portsOf = (s: ServiceSpec) => (s.ports ?? []).map((p) => p.nodePort).filter((n): n is number => typeof n === 'number' && n > 0);

  function pickIP(): number | undefined {
    const span = last - first; // addresses after the first (kept for `kubernetes`)
    if (span <= 0) return undefined;
    const start = Math.floor(Math.random() * span);
    for (let i = 0; i < span; i++) {
      const ip = first + 1 + ((start + i) % span);
      if (!usedIPs.has(ip) && ip !== dns) return ip;
    }
    return undefined;
  }

  function pickPort(): number | undefined {
    const span = portMax - portMin + 1;
    const start = Math.floor(Math.random() * span);
    for (let i = 0; i < span; i++) {
      const p = portMin + ((start + i) % span);
      if (!usedPorts.has(p)) return p;
    }
    return undefined;
  }

  return {
    firstIP: intToIp(first),
    dnsIP: dns === undefined ? undefined : intToIp(dns),
    reserve(svc, old) {
      const s = specOf(svc);
      const o = old ? specOf(old) : undefined;
      const takenIPs: number[] = [];
      const takenPorts: number[] = [];
      const undo = () => {
        for (const ip of takenIPs) usedIPs.delete(ip);
        for (const p of takenPorts) usedPorts.delete(p);
      };
      const fail = (errs: FieldError[]) => {
        undo();
        return invalidError({ group: '', kind: 'Service' }, svc.metadata?.name ?? '', errs);
      };
      try {
        if (s.type !== 'ExternalName') {
          if (o?.clusterIP && !s.clusterIP && o.type !== 'ExternalName') {
            // an update that leaves clusterIP out keeps the allocated one (kubectl apply / replace do this)
            s.clusterIP = o.clusterIP;
            s.clusterIPs = o.clusterIPs ?? [o.clusterIP];
          } else if (s.clusterIP === 'None') {
            s.clusterIPs = ['None'];
          } else if (!o?.clusterIP || o.clusterIP !== s.clusterIP || o.type === 'ExternalName') {
            const wanted = s.clusterIP || s.clusterIPs?.[0];
            let ip: number | undefined;
            if (wanted) {
              ip = ipToInt(wanted);
              const why = ip === undefined ? 'not a valid IP address'
                : ip < first || ip > last ? `the provided IP (${wanted}) is not in the valid range. The range of valid IPs is ${cidr}`
                : usedIPs.has(ip) ? 'provided IP is already allocated' : undefined;
              if (why || ip === undefined) throw fail([invalid('spec.clusterIPs', s.clusterIPs ?? [wanted], `failed to allocate IP ${wanted}: ${why}`)]);
            } else {
              ip = pickIP();
              if (ip === undefined) throw internalError('failed to allocate a serviceIP: range is full');
            }
            usedIPs.add(ip);
            takenIPs.push(ip);
            s.clusterIP = intToIp(ip);
            s.clusterIPs = [s.clusterIP];
          }
          s.ipFamilies ??= ['IPv4'];
          s.ipFamilyPolicy ??= 'SingleStack';
        }
        if (hasNodePorts(s)) {
          const oldPorts = o && hasNodePorts(o) ? o.ports ?? [] : [];
          const oldSet = new Set(portsOf(o && hasNodePorts(o) ? o : {}));
          for (const [i, p] of (s.ports ?? []).entries()) {
            if (!p.nodePort) {
              // an update without nodePort keeps the one the same port already had
              const same = oldPorts.find((q) => q.port === p.port && (q.protocol ?? 'TCP') === (p.protocol ?? 'TCP') && q.nodePort);
              if (same && !takenPorts.includes(same.nodePort!)) { p.nodePort = same.nodePort; continue; }
              const port = pickPort();
              if (port === undefined) throw internalError('failed to allocate a nodePort: range is full');
              usedPorts.add(port);
              takenPorts.push(port);
              p.nodePort = port;
              continue;
            }
            if (oldSet.has(p.nodePort) || takenPorts.includes(p.nodePort)) continue; // its own, or shared by protocols
            const why = p.nodePort < portMin || p.nodePort > portMax ? `provided port is not in the valid range. The range of valid ports is ${portMin}-${portMax}`
              : usedPorts.has(p.nodePort) ? 'provided port is already allocated' : undefined;
            if (why) throw fail([invalid(`spec.ports[${i}].nodePort`, p.nodePort, why)]);
            usedPorts.add(p.nodePort);
            takenPorts.push(p.nodePort);
          }
        }
      } catch (err) {
        undo();
        throw err;
      }
      return {
        commit() {
          if (!o) return;
          // free what the old Service held and the new one does not
          const keepIPs = new Set(s.type === 'ExternalName' ? [] : ipsOf(s));
          for (const ip of ipsOf(o)) if (!keepIPs.has(ip)) usedIPs.delete(ip);
          const keepPorts = new Set(hasNodePorts(s) ? portsOf(s) : []);
          if (hasNodePorts(o)) for (const p of portsOf(o)) if (!keepPorts.has(p)) usedPorts.delete(p);
        },
        rollback: undo,
      };
    },
    release(svc) {
      const s = specOf(svc);
      for (const ip of ipsOf(s)) usedIPs.delete(ip);
      if (hasNodePorts(s)) for (const p of portsOf(s)) usedPorts.delete(p);
    },
    rebuild(services) {
      usedIPs.clear();
      usedPorts.clear();
      for (const svc of services) {
        const s = specOf(svc);
        for (const ip of ipsOf(s)) usedIPs.add(ip);
        if (hasNodePorts(s)) for (const p of portsOf(s)) usedPorts.add(p);
      }
    },
  };
}
