// What the proxy serves, from one Service and its EndpointSlices: one entry per service port (kube-proxy's
// ServicePort), with the endpoints that may take traffic already chosen as kube-proxy's CategorizeEndpoints
// does — ready ones, else (only when none is ready) serving-and-terminating ones; the same again among this
// node's endpoints for the Local traffic policies.
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';

export type Protocol = 'tcp' | 'udp' | 'sctp';

export interface ProxyEndpoint {
  ip: string;
  port: number;
  /** the endpoint runs on this node (Local traffic policies) */
  local: boolean;
}

export interface ServicePortModel {
  /** `ns/name/proto/portname` (kube-proxy's ServicePortName): names the port's chains */
  id: string;
  protocol: Protocol;
  port: number;
  clusterIPs: string[];
  /** LoadBalancer ingress IPs and spec.externalIPs: reached like a NodePort (external traffic policy) */
  externalIPs: string[];
  nodePort?: number;
  /** seconds, when sessionAffinity is ClientIP */
  affinitySeconds?: number;
  internalLocal: boolean;
  externalLocal: boolean;
  /** who gets cluster-wide traffic */
  clusterEndpoints: ProxyEndpoint[];
  /** who gets traffic under a Local policy */
  localEndpoints: ProxyEndpoint[];
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const isIPv4 = (s: string | undefined): s is string => !!s && IPV4.test(s);

/** the Services the proxy makes rules for: a ClusterIP (not headless, not ExternalName) */
export function isProxied(svc: Service): boolean {
  const ip = svc.spec?.clusterIP;
  return svc.spec?.type !== 'ExternalName' && !!ip && ip !== 'None';
}

interface Candidate extends ProxyEndpoint { ready: boolean; servingTerminating: boolean }

/** kube-proxy's rule: ready endpoints; when there are none, those still serving while terminating */
function usable(all: Candidate[]): ProxyEndpoint[] {
  const ready = all.filter((e) => e.ready);
  const chosen = ready.length > 0 ? ready : all.filter((e) => e.servingTerminating);
  return chosen.map(({ ip, port, local }) => ({ ip, port, local })).sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : a.port - b.port));
}

/** the endpoints of one service port across the slices, each address:port once (the first slice wins) */
function candidatesFor(slices: EndpointSlice[], portName: string, protocol: string, nodeName: string): Candidate[] {
  const seen = new Map<string, Candidate>();
  for (const slice of slices) {
    if (slice.addressType !== 'IPv4') continue;
    const sp = (slice.ports ?? []).find((p) => (p.name ?? '') === portName && (p.protocol ?? 'TCP') === protocol);
    if (!sp?.port) continue;
    for (const e of slice.endpoints ?? []) {
      const c = e.conditions ?? {};
      // nil ready means ready; nil serving defers to ready (discovery/v1's contract)
      const ready = c.ready !== false;
      const serving = c.serving ?? ready;
      const terminating = c.terminating === true;
      for (const ip of e.addresses ?? []) {
        if (!isIPv4(ip)) continue;
        const key = `${ip}:${sp.port}`;
        if (!seen.has(key)) seen.set(key, { ip, port: sp.port, local: e.nodeName === nodeName, ready, servingTerminating: serving && terminating });
      }
    }
  }
  return [...seen.values()];
}

/** One Service (with the EndpointSlices labelled with its name) as the proxy sees it; [] when not proxied. */
export function servicePorts(svc: Service, slices: EndpointSlice[], nodeName: string): ServicePortModel[] {
  if (!isProxied(svc)) return [];
  const spec = svc.spec!;
  const key = `${svc.metadata?.namespace ?? 'default'}/${svc.metadata?.name ?? ''}`;
  const clusterIPs = (spec.clusterIPs?.length ? spec.clusterIPs : [spec.clusterIP]).filter(isIPv4);
  const lbIPs = spec.type === 'LoadBalancer' ? (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).filter(isIPv4) : [];
  const externalIPs = [...new Set([...lbIPs, ...(spec.externalIPs ?? []).filter(isIPv4)])].sort();
  const nodePorts = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
  const affinity = spec.sessionAffinity === 'ClientIP' ? spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800 : undefined;
  return (spec.ports ?? []).map((p) => {
    const protocol = (p.protocol ?? 'TCP').toLowerCase() as Protocol;
    const all = candidatesFor(slices, p.name ?? '', p.protocol ?? 'TCP', nodeName);
    const m: ServicePortModel = {
      id: `${key}/${protocol}/${p.name ?? ''}`,
      protocol, port: p.port, clusterIPs, externalIPs,
      internalLocal: spec.internalTrafficPolicy === 'Local',
      externalLocal: spec.externalTrafficPolicy === 'Local' && (nodePorts || externalIPs.length > 0),
      clusterEndpoints: usable(all),
      localEndpoints: usable(all.filter((e) => e.local)),
    };
    if (nodePorts && p.nodePort) m.nodePort = p.nodePort;
    if (affinity !== undefined) m.affinitySeconds = affinity;
    return m;
  });
}
