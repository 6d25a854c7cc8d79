// The EndpointSlice controller (pkg/controller/endpointslice): for every Service with a selector, discovery.k8s.io/v1
// EndpointSlices of at most 100 endpoints each, owned by the Service, labelled with its name and this controller.
import type { Endpoint, EndpointPort } from 'kubernetes-types/discovery/v1.js';
import type { Pod, Service } from '../endpoints/index.ts';
import type { EndpointSlice } from './slices.ts';
import type { Controller, ControllerContext, ReconcileResult } from '../../client/types.ts';
import { createWorkQueue, runWhenSynced } from '../../client/index.ts';
import { objectKey, splitKey } from '../../types/meta.ts';
import { R } from '../../types/gvr.ts';
import { isStatusError } from '../../types/status-error.ts';
import { endpointRelevant, hasSelector, headlessLabel, isApiServerService, lastChangeTime, selects, servicesOf, triggerTimeAnnotation } from '../endpoints/index.ts';
import { canonicalJson } from '../util.ts';
import { desiredGroups, planSlices } from './slices.ts';

export const serviceNameLabel = 'kubernetes.io/service-name';
export const managedByLabel = 'endpointslice.kubernetes.io/managed-by';
export const controllerName = 'endpointslice-controller.k8s.io';
const workers = 3;

export function createEndpointSliceController(ctx: ControllerContext): Controller {
  const name = 'endpointslice-controller';
  const services = ctx.informers.informer<Service>(R.services);
  const pods = ctx.informers.informer<Pod>(R.pods);
  const slices = ctx.informers.informer<EndpointSlice>(R.endpointslices);
  const serviceIndex = 'endpointslice/service';
  slices.addIndex(serviceIndex, (s) => {
    const svc = s.metadata?.labels?.[serviceNameLabel];
    return svc && s.metadata?.labels?.[managedByLabel] === controllerName ? [`${s.metadata?.namespace}/${svc}`] : [];
  });
  const queue = createWorkQueue({ name });

  services.on({
    add: (s) => queue.add(objectKey(s)),
    update: (_o, s) => queue.add(objectKey(s)),
    delete: (s) => queue.add(objectKey(s)),
  });
  pods.on({
    add: (p) => servicesOf(services, p).forEach((k) => queue.add(k)),
    update(old, cur) {
      if (endpointRelevant(old) === endpointRelevant(cur)) return;
      for (const k of new Set([...servicesOf(services, old), ...servicesOf(services, cur)])) queue.add(k);
    },
    delete: (p) => servicesOf(services, p).forEach((k) => queue.add(k)),
  });
  const enqueueSlice = (s: EndpointSlice) => {
    const svc = s.metadata?.labels?.[serviceNameLabel];
    if (svc && s.metadata?.labels?.[managedByLabel] === controllerName) queue.add(`${s.metadata?.namespace}/${svc}`);
  };
  slices.on({ update: (_o, s) => enqueueSlice(s), delete: enqueueSlice });

  const ignoreNotFound = (err: unknown) => {
    if (!isStatusError(err, 'NotFound')) throw err;
  };

  // What we last wrote per service (the endpointSliceTracker idea): until the cache shows it, a sync would act
  // on stale slices and create duplicates, so it waits a moment instead.
  const written = new Map<string, { present: Map<string, number>; gone: Set<string>; at: number }>();
  const cacheBehind = (key: string): boolean => {
    const w = written.get(key);
    if (!w) return false;
    if (ctx.now().getTime() - w.at > 10_000) return false;
    const { namespace } = splitKey(key);
    for (const [n, rv] of w.present) {
      const cached = slices.get(`${namespace}/${n}`);
      if (!cached || Number(cached.metadata?.resourceVersion ?? 0) < rv) return true;
    }
    for (const n of w.gone) if (slices.get(`${namespace}/${n}`)) return true;
    written.delete(key);
    return false;
  };
  const remember = (key: string) => {
    const w = { present: new Map<string, number>(), gone: new Set<string>(), at: ctx.now().getTime() };
    written.set(key, w);
    return {
      wrote: (s: EndpointSlice) => void w.present.set(s.metadata?.name ?? '', Number(s.metadata?.resourceVersion ?? 0)),
      deleted: (n: string) => void w.gone.add(n),
    };
  };

  async function syncService(key: string): Promise<ReconcileResult> {
    if (isApiServerService(key)) return;
    if (cacheBehind(key)) return { requeueAfterMs: 50 };
    const { namespace } = splitKey(key);
    const track = remember(key);
    const remove = async (s: EndpointSlice) => {
      await ctx.client.delete(R.endpointslices, namespace, s.metadata?.name ?? '').catch(ignoreNotFound);
      track.deleted(s.metadata?.name ?? '');
    };
    const svc = services.get(key);
    const existing = slices.byIndex(serviceIndex, key);
    if (!svc || svc.metadata?.deletionTimestamp) {
      // the garbage collector would remove them through the owner reference; do it now
      for (const s of existing) await remove(s);
      return;
    }
    if (!hasSelector(svc) || svc.spec?.type === 'ExternalName') return;
    const owned = existing.filter((s) => s.metadata?.ownerReferences?.some((r) => r.uid === svc.metadata?.uid) && s.addressType === 'IPv4');
    // slices of an earlier service of the same name (other uid) go
    for (const s of existing.filter((x) => !owned.includes(x))) await remove(s);

    const selected = pods.list(namespace).filter((p) => selects(svc, p));
    const plan = planSlices(desiredGroups(svc, selected), owned);
    const labels: Record<string, string> = { ...(svc.metadata?.labels ?? {}), [serviceNameLabel]: svc.metadata?.name ?? '', [managedByLabel]: controllerName };
    if (svc.spec?.clusterIP === 'None') labels[headlessLabel] = '';
    else delete labels[headlessLabel];
    const trigger = lastChangeTime(svc, selected);
    const annotations = (prev?: Record<string, string>) => {
      const a = { ...(prev ?? {}) };
      if (trigger) a[triggerTimeAnnotation] = trigger;
      return Object.keys(a).length ? a : undefined;
    };
    const ownerRef = { apiVersion: 'v1', kind: 'Service', name: svc.metadata?.name ?? '', uid: svc.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true };
    const body = (ports: EndpointPort[], endpoints: Endpoint[], base?: EndpointSlice): EndpointSlice => ({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: base
        ? { ...base.metadata, labels, annotations: annotations(base.metadata?.annotations) }
        : { generateName: `${(svc.metadata?.name ?? '').slice(0, 57)}-`, namespace, labels, annotations: annotations(), ownerReferences: [ownerRef] },
      addressType: 'IPv4',
      endpoints,
      ports,
    });

    for (const s of plan.remove) await remove(s);
    for (const u of plan.update) track.wrote(await ctx.client.update<EndpointSlice>(R.endpointslices, namespace, body(u.ports, u.endpoints, u.slice)));
    for (const s of plan.keep) {
      // same endpoints, but the service's labels may have changed
      if (canonicalJson(s.metadata?.labels ?? {}) !== canonicalJson(labels)) track.wrote(await ctx.client.update<EndpointSlice>(R.endpointslices, namespace, body(s.ports ?? [], s.endpoints ?? [], s)));
    }
    for (const c of plan.create) track.wrote(await ctx.client.create<EndpointSlice>(R.endpointslices, namespace, body(c.ports, c.endpoints)));
  }

  return {
    name,
    async run(signal) {
      await runWhenSynced(ctx.informers, queue, workers, syncService, signal, name);
    },
  };
}
