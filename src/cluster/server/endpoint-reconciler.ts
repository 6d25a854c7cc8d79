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

/** the Lease name for an address (a DNS subdomain: IPv4 dots are fine, IPv6 colons are not) */
export const apiLeaseName = (address: string) => `apiserver-endpoint-${address.replace(/:/g, '-')}`;

const micro = (d: Date) => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

/** the addresses of the servers whose lease is live at `t` and who serve on our port */
async function liveAddresses(o: EndpointReconcilerOptions, t: number): Promise<string[]> {
  const leases = (await o.rest.list<LeaseObject>(R.leases, 'kube-system', { labelSelector: API_LEASE_LABEL })).items;
  return leases.flatMap((l) => {
    const s = l.spec ?? {};
    const holder = /^(.*):(\d+)$/.exec(s.holderIdentity ?? '');
    const renewed = s.renewTime ? Date.parse(s.renewTime) : 0;
    if (!holder || renewed + (s.leaseDurationSeconds ?? o.leaseSeconds ?? 15) * 1000 < t) return [];
    // kube-apiserver requires every server on the same port; one on another port is left out, as there
    return Number(holder[2]) === o.port ? [holder[1]] : [];
  });
}

/** renews this server's lease and writes the live set once */
export async function reconcileOnce(o: EndpointReconcilerOptions): Promise<string[]> {
  const now = o.now ?? (() => new Date());
  const ttl = o.leaseSeconds ?? 15;
  const name = apiLeaseName(o.address);
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
  const live = await liveAddresses(o, now().getTime());
  if (!live.includes(o.address)) live.push(o.address);
  live.sort();
  await o.rest.apiServerEndpoints(live, o.port);
  return live;
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

/** on a clean stop: the lease goes and the endpoints name the others still live (none: empty) */
async function removeSelf(o: EndpointReconcilerOptions): Promise<void> {
  try {
    await o.rest.delete(R.leases, 'kube-system', apiLeaseName(o.address));
  } catch (err) {
    if (!isStatusError(err, 'NotFound')) log.warn('removing the API server lease failed', { err: (err as Error).message });
  }
  try {
    const now = (o.now ?? (() => new Date()))().getTime();
    const others = (await liveAddresses(o, now)).filter((a) => a !== o.address);
    await o.rest.apiServerEndpoints(others, o.port);
  } catch (err) {
    log.warn('taking this server out of the kubernetes endpoints failed', { err: (err as Error).message });
  }
}
