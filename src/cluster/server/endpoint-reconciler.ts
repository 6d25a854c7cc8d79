// kube-apiserver's lease endpoint reconciler: every API server keeps a short Lease in kube-system saying "I
// serve on ADDRESS", and writes the `kubernetes` Service's Endpoints/EndpointSlice to name the addresses of
// every server whose lease is live. A server that stops cleanly takes itself out at once; one that dies drops
// out when its lease expires. With one SQLite server this is just the server's own advertised address.
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Rest } from '../apiserver/rest/types.ts';
import type { KObject } from '../types/meta.ts';
import { R } from '../types/gvr.ts';
import { isStatusError } from '../types/status-error.ts';
import { logger } from '../../lib/log.ts';

const log = logger('endpoint-reconciler');

export const API_LEASE_LABEL = 'skiff.io/apiserver-endpoint';

export interface EndpointReconcilerOptions {
  rest: Pick<Rest, 'get' | 'list' | 'create' | 'update' | 'delete' | 'apiServerEndpoints'>;
  /** this server's advertised address and port */
  address: string;
  port: number;
  /** kube: --endpoint-reconciler lease TTL 15 s, refreshed every 10 s */
  leaseSeconds?: number;
  intervalMs?: number;
  now?: () => Date;
}

type LeaseObject = Lease & KObject;

/** the Lease name for an address and port (a DNS subdomain: IPv4 dots are fine, IPv6 colons are not) */
export const apiLeaseName = (address: string, port: number) => `apiserver-endpoint-${address.replace(/:/g, '-')}-${port}`;

const micro = (d: Date) => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

interface Holder { address: string; port: number }

/** the servers whose lease is live at `t` */
async function liveHolders(o: EndpointReconcilerOptions, t: number): Promise<Holder[]> {
  const leases = (await o.rest.list<LeaseObject>(R.leases, 'kube-system', { labelSelector: API_LEASE_LABEL })).items;
  return leases.flatMap((l) => {
    const s = l.spec ?? {};
    const holder = /^(.*):(\d+)$/.exec(s.holderIdentity ?? '');
    const renewed = s.renewTime ? Date.parse(s.renewTime) : 0;
    if (!holder || renewed + (s.leaseDurationSeconds ?? o.leaseSeconds ?? 15) * 1000 < t) return [];
    return [{ address: holder[1], port: Number(holder[2]) }];
  });
}

/** the port the `kubernetes` EndpointSlice names now, if any */
async function currentPort(o: EndpointReconcilerOptions): Promise<number | undefined> {
  try {
    const slice = await o.rest.get(R.endpointslices, 'default', 'kubernetes');
    return (slice.ports as { port?: number }[] | undefined)?.[0]?.port;
  } catch (err) {
    if (isStatusError(err, 'NotFound')) return undefined;
    throw err;
  }
}

/** renews this server's lease and writes the live set once; returns the addresses the endpoints name */
export async function reconcileOnce(o: EndpointReconcilerOptions): Promise<string[]> {
  const now = o.now ?? (() => new Date());
  const ttl = o.leaseSeconds ?? 15;
  const name = apiLeaseName(o.address, o.port);
  const spec = { holderIdentity: `${o.address}:${o.port}`, leaseDurationSeconds: ttl, renewTime: micro(now()) };
  try {
    const cur = await o.rest.get<LeaseObject>(R.leases, 'kube-system', name);
    await o.rest.update(R.leases, 'kube-system', { ...cur, spec: { ...cur.spec, ...spec } });
  } catch (err) {
    if (!isStatusError(err, 'NotFound')) throw err;
    await o.rest.create(R.leases, 'kube-system', {
      apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: 'kube-system', labels: { [API_LEASE_LABEL]: 'true' } }, spec,
    });
  }
  const live = await liveHolders(o, now().getTime());
  // kube-apiserver requires every server on one port; when they differ, the port the endpoints name keeps
  // them while some server on it lives (no flapping between servers every 10 s)
  const named = await currentPort(o);
  if (named !== undefined && named !== o.port && live.some((h) => h.port === named)) {
    return live.filter((h) => h.port === named).map((h) => h.address).sort();
  }
  const addresses = [...new Set([...live.filter((h) => h.port === o.port).map((h) => h.address), o.address])].sort();
  await o.rest.apiServerEndpoints(addresses, o.port);
  return addresses;
}

/** Keeps this server in the `kubernetes` Service's endpoints until `signal` aborts, then takes it out. */
export async function runEndpointReconciler(o: EndpointReconcilerOptions, signal: AbortSignal): Promise<void> {
  const interval = o.intervalMs ?? 10_000;
  while (!signal.aborted) {
    try {
      await reconcileOnce(o);
    } catch (err) {
      log.warn('updating the kubernetes Service endpoints failed', { err: (err as Error).message });
    }
    await new Promise<void>((ok) => {
      const done = () => { clearTimeout(timer); signal.removeEventListener('abort', done); ok(); };
      const timer = setTimeout(done, interval);
      signal.addEventListener('abort', done, { once: true });
    });
  }
  await removeSelf(o);
}

/** on a clean stop: the lease goes and the endpoints name the others still live on this port (none: empty) */
async function removeSelf(o: EndpointReconcilerOptions): Promise<void> {
  try {
    await o.rest.delete(R.leases, 'kube-system', apiLeaseName(o.address, o.port));
  } catch (err) {
    if (!isStatusError(err, 'NotFound')) log.warn('removing the API server lease failed', { err: (err as Error).message });
  }
  try {
    if ((await currentPort(o)) !== o.port) return; // another server's port: theirs to keep
    const now = (o.now ?? (() => new Date()))().getTime();
    const others = (await liveHolders(o, now)).filter((h) => h.port === o.port && h.address !== o.address).map((h) => h.address);
    await o.rest.apiServerEndpoints(others, o.port);
  } catch (err) {
    log.warn('taking this server out of the kubernetes endpoints failed', { err: (err as Error).message });
  }
}
