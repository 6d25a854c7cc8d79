// The subsets of a service's Endpoints (pkg/controller/endpoint syncService + RepackSubsets): every selected pod
// with an IP, ready ones in `addresses`, others in `notReadyAddresses`, grouped by the ports each pod serves.
import type { EndpointAddress, EndpointPort, EndpointSubset } from 'kubernetes-types/core/v1.js';
import type { Pod, Service } from './pods.ts';
import { isPodReady } from '../../types/pod.ts';
import { findPort, podHostname, shouldPodBeInEndpoints } from './pods.ts';

/** Kubernetes' maxCapacity: more addresses than this are truncated and the object annotated. */
export const maxEndpointsCapacity = 1000;

interface Entry {
  address: EndpointAddress;
  ready: boolean;
  ports: EndpointPort[];
}

const addressOf = (pod: Pod, svc: Service): EndpointAddress => {
  const a: EndpointAddress = {
    ip: pod.status?.podIP ?? pod.status?.podIPs?.[0]?.ip ?? '',
    targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace, name: pod.metadata?.name, uid: pod.metadata?.uid },
  };
  if (pod.spec?.nodeName) a.nodeName = pod.spec.nodeName;
  const hostname = podHostname(pod, svc);
  if (hostname) a.hostname = hostname;
  return a;
};

const portKey = (ports: EndpointPort[]) => JSON.stringify([...ports].sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '') || a.port - b.port));
const byAddress = (a: EndpointAddress, b: EndpointAddress) => a.ip.localeCompare(b.ip) || (a.targetRef?.uid ?? '').localeCompare(b.targetRef?.uid ?? '');

export function computeSubsets(svc: Service, pods: Pod[]): { subsets: EndpointSubset[]; truncated: boolean } {
  const publishNotReady = svc.spec?.publishNotReadyAddresses === true;
  const entries: Entry[] = [];
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
    const ready = publishNotReady || isPodReady(pod);
    const svcPorts = svc.spec?.ports ?? [];
    if (svcPorts.length === 0) {
      // a headless service without ports still lists its pods
      if (svc.spec?.clusterIP === 'None') entries.push({ address: addressOf(pod, svc), ready, ports: [] });
      continue;
    }
    const ports: EndpointPort[] = [];
    for (const sp of svcPorts) {
      const port = findPort(pod, sp);
      if (port === undefined) continue; // a named port this pod does not have
      const ep: EndpointPort = { port, protocol: sp.protocol ?? 'TCP' };
      if (sp.name) ep.name = sp.name;
      if (sp.appProtocol) ep.appProtocol = sp.appProtocol;
      ports.push(ep);
    }
    if (ports.length > 0) entries.push({ address: addressOf(pod, svc), ready, ports });
  }
  // keep ready addresses first when there are too many
  entries.sort((a, b) => Number(b.ready) - Number(a.ready));
  const truncated = entries.length > maxEndpointsCapacity;
  const groups = new Map<string, EndpointSubset & { addresses: EndpointAddress[]; notReadyAddresses: EndpointAddress[] }>();
  for (const e of entries.slice(0, maxEndpointsCapacity)) {
    const key = portKey(e.ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { addresses: [], notReadyAddresses: [], ports: JSON.parse(key) as EndpointPort[] }));
    (e.ready ? g.addresses : g.notReadyAddresses).push(e.address);
  }
  const subsets: EndpointSubset[] = [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, g]) => {
      const s: EndpointSubset = {};
      if (g.addresses.length) s.addresses = g.addresses.sort(byAddress);
      if (g.notReadyAddresses.length) s.notReadyAddresses = g.notReadyAddresses.sort(byAddress);
      if (g.ports?.length) s.ports = g.ports;
      return s;
    });
  return { subsets, truncated };
}
