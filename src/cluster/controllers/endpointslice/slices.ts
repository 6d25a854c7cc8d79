// What a service's EndpointSlices should hold, and the fewest writes that get there (after the reconciler in
// k8s.io/endpointslice: keep endpoints in the slice they are in, fill slices with room, then open new ones).
import type { Endpoint, EndpointPort, EndpointSlice as KEndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { KObject } from '../../types/meta.ts';
import type { Pod, Service } from '../endpoints/index.ts';

export type EndpointSlice = KEndpointSlice & KObject;
import { isPodReady } from '../../types/pod.ts';
import { findPort, podHostname, shouldPodBeInEndpoints } from '../endpoints/index.ts';

/** Kubernetes' default --max-endpoints-per-slice */
export const maxEndpointsPerSlice = 100;

export interface DesiredGroup {
  ports: EndpointPort[];
  /** by pod uid (or address when a pod has none) */
  endpoints: Map<string, Endpoint>;
}

export const endpointKey = (e: Endpoint) => e.targetRef?.uid ?? e.addresses.join(',');
export const portsKey = (ports: EndpointPort[] | undefined) =>
  JSON.stringify([...(ports ?? [])].map((p) => [p.name ?? '', p.port ?? 0, p.protocol ?? 'TCP', p.appProtocol ?? '']).sort());

function endpointFor(pod: Pod, svc: Service): Endpoint {
  const publishNotReady = svc.spec?.publishNotReadyAddresses === true;
  const serving = publishNotReady || isPodReady(pod);
  const terminating = !!pod.metadata?.deletionTimestamp;
  // "ready" is never true for a terminating pod unless not-ready addresses are published
  const ready = publishNotReady || (serving && !terminating);
  const e: Endpoint = {
    addresses: [pod.status?.podIP ?? pod.status?.podIPs?.[0]?.ip ?? ''],
    conditions: { ready, serving, terminating },
    targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace, name: pod.metadata?.name, uid: pod.metadata?.uid },
  };
  if (pod.spec?.nodeName) e.nodeName = pod.spec.nodeName;
  const hostname = podHostname(pod, svc);
  if (hostname) e.hostname = hostname;
  return e;
}

/** The selected pods as endpoints, grouped by the ports they serve (a named targetPort may differ per pod). */
export function desiredGroups(svc: Service, pods: Pod[]): Map<string, DesiredGroup> {
  const groups = new Map<string, DesiredGroup>();
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ports: EndpointPort[] = [];
    for (const sp of svc.spec?.ports ?? []) {
      const port = findPort(pod, sp);
      if (port === undefined) continue;
      const p: EndpointPort = { name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP' };
      if (sp.appProtocol) p.appProtocol = sp.appProtocol;
      ports.push(p);
    }
    // Kubernetes skips a pod none of whose ports resolve, unless the service has no ports at all
    if ((svc.spec?.ports ?? []).length > 0 && ports.length === 0) continue;
    const key = portsKey(ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports, endpoints: new Map() }));
    const e = endpointFor(pod, svc);
    g.endpoints.set(endpointKey(e), e);
  }
  return groups;
}

export interface SlicePlan {
  /** new slices: their endpoints and ports */
  create: { ports: EndpointPort[]; endpoints: Endpoint[] }[];
  /** existing slices whose endpoints or ports change */
  update: { slice: EndpointSlice; ports: EndpointPort[]; endpoints: Endpoint[] }[];
  /** existing slices no longer needed */
  remove: EndpointSlice[];
  /** existing slices that stay as they are */
  keep: EndpointSlice[];
}

const sortEndpoints = (list: Endpoint[]) => list.sort((a, b) => (a.addresses[0] ?? '').localeCompare(b.addresses[0] ?? '') || endpointKey(a).localeCompare(endpointKey(b)));
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Plans the writes; with no endpoints at all one empty placeholder slice remains, as Kubernetes keeps. */
export function planSlices(groups: Map<string, DesiredGroup>, existing: EndpointSlice[], max = maxEndpointsPerSlice): SlicePlan {
  const plan: SlicePlan = { create: [], update: [], remove: [], keep: [] };
  const byPorts = new Map<string, EndpointSlice[]>();
  for (const s of existing) {
    const k = portsKey(s.ports);
    byPorts.set(k, [...(byPorts.get(k) ?? []), s]);
  }
  for (const [key, slices] of byPorts) {
    if (!groups.has(key) && !(groups.size === 0 && key === portsKey([]))) plan.remove.push(...slices);
  }
  for (const [key, group] of groups) {
    const pending = new Map(group.endpoints);
    const working: { slice: EndpointSlice; endpoints: Endpoint[] }[] = [];
    for (const slice of byPorts.get(key) ?? []) {
      const endpoints: Endpoint[] = [];
      for (const e of slice.endpoints ?? []) {
        const want = pending.get(endpointKey(e));
        if (want && endpoints.length < max) {
          endpoints.push(want);
          pending.delete(endpointKey(e));
        }
      }
      working.push({ slice, endpoints });
    }
    const rest = sortEndpoints([...pending.values()]);
    for (const w of working) while (rest.length && w.endpoints.length < max) w.endpoints.push(rest.shift() as Endpoint);
    while (rest.length) plan.create.push({ ports: group.ports, endpoints: rest.splice(0, max) });
    for (const w of working) {
      if (w.endpoints.length === 0) plan.remove.push(w.slice);
      else if (same(sortEndpoints([...w.endpoints]), sortEndpoints([...(w.slice.endpoints ?? [])])) && same(w.slice.ports ?? [], group.ports)) plan.keep.push(w.slice);
      else plan.update.push({ slice: w.slice, ports: group.ports, endpoints: sortEndpoints(w.endpoints) });
    }
  }
  if (groups.size === 0) {
    const placeholders = byPorts.get(portsKey([])) ?? [];
    const [first, ...extra] = placeholders;
    plan.remove.push(...extra);
    if (!first) plan.create.push({ ports: [], endpoints: [] });
    else if ((first.endpoints ?? []).length > 0) plan.update.push({ slice: first, ports: [], endpoints: [] });
    else plan.keep.push(first);
  }
  return plan;
}
