// The cluster's DNS records (the Kubernetes DNS spec, as CoreDNS's kubernetes plugin serves it), built from
// Services and their EndpointSlices one Service at a time, so a change rebuilds only that Service's names:
//   <svc>.<ns>.svc.<zone>                A/AAAA: the ClusterIPs; headless: every ready endpoint's address
//   <host>.<svc>.<ns>.svc.<zone>         headless: one endpoint (its hostname, else its address with dashes)
//   _<port>._<proto>.<svc>.<ns>.svc.<zone> SRV per named port (headless: one per endpoint)
//   ExternalName                          CNAME to spec.externalName
//   PTR                                   ClusterIPs → the Service; endpoint addresses → their endpoint name
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';

export interface SrvRecord {
  port: number;
  target: string;
}

export interface RecordSet {
  a: string[];
  aaaa: string[];
  srv: SrvRecord[];
  cname?: string;
}

/** One Service's names (lower case, no trailing dot) and reverse names by address. */
export interface ServiceRecords {
  names: Map<string, RecordSet>;
  ptrs: [ip: string, name: string][];
}

export interface RecordIndex {
  /** replace the records of the Service `key` (ns/name); no Service: they go */
  setService(key: string, svc: Service | undefined, slices: EndpointSlice[]): void;
  lookup(name: string): RecordSet | undefined;
  /** a name with records below it but none of its own (an empty non-terminal, e.g. `ns.svc.<zone>`) */
  hasChildren(name: string): boolean;
  reverse(ip: string): string | undefined;
  readonly size: number;
}

const emptySet = (): RecordSet => ({ a: [], aaaa: [], srv: [] });

/** `10.244.1.5` → `10-244-1-5`, `fd00::5` → `fd00--5` (CoreDNS's endpoint name when it has no hostname) */
export const dashed = (ip: string) => ip.replaceAll('.', '-').replaceAll(':', '-');

/** An endpoint counts when it is ready (nil means ready, as the EndpointSlice API says). */
const isReady = (e: { conditions?: { ready?: boolean } }) => e.conditions?.ready !== false;

/** The records of one Service (pure). */
export function serviceRecords(svc: Service, slices: EndpointSlice[], zone: string): ServiceRecords {
  const ns = svc.metadata?.namespace ?? 'default';
  const base = `${svc.metadata?.name}.${ns}.svc.${zone}`.toLowerCase();
  const names = new Map<string, RecordSet>();
  const ptrs: [string, string][] = [];
  const at = (name: string) => {
    let set = names.get(name);
    if (!set) names.set(name, (set = emptySet()));
    return set;
  };
  const spec = svc.spec ?? {};
  if (spec.type === 'ExternalName') {
    if (spec.externalName) at(base).cname = spec.externalName.toLowerCase().replace(/\.+$/, '');
    return { names, ptrs };
  }
  const headless = spec.clusterIP === 'None';
  const top = at(base);
  if (!headless) {
    for (const ip of spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : [])) {
      (ip.includes(':') ? top.aaaa : top.a).push(ip);
      ptrs.push([ip, base]);
    }
    for (const p of spec.ports ?? []) {
      const srv = { port: p.port, target: base };
      top.srv.push(srv);
      if (p.name) at(`_${p.name}._${(p.protocol ?? 'TCP').toLowerCase()}.${base}`.toLowerCase()).srv.push(srv);
    }
  }
  for (const slice of slices) {
    for (const e of slice.endpoints ?? []) {
      if (!isReady(e)) continue;
      for (const ip of e.addresses ?? []) {
        const host = `${(e.hostname ?? dashed(ip)).toLowerCase()}.${base}`;
        ptrs.push([ip, host]);
        if (!headless) continue;
        const v6 = ip.includes(':');
        for (const set of [top, at(host)]) (v6 ? set.aaaa : set.a).push(ip);
        for (const p of slice.ports ?? []) {
          if (p.port === undefined || p.port === null) continue;
          const srv = { port: p.port, target: host };
          top.srv.push(srv);
          if (p.name) at(`_${p.name}._${(p.protocol ?? 'TCP').toLowerCase()}.${base}`.toLowerCase()).srv.push(srv);
        }
      }
    }
  }
  for (const set of names.values()) {
    set.a = [...new Set(set.a)];
    set.aaaa = [...new Set(set.aaaa)];
    set.srv = [...new Map(set.srv.map((s) => [`${s.port}/${s.target}`, s])).values()];
  }
  return { names, ptrs };
}

/** The ancestors of `name` inside `zone` (not the name itself; the zone included). */
function ancestors(name: string, zone: string): string[] {
  const out: string[] = [];
  for (let i = name.indexOf('.'); i >= 0 && name.length - i - 1 >= zone.length; i = name.indexOf('.', i + 1)) out.push(name.slice(i + 1));
  return out;
}

export function createRecordIndex(zone: string): RecordIndex {
  const z = zone.toLowerCase();
  const byService = new Map<string, ServiceRecords>();
  const names = new Map<string, RecordSet>();
  const children = new Map<string, number>();
  const reverse = new Map<string, Map<string, string>>();

  function drop(key: string) {
    const old = byService.get(key);
    if (!old) return;
    byService.delete(key);
    for (const name of old.names.keys()) {
      names.delete(name);
      for (const up of ancestors(name, z)) {
        const n = (children.get(up) ?? 0) - 1;
        if (n > 0) children.set(up, n);
        else children.delete(up);
      }
    }
    for (const [ip] of old.ptrs) {
      const m = reverse.get(ip);
      m?.delete(key);
      if (m && !m.size) reverse.delete(ip);
    }
  }

  function add(key: string, recs: ServiceRecords) {
    byService.set(key, recs);
    for (const [name, set] of recs.names) {
      names.set(name, set);
      for (const up of ancestors(name, z)) children.set(up, (children.get(up) ?? 0) + 1);
    }
    for (const [ip, name] of recs.ptrs) {
      let m = reverse.get(ip);
      if (!m) reverse.set(ip, (m = new Map()));
      if (!m.has(key)) m.set(key, name); // the first name a Service gives an address
    }
  }

  return {
    setService(key, svc, slices) {
      drop(key);
      if (svc) add(key, serviceRecords(svc, slices, z));
    },
    lookup: (name) => names.get(name),
    hasChildren: (name) => children.has(name),
    reverse(ip) {
      const m = reverse.get(ip);
      if (!m) return undefined;
      // several Services name one address: the same one every time (the smallest key)
      return m.get([...m.keys()].sort()[0]);
    },
    get size() {
      return names.size;
    },
  };
}
