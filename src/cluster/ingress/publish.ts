// How the cluster sees the Ingress controller: IngressClass `skiff` (made once, marked default; an admin's
// later edits stay), Service kube-system/skiff-ingress (type LoadBalancer, http 80 / https 443, no selector)
// and its EndpointSlice (managed-by skiff-ingress) naming this server's listener. Idempotent: writes only
// what differs.
import { createHash } from 'node:crypto';
import type { IngressClass } from 'kubernetes-types/networking/v1.js';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { ApiClient } from '../client/types.ts';
import type { KObject } from '../types/meta.ts';
import { R } from '../types/gvr.ts';
import { isStatusError } from '../types/status-error.ts';
import { className, controllerId, defaultClassAnnotation } from './routes.ts';

export const serviceNamespace = 'kube-system';
export const serviceName = 'skiff-ingress';
export const managedBy = 'skiff-ingress';

export interface Listener {
  /** the address the Service's endpoint names (the bind address, or the server's own when it binds all) */
  address: string;
  httpPort?: number;
  httpsPort?: number;
}

/** this listener's slice: one per server address, so several servers each keep their own */
export const sliceName = (address: string) => `${serviceName}-${createHash('sha256').update(address).digest('hex').slice(0, 8)}`;

const ignoreExists = (err: unknown) => {
  if (!isStatusError(err, 'AlreadyExists')) throw err;
};

export function ingressClass(): IngressClass {
  return {
    apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass',
    metadata: { name: className, annotations: { [defaultClassAnnotation]: 'true' }, labels: { 'app.kubernetes.io/managed-by': managedBy } },
    spec: { controller: controllerId },
  };
}

function servicePorts(l: Listener) {
  return [
    ...(l.httpPort !== undefined ? [{ name: 'http', port: 80, protocol: 'TCP', targetPort: l.httpPort }] : []),
    ...(l.httpsPort !== undefined ? [{ name: 'https', port: 443, protocol: 'TCP', targetPort: l.httpsPort }] : []),
  ];
}

function slice(l: Listener): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { name: sliceName(l.address), namespace: serviceNamespace, labels: { 'kubernetes.io/service-name': serviceName, 'endpointslice.kubernetes.io/managed-by': managedBy } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [l.address], conditions: { ready: true, serving: true, terminating: false } }],
    ports: [
      ...(l.httpPort !== undefined ? [{ name: 'http', port: l.httpPort, protocol: 'TCP' }] : []),
      ...(l.httpsPort !== undefined ? [{ name: 'https', port: l.httpsPort, protocol: 'TCP' }] : []),
    ],
  };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** makes or corrects the IngressClass, Service and EndpointSlice; `current` reads the caches */
export async function publish(client: ApiClient, l: Listener, current: {
  ingressClass(): IngressClass | undefined;
  service(): Service | undefined;
  slice(name: string): EndpointSlice | undefined;
}): Promise<void> {
  if (!current.ingressClass()) await client.create(R.ingressclasses, undefined, ingressClass() as KObject).catch(ignoreExists);
  const ports = servicePorts(l);
  const svc = current.service();
  if (!svc) {
    await client.create(R.services, serviceNamespace, {
      apiVersion: 'v1', kind: 'Service',
      metadata: { name: serviceName, namespace: serviceNamespace, labels: { 'app.kubernetes.io/name': serviceName, 'app.kubernetes.io/managed-by': managedBy } },
      spec: { type: 'LoadBalancer', ports },
    }).catch(ignoreExists);
  } else {
    const have = (svc.spec?.ports ?? []).map((p) => ({ name: p.name, port: p.port, protocol: p.protocol, targetPort: p.targetPort }));
    if (!same(have, ports)) {
      // keep the allocated nodePorts of ports that stay
      const merged = ports.map((p) => ({ ...p, nodePort: svc.spec?.ports?.find((o) => o.name === p.name)?.nodePort }));
      await client.update(R.services, serviceNamespace, { ...svc, spec: { ...svc.spec, ports: merged } } as KObject);
    }
  }
  const want = slice(l);
  const have = current.slice(want.metadata!.name!);
  if (!have) await client.create(R.endpointslices, serviceNamespace, want as unknown as KObject).catch(ignoreExists);
  else if (!same([have.endpoints, have.ports, have.metadata?.labels], [want.endpoints, want.ports, want.metadata?.labels])) {
    await client.update(R.endpointslices, serviceNamespace, { ...have, endpoints: want.endpoints, ports: want.ports, metadata: { ...have.metadata, labels: want.metadata?.labels } } as unknown as KObject);
  }
}
