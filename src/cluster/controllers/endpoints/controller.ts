// The Endpoints controller (pkg/controller/endpoint): for every Service with a selector, one Endpoints object of
// the same name listing the selected pods' IPs and ports. Services without a selector keep hand-made Endpoints;
// the `kubernetes` service's Endpoints belong to the API server.
import type { Endpoints as KEndpoints } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../../types/meta.ts';
import type { Controller, ControllerContext, ReconcileResult } from '../../client/types.ts';
import { createWorkQueue, runWhenSynced } from '../../client/index.ts';
import { objectKey, splitKey } from '../../types/meta.ts';
import { R } from '../../types/gvr.ts';
import { isStatusError } from '../../types/status-error.ts';
import { canonicalJson } from '../util.ts';
import type { Pod, Service } from './pods.ts';
import { endpointRelevant, hasSelector, headlessLabel, lastChangeTime, selects, servicesOf, triggerTimeAnnotation } from './pods.ts';
import { computeSubsets } from './subsets.ts';

export const endpointsManagedByLabel = 'endpoints.kubernetes.io/managed-by';
export const endpointsControllerName = 'endpoint-controller';
const overCapacityAnnotation = 'endpoints.kubernetes.io/over-capacity';
const workers = 3;

type Endpoints = KEndpoints & KObject;

/** The API server keeps `default/kubernetes` pointing at itself. */
export const isApiServerService = (key: string) => key === 'default/kubernetes';

export function createEndpointsController(ctx: ControllerContext): Controller {
  const name = 'endpoint-controller';
  const services = ctx.informers.informer<Service>(R.services);
  const pods = ctx.informers.informer<Pod>(R.pods);
  const endpoints = ctx.informers.informer<Endpoints>(R.endpoints);
  const queue = createWorkQueue({ name });

  const enqueuePod = (pod: Pod) => {
    for (const key of servicesOf(services, pod)) queue.add(key);
  };
  services.on({
    add: (s) => queue.add(objectKey(s)),
    update: (_o, s) => queue.add(objectKey(s)),
    delete: (s) => queue.add(objectKey(s)),
  });
  pods.on({
    add: enqueuePod,
    update(old, cur) {
      if (endpointRelevant(old) === endpointRelevant(cur)) return;
      const keys = new Set([...servicesOf(services, old), ...servicesOf(services, cur)]);
      for (const k of keys) queue.add(k);
    },
    delete: enqueuePod,
  });
  // someone else changed or removed our object: put it back
  endpoints.on({
    update: (_o, ep) => queue.add(objectKey(ep)),
    delete: (ep) => queue.add(objectKey(ep)),
  });

  async function syncService(key: string): Promise<ReconcileResult> {
    if (isApiServerService(key)) return;
    const { namespace, name: svcName } = splitKey(key);
    const svc = services.get(key);
    const current = endpoints.get(key);
    if (!svc) {
      if (!current) return;
      try {
        await ctx.client.delete(R.endpoints, namespace, svcName);
      } catch (err) {
        if (!isStatusError(err, 'NotFound')) throw err;
      }
      return;
    }
    if (!hasSelector(svc)) return;
    const managedBy = current?.metadata?.labels?.[endpointsManagedByLabel];
    if (managedBy && managedBy !== endpointsControllerName) return;

    const selected = pods.list(namespace).filter((p) => selects(svc, p));
    const { subsets, truncated } = computeSubsets(svc, selected);
    const labels: Record<string, string> = { ...(svc.metadata?.labels ?? {}), [endpointsManagedByLabel]: endpointsControllerName };
    if (svc.spec?.clusterIP === 'None') labels[headlessLabel] = '';
    else delete labels[headlessLabel];
    const annotations: Record<string, string> = { ...(current?.metadata?.annotations ?? {}) };
    if (truncated) annotations[overCapacityAnnotation] = 'truncated';
    else delete annotations[overCapacityAnnotation];

    if (current) {
      const same = canonicalJson(current.subsets ?? []) === canonicalJson(subsets)
        && canonicalJson(current.metadata?.labels ?? {}) === canonicalJson(labels)
        && (current.metadata?.annotations?.[overCapacityAnnotation] ?? '') === (annotations[overCapacityAnnotation] ?? '');
      if (same) return;
    }
    const trigger = lastChangeTime(svc, selected);
    if (trigger) annotations[triggerTimeAnnotation] = trigger;
    const body: Endpoints = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: {
        ...(current?.metadata ?? {}),
        name: svcName,
        namespace,
        labels,
        annotations: Object.keys(annotations).length ? annotations : undefined,
      },
      subsets,
    };
    if (!current) {
      try {
        await ctx.client.create(R.endpoints, namespace, body);
      } catch (err) {
        // the cache lags: the object exists already; the informer brings it and we compare again
        if (!isStatusError(err, 'AlreadyExists')) throw err;
        return { requeueAfterMs: 100 };
      }
      return;
    }
    await ctx.client.update(R.endpoints, namespace, body);
  }

  return {
    name,
    async run(signal) {
      await runWhenSynced(ctx.informers, queue, workers, syncService, signal, name);
    },
  };
}
