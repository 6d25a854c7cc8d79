// Printers of the networking kinds (kube's printService, printEndpoints, printEndpointSlice, printIngress,
// printIngressClass): `80/TCP`, `80:30080/TCP`, `10.42.0.5:80,10.42.0.6:80 + 1 more...`.
import type { Endpoints, Service, LoadBalancerStatus } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Ingress, IngressClass, IngressLoadBalancerStatus } from 'kubernetes-types/networking/v1.js';
import type { Printer } from './types.ts';
import { ageColumn, col, formatLabels, listWithMore, nameColumn, selectorColumn, since, nameOf, ageOf } from './format.ts';


const lbAddresses = (lb: LoadBalancerStatus | IngressLoadBalancerStatus | undefined): string[] =>
  (lb?.ingress ?? []).flatMap((i) => (i.ip ? [i.ip] : i.hostname ? [i.hostname] : []));

function externalIP(svc: Service): string {
  const external = svc.spec?.externalIPs ?? [];
  switch (svc.spec?.type ?? 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return external.length ? external.join(',') : '<none>';
    case 'LoadBalancer': {
      const all = [...lbAddresses(svc.status?.loadBalancer), ...external];
      return all.length ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return svc.spec?.externalName ?? '';
    default:
      return '<unknown>';
  }
}

export const servicePrinter: Printer = {
  columns: [nameColumn, col('Type', 'type determines how the Service is exposed.'), col('Cluster-IP', 'clusterIP is the IP address of the service.'),
    col('External-IP', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
    col('Port(s)', 'The list of ports that are exposed by this service.'), ageColumn, selectorColumn('Route service traffic to pods with label keys and values matching this selector.')],
  cells(obj, now) {
    const svc = obj as Service;
    const ports = (svc.spec?.ports ?? []).map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}` : `${p.port}/${p.protocol ?? 'TCP'}`)).join(',');
    const clusterIP = svc.spec?.clusterIPs?.[0] ?? svc.spec?.clusterIP ?? '<none>';
    return [nameOf(svc), svc.spec?.type ?? '', clusterIP || '<none>', externalIP(svc), ports || '<none>', ageOf(svc, now), formatLabels(svc.spec?.selector)];
  },
};

/** IPv6 addresses get brackets, as net.JoinHostPort writes them */
const hostPort = (ip: string, port: number) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);

export const endpointsPrinter: Printer = {
  columns: [nameColumn, col('Endpoints', 'The set of all endpoints is the union of all subsets.'), ageColumn],
  cells(obj, now) {
    const ep = obj as Endpoints;
    const list: string[] = [];
    for (const ss of ep.subsets ?? []) {
      const addrs = ss.addresses ?? [];
      if (!ss.ports?.length) list.push(...addrs.map((a) => a.ip));
      else for (const p of ss.ports) list.push(...addrs.map((a) => hostPort(a.ip, p.port)));
    }
    return [nameOf(ep), (ep.subsets ?? []).length === 0 ? '<none>' : listWithMore(list, 3, ''), ageOf(ep, now)];
  },
};

export const endpointSlicePrinter: Printer = {
  columns: [nameColumn, col('AddressType', 'addressType specifies the type of address carried by this EndpointSlice.'),
    col('Ports', 'ports specifies the list of network ports exposed by each endpoint in this slice.'),
    col('Endpoints', 'endpoints is a list of unique endpoints in this slice.'), ageColumn],
  cells(obj, now) {
    const es = obj as unknown as EndpointSlice;
    const ports = (es.ports ?? []).map((p) => (p.port !== undefined && p.port !== null ? String(p.port) : p.name ?? '*'));
    const addrs = (es.endpoints ?? []).flatMap((e) => e.addresses);
    return [nameOf(es), es.addressType, listWithMore(ports, 3, '<unset>'), listWithMore(addrs, 3, '<unset>'), ageOf(es, now)];
  },
};

export const ingressPrinter: Printer = {
  columns: [nameColumn, col('Class', 'The name of the IngressClass resource.'), col('Hosts', 'Hosts that incoming requests are matched against before the ingress rule'),
    col('Address', 'Address is a list containing ingress points for the load-balancer'), col('Ports', 'Ports of TLS configurations that open'), ageColumn],
  cells(obj, now) {
    const ing = obj as Ingress;
    const rules = ing.spec?.rules ?? [];
    const hosts = rules.slice(0, 3).map((r) => r.host ?? '').filter((h) => h);
    const hostText = hosts.length === 0 ? '*' : rules.length > 3 ? `${hosts.join(',')} + ${rules.length - 3} more...` : hosts.join(',');
    const ports = (ing.spec?.tls ?? []).length ? '80, 443' : '80';
    return [nameOf(ing), ing.spec?.ingressClassName ?? '<none>', hostText, lbAddresses(ing.status?.loadBalancer).join(','), ports, ageOf(ing, now)];
  },
};

export const ingressClassPrinter: Printer = {
  columns: [nameColumn, col('Controller', 'Controller that is responsible for handling this class'), col('Parameters', 'A reference to a resource with additional parameters'), ageColumn],
  cells(obj, now) {
    const ic = obj as IngressClass;
    const p = ic.spec?.parameters;
    const params = p ? `${p.apiGroup ? `${p.kind}.${p.apiGroup}` : p.kind}/${p.name}` : '<none>';
    return [nameOf(ic), ic.spec?.controller ?? '', params, ageOf(ic, now)];
  },
};
