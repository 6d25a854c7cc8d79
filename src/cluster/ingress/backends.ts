// From a routed Backend (Service + port) to the addresses that serve it, read from the Services and
// EndpointSlices caches at request time: ready endpoints (serving && terminating ones only when none is ready,
// as kube-proxy), the slice port whose name is the Service port's name; round-robin over them.
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { Backend } from './routes.ts';

export interface Target {
  host: string;
  port: number;
}

/** the caches it reads (informers in the server, maps in tests) */
export interface BackendSource {
  service(namespace: string, name: string): Service | undefined;
  slices(namespace: string, service: string): EndpointSlice[];
}

/** why a backend has no target: no such Service, no such port on it, or no ready endpoint */
export type Resolution = { targets: Target[] } | { missing: 'service' | 'port' | 'endpoints'; message: string };

export function resolveBackend(src: BackendSource, b: Backend): Resolution {
  const svc = src.service(b.namespace, b.service);
  if (!svc) return { missing: 'service', message: `service "${b.namespace}/${b.service}" not found` };
  const sp = (svc.spec?.ports ?? []).find((p) => (typeof b.port === 'number' ? p.port === b.port : p.name === b.port));
  if (!sp) return { missing: 'port', message: `service "${b.namespace}/${b.service}" has no port ${b.port}` };
  const portName = sp.name ?? '';
  const ready: Target[] = [];
  const terminating: Target[] = [];
  for (const s of src.slices(b.namespace, b.service)) {
    if (s.addressType === 'IPv6' || s.addressType === 'FQDN') continue;
    const port = (s.ports ?? []).find((p) => (p.name ?? '') === portName)?.port;
    if (port === undefined || port === null) continue;
    for (const e of s.endpoints ?? []) {
      const c = e.conditions ?? {};
      const list = c.ready !== false ? ready : c.serving && c.terminating ? terminating : undefined;
      for (const host of list ? e.addresses.slice(0, 1) : []) list!.push({ host, port });
    }
  }
  const targets = ready.length ? ready : terminating;
  if (!targets.length) return { missing: 'endpoints', message: `service "${b.namespace}/${b.service}" has no ready endpoints` };
  return { targets };
}

/** round-robin per Service port: each call starts one further along and lists every target once */
export function createRoundRobin(): (key: string, targets: Target[]) => Target[] {
  const next = new Map<string, number>();
  return (key, targets) => {
    const i = (next.get(key) ?? 0) % targets.length;
    next.set(key, i + 1);
    return [...targets.slice(i), ...targets.slice(0, i)];
  };
}
