// The objects every cluster has from the start (kube-apiserver's bootstrap controllers): the four system
// namespaces, the `kubernetes` Service in `default` with its Endpoints and EndpointSlice pointing at the
// API server, the `kube-dns` Service in kube-system (its endpoints are the agents' node-local DNS servers,
// each agent keeping its own EndpointSlice), and the default StorageClass `local-path` (made when missing, as
// k3s does; never rewritten), the system-node-critical and system-cluster-critical PriorityClasses. Idempotent; the endpoints are corrected when the server's address or port changed.
import type { KObject } from '../../types/meta.ts';
import { isStatusError } from '../../types/status-error.ts';
import { localPathStorageClass } from '../../types/storage.ts';
import { SYSTEM_PRIORITY_CLASSES } from '../../types/strategies/index.ts';
import type { RestContext } from './context.ts';
import { createObject } from './create.ts';
import { readObject } from './list.ts';
import { writeUpdate } from './update.ts';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
const MANAGER = 'kube-apiserver';

export async function bootstrapCluster(ctx: RestContext, apiServer: { address: string; port: number }): Promise<void> {
  for (const name of SYSTEM_NAMESPACES) await ensure(ctx, '', 'Namespace', undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, () => false);
  await ensure(ctx, '', 'Service', 'default', {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: { type: 'ClusterIP', clusterIP: ctx.allocators.firstIP, ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: apiServer.port }], sessionAffinity: 'None' },
  }, (cur) => {
    const p = ((cur.spec as { ports?: { targetPort?: unknown }[] } | undefined)?.ports ?? [])[0];
    return p?.targetPort !== apiServer.port;
  }, (cur, want) => ({ ...cur, spec: { ...(cur.spec as object), ports: (want.spec as { ports: unknown }).ports } }));
  // what k3s ships as the CoreDNS Service: no selector, node-local endpoints only
  if (ctx.allocators.dnsIP) await ensure(ctx, '', 'Service', 'kube-system', {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name: 'kube-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' } },
    spec: {
      type: 'ClusterIP', clusterIP: ctx.allocators.dnsIP, internalTrafficPolicy: 'Local', sessionAffinity: 'None',
      ports: [{ name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 }, { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 }],
    },
  }, () => false);
  await reconcileApiServerEndpoints(ctx, [apiServer.address], apiServer.port);
  // kube-apiserver's scheduling/bootstrap-system-priority-classes: made when missing, never rewritten
  for (const pc of SYSTEM_PRIORITY_CLASSES) await ensure(ctx, 'scheduling.k8s.io', 'PriorityClass', undefined, pc as unknown as KObject, () => false);
}

/**
 * The `kubernetes` Service's Endpoints and EndpointSlice name exactly `addresses` (every live API server) on
 * `port` (kube-apiserver's endpoint reconciler: all servers listen on one port). Writes only what differs.
 */
export async function reconcileApiServerEndpoints(ctx: RestContext, addresses: string[], port: number): Promise<void> {
  const ips = [...new Set(addresses)].sort();
  const ports = [{ name: 'https', port, protocol: 'TCP' }];
  const subsets = ips.length ? [{ addresses: ips.map((ip) => ({ ip })), ports }] : [];
  await ensure(ctx, '', 'Endpoints', 'default', {
    apiVersion: 'v1', kind: 'Endpoints',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets,
  }, (cur) => JSON.stringify(cur.subsets ?? []) !== JSON.stringify(subsets),
  (cur, want) => ({ ...cur, subsets: want.subsets }));
  const endpoints = ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } }));
  await ensure(ctx, 'discovery.k8s.io', 'EndpointSlice', 'default', {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
    addressType: 'IPv4',
    endpoints,
    ports,
  }, (cur) => JSON.stringify([cur.endpoints ?? [], cur.ports]) !== JSON.stringify([endpoints, ports]),
  (cur, want) => ({ ...cur, endpoints: want.endpoints, ports: want.ports }));
  await ensure(ctx, 'storage.k8s.io', 'StorageClass', undefined, localPathStorageClass(), () => false);
}

/**
 * Creates `want` when missing; when present and stale(current), writes fix(current, want). The system objects
 * skip validation (the API server may listen on a loopback address, which Endpoints validation refuses).
 */
async function ensure(ctx: RestContext, group: string, kind: string, namespace: string | undefined, want: KObject,
  stale: (cur: KObject) => boolean, fix?: (cur: KObject, want: KObject) => KObject): Promise<void> {
  const base = ctx.specByKind(group, kind);
  if (!base) return;
  const spec = { ...base, validate: () => [], validateUpdate: () => [] };
  for (let attempt = 0; attempt < 5; attempt++) {
    let current: { obj: KObject; rev: number } | undefined;
    try {
      current = await readObject(ctx, spec, namespace, want.metadata!.name!);
    } catch (err) {
      if (!isStatusError(err, 'NotFound')) throw err;
    }
    try {
      if (!current) await createObject(ctx, spec, namespace, want, { fieldManager: MANAGER });
      else if (fix && stale(current.obj)) await writeUpdate(ctx, spec, current.obj, current.rev, fix(current.obj, want), { fieldManager: MANAGER });
      return;
    } catch (err) {
      // another server bootstrapped at the same moment: look again
      if (isStatusError(err, 'AlreadyExists') || (err as { code?: string }).code === 'conflict') continue;
      throw err;
    }
  }
}
