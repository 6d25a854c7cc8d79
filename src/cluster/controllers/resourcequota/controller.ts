// The resource quota controller (pkg/controller/resourcequota): keeps every ResourceQuota's status true —
// status.hard = spec.hard, status.used = what the namespace's covered objects use now. Admission charges
// creates as they happen; this controller recounts when a quota changes, when a pod finishes or any pod,
// Service or claim comes or goes, when an object of another counted built-in kind goes (replenishment), and
// every resync period.
import type { Controller, ControllerContext, ReconcileResult } from '../../client/types.ts';
import { createWorkQueue, runWhenSynced } from '../../client/index.ts';
import type { GVR, KObject } from '../../types/meta.ts';
import { objectKey, splitKey } from '../../types/meta.ts';
import { R } from '../../types/gvr.ts';
import { resources } from '../../types/registry.ts';
import type { ResourceSpec } from '../../types/resource.ts';
import { isStatusError } from '../../types/status-error.ts';
import { amountOf, kindsCounted, listOf, usageOfObjects, type Amounts, type GroupResource, type QuotaSpec } from '../../quota/index.ts';
import { canonicalJson } from '../util.ts';

interface Quota extends KObject {
  spec?: QuotaSpec;
  status?: { hard?: Record<string, string | number>; used?: Record<string, string | number> };
}

export const resourceQuotaControllerName = 'resourcequota-controller';

export interface ResourceQuotaOptions {
  /** recount every quota this often (kube's --resource-quota-sync-period, 5 m; default here 60 s) */
  resyncMs?: number;
  /** the served kinds, live (custom resources come and go); default the built-in table */
  servedKinds?: () => readonly ResourceSpec[];
}

/** the stored version of a counted kind (count/<resource>.<group> names no version) */
function gvrOf(served: readonly ResourceSpec[], gr: GroupResource): GVR | undefined {
  const spec = served.find((r) => r.group === gr.group && r.resource === gr.resource && !r.conversion);
  return spec ? { group: spec.group, version: spec.version, resource: spec.resource } : undefined;
}

export function createResourceQuotaController(ctx: ControllerContext, opts: ResourceQuotaOptions = {}): Controller {
  const name = resourceQuotaControllerName;
  const resyncMs = opts.resyncMs ?? 60_000;
  const quotas = ctx.informers.informer<Quota>(R.resourcequotas);
  const pods = ctx.informers.informer(R.pods);
  const services = ctx.informers.informer(R.services);
  const claims = ctx.informers.informer(R.persistentvolumeclaims);
  const queue = createWorkQueue({ name });

  const enqueueNamespace = (o: KObject) => {
    for (const q of quotas.list(o.metadata?.namespace)) queue.add(objectKey(q));
  };
  quotas.on({
    add: (q) => queue.add(objectKey(q)),
    // status-only changes (admission's charges, our own writes) need no recount
    update: (old, q) => { if (canonicalJson(old.spec ?? {}) !== canonicalJson(q.spec ?? {}) || canonicalJson(q.spec?.hard ?? {}) !== canonicalJson(q.status?.hard ?? {})) queue.add(objectKey(q)); },
  });
  const phaseOf = (p: KObject) => (p.status as { phase?: string } | undefined)?.phase;
  pods.on({
    add: enqueueNamespace,
    update: (old, p) => { if (phaseOf(old) !== phaseOf(p) || !!old.metadata?.deletionTimestamp !== !!p.metadata?.deletionTimestamp) enqueueNamespace(p); },
    delete: enqueueNamespace,
  });
  for (const inf of [services, claims]) inf.on({ add: enqueueNamespace, update: (old, o) => { if (canonicalJson(old.spec ?? {}) !== canonicalJson(o.spec ?? {})) enqueueNamespace(o); }, delete: enqueueNamespace });
  // replenishment for the other built-in kinds a quota counts: an informer asked for when first counted, whose
  // deletes recount at once (custom resources, which may stop being served, wait for the resync)
  const replenishing = new Set<string>();
  const replenish = (gvr: GVR) => {
    const key = `${gvr.group}/${gvr.resource}`;
    if (replenishing.has(key) || !resources.some((r) => r.group === gvr.group && r.resource === gvr.resource)) return;
    replenishing.add(key);
    ctx.informers.informer(gvr).on({ delete: enqueueNamespace });
  };

  /** a namespace's objects of a counted kind: from our informers, else listed from the server's cache */
  async function objectsOf(gvr: GVR, namespace: string): Promise<KObject[]> {
    if (gvr.group === '') {
      if (gvr.resource === 'pods') return pods.list(namespace);
      if (gvr.resource === 'services') return services.list(namespace);
      if (gvr.resource === 'persistentvolumeclaims') return claims.list(namespace);
    }
    replenish(gvr);
    return (await ctx.client.list(gvr, namespace, { resourceVersion: '0' })).items;
  }

  /** status.used for the quota's hard names: every counted kind listed from the server's cache */
  async function usedOf(q: Quota, namespace: string): Promise<Amounts> {
    const hardNames = Object.keys(q.spec?.hard ?? {});
    const used: Amounts = new Map(hardNames.map((n) => [n, amountOf(0)]));
    for (const gr of kindsCounted(hardNames)) {
      const gvr = gvrOf(opts.servedKinds?.() ?? resources, gr);
      if (!gvr) continue; // a kind this server does not serve uses nothing
      const objects = await objectsOf(gvr, namespace);
      for (const [k, v] of usageOfObjects(q.spec ?? {}, hardNames, gr, objects, ctx.now())) used.set(k, v);
    }
    return used;
  }

  async function sync(key: string): Promise<ReconcileResult> {
    const q = quotas.get(key);
    if (!q) return;
    const { namespace } = splitKey(key);
    const hard = { ...(q.spec?.hard ?? {}) };
    const used = listOf(await usedOf(q, namespace ?? ''));
    const same = canonicalJson(q.status?.hard ?? {}) === canonicalJson(hard) && canonicalJson(q.status?.used ?? {}) === canonicalJson(used);
    if (!same) {
      try {
        await ctx.client.update(R.resourcequotas, namespace, { ...q, status: { hard, used } }, { subresource: 'status', fieldManager: 'kube-controller-manager' });
      } catch (err) {
        if (isStatusError(err, 'NotFound')) return;
        if (isStatusError(err, 'Conflict')) return { requeueAfterMs: 50 }; // admission charged it meanwhile: count again
        throw err;
      }
    }
    return { requeueAfterMs: resyncMs };
  }

  return { name, run: (signal) => runWhenSynced(ctx.informers, queue, 2, sync, signal, name) };
}
