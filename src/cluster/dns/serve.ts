// The node's cluster DNS (NodeLocal DNSCache's place, CoreDNS's answers): watches Services and EndpointSlices,
// answers the cluster zone on the node's pod gateway (UDP+TCP 53), forwards the rest to the host's resolvers
// through a cache, and keeps the EndpointSlice `kube-system/kube-dns-<node>` that makes it an endpoint of
// the kube-dns Service (ready while it serves; deleted when it stops).
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { ApiClient } from '../client/types.ts';
import { createInformerFactory } from '../client/informer.ts';
import type { InformerFactory } from '../client/types.ts';
import { R } from '../types/gvr.ts';
import type { KObject } from '../types/meta.ts';
import { isStatusError } from '../types/status-error.ts';
import { createDnsServer } from '../../lib/dns/index.ts';
import { logger } from '../../lib/log.ts';
import { createRecordIndex, type RecordIndex } from './records.ts';
import { answerCluster } from './answer.ts';

const log = logger('cluster-dns');

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const MANAGED_BY = 'skiff-agent';
export const KUBE_DNS = { namespace: 'kube-system', name: 'kube-dns' } as const;

export interface ClusterDnsOptions {
  client: ApiClient;
  nodeName: string;
  /** the address it listens on: the node's pod gateway */
  address: string;
  /** 53 unless a test says otherwise (0: any free port) */
  port?: number;
  /** the cluster domain (default cluster.local) */
  clusterDomain?: string;
  /** resolvers for other names (the node's resolv.conf nameservers); read at each query */
  upstreams: string[];
  /** publish the kube-dns EndpointSlice for this node (default true) */
  publish?: boolean;
  signal: AbortSignal;
  /** the agent's shared watches, started by it (the service proxy watches the same Services and slices); absent: its own */
  informers?: InformerFactory;
}

export interface ClusterDns {
  /** the port it serves on (once listening) */
  port(): number | undefined;
  index: RecordIndex;
  /** resolves once the records are listed and the listener is up */
  ready: Promise<void>;
  /** stop answering and withdraw the EndpointSlice */
  close(): Promise<void>;
}

type Svc = Service & KObject;
type Slice = EndpointSlice & KObject;

const sleep = (ms: number, signal: AbortSignal) => new Promise<void>((ok) => {
  const t = setTimeout(ok, ms);
  signal.addEventListener('abort', () => { clearTimeout(t); ok(); }, { once: true });
});

export const sliceName = (nodeName: string) => `${KUBE_DNS.name}-${nodeName}`;

export function startClusterDns(o: ClusterDnsOptions): ClusterDns {
  const zone = (o.clusterDomain ?? 'cluster.local').toLowerCase().replace(/\.+$/, '');
  const stop = new AbortController();
  const signal = AbortSignal.any([o.signal, stop.signal]);
  const informers = o.informers ?? createInformerFactory(o.client);
  const services = informers.informer<Svc>(R.services);
  const slices = informers.informer<Slice>(R.endpointslices);
  const index = createRecordIndex(zone);
  const serviceOf = (s: Slice) => {
    const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
    return svc ? [`${s.metadata?.namespace}/${svc}`] : [];
  };
  slices.addIndex('service', serviceOf);
  const rebuild = (key: string) => index.setService(key, services.get(key), slices.byIndex('service', key));
  const svcKey = (s: Svc) => `${s.metadata?.namespace}/${s.metadata?.name}`;
  services.on({ add: (s) => rebuild(svcKey(s)), update: (_o, s) => rebuild(svcKey(s)), delete: (s) => rebuild(svcKey(s)) });
  slices.on({
    add: (s) => serviceOf(s).forEach(rebuild),
    update: (old, s) => new Set([...serviceOf(old), ...serviceOf(s)]).forEach(rebuild),
    delete: (s) => serviceOf(s).forEach(rebuild),
  });
  const server = createDnsServer({
    upstreams: o.upstreams,
    cache: { maxTtlSec: 30 },
    answer: (q) => answerCluster({ zone, index, synced: () => services.hasSynced() && slices.hasSynced(), lookup: (n, t) => server.lookup(n, t) }, q),
  });
  informers.start(signal);
  let listening = false;
  const ready = (async () => {
    await listenUntilUp(o, server, signal);
    listening = !signal.aborted;
    await informers.waitForSync(signal);
    if (signal.aborted) return;
    log.info('cluster DNS serving', { address: o.address, port: server.portOf(o.address), zone, names: index.size });
    if (o.publish === false) return;
    const mine = sliceName(o.nodeName);
    await publishSlice(o, server.portOf(o.address) ?? 53, signal);
    // someone deleted or changed our slice: put it back
    slices.on({
      update: (_old, s) => { if (s.metadata?.namespace === KUBE_DNS.namespace && s.metadata?.name === mine && !signal.aborted) void publishSlice(o, server.portOf(o.address) ?? 53, signal); },
      delete: (s) => { if (s.metadata?.namespace === KUBE_DNS.namespace && s.metadata?.name === mine && !signal.aborted) void publishSlice(o, server.portOf(o.address) ?? 53, signal); },
    });
  })();
  ready.catch((err: Error) => log.warn('cluster DNS did not start', { err: err.message }));
  return {
    port: () => (listening ? server.portOf(o.address) : undefined),
    index,
    ready,
    async close() {
      stop.abort();
      await ready.catch(() => undefined); // its failure was logged when it happened
      if (o.publish !== false) await withdrawSlice(o);
      await server.close();
    },
  };
}

/** Listen on the gateway, retrying while the address is not there yet (the pod bridge comes up with the runtime). */
async function listenUntilUp(o: ClusterDnsOptions, server: ReturnType<typeof createDnsServer>, signal: AbortSignal): Promise<void> {
  for (let delay = 200; !signal.aborted; delay = Math.min(delay * 2, 5000)) {
    try {
      await server.listen(o.address, o.port ?? 53);
      return;
    } catch (err) {
      log.warn('cluster DNS cannot listen yet (retrying)', { address: o.address, err: (err as Error).message, in_ms: delay });
      await sleep(delay, signal);
    }
  }
}

/** The EndpointSlice that names this node's DNS as an endpoint of kube-dns (the Node owns it, so it goes with the Node). */
export function dnsSlice(nodeName: string, address: string, port: number, nodeUid?: string): Slice {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: {
      name: sliceName(nodeName), namespace: KUBE_DNS.namespace,
      labels: { [SERVICE_NAME_LABEL]: KUBE_DNS.name, [MANAGED_BY_LABEL]: MANAGED_BY },
      ...(nodeUid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid: nodeUid }] } : {}),
    },
    addressType: 'IPv4',
    endpoints: [{ addresses: [address], nodeName, conditions: { ready: true, serving: true, terminating: false } }],
    ports: [{ name: 'dns', port, protocol: 'UDP' }, { name: 'dns-tcp', port, protocol: 'TCP' }],
  };
}

async function publishSlice(o: ClusterDnsOptions, port: number, signal: AbortSignal): Promise<void> {
  for (let delay = 500; !signal.aborted; delay = Math.min(delay * 2, 10_000)) {
    try {
      const node = await o.client.get(R.nodes, undefined, o.nodeName).catch((err: unknown) => {
        if (isStatusError(err, 'NotFound')) return undefined; // not registered yet: no owner, still published
        throw err;
      });
      const want = dnsSlice(o.nodeName, o.address, port, node?.metadata?.uid);
      let have: Slice | undefined;
      try {
        have = await o.client.get<Slice>(R.endpointslices, KUBE_DNS.namespace, want.metadata!.name!);
      } catch (err) {
        if (!isStatusError(err, 'NotFound')) throw err;
      }
      if (!have) await o.client.create(R.endpointslices, KUBE_DNS.namespace, want);
      else if (JSON.stringify([have.endpoints, have.ports, have.metadata?.labels]) !== JSON.stringify([want.endpoints, want.ports, want.metadata?.labels])) {
        await o.client.update(R.endpointslices, KUBE_DNS.namespace, { ...want, metadata: { ...have.metadata, labels: want.metadata!.labels, ownerReferences: want.metadata!.ownerReferences ?? have.metadata?.ownerReferences } });
      }
      return;
    } catch (err) {
      if (isStatusError(err, 'AlreadyExists') || isStatusError(err, 'Conflict')) continue; // raced another write: look again
      log.warn('publishing the kube-dns endpoint failed (retrying)', { err: (err as Error).message, in_ms: delay });
      await sleep(delay, signal);
    }
  }
}

async function withdrawSlice(o: ClusterDnsOptions): Promise<void> {
  try {
    await o.client.delete(R.endpointslices, KUBE_DNS.namespace, sliceName(o.nodeName));
  } catch (err) {
    if (!isStatusError(err, 'NotFound')) log.warn('withdrawing the kube-dns endpoint failed', { err: (err as Error).message });
  }
}
