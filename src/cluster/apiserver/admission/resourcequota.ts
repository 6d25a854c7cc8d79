// ResourceQuota admission (kube's plugin/pkg/admission/resourcequota): every create in a namespace is charged
// against the namespace's quotas — status.used + what the object uses must stay within status.hard, else 403
// `exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2` (updates of claims and Services are
// charged what they grow by). Admitted usage is written to the
// quotas' status.used at once (guarded by their resourceVersion, retried on conflict), so two creates racing
// each other cannot both take the last unit; the resource quota controller recounts status.used afterwards.
import type { KObject } from '../../types/meta.ts';
import { R } from '../../types/gvr.ts';
import { forbiddenError, isStatusError, type StatusError } from '../../types/status-error.ts';
import {
  addAmounts, amountsOf, exceeded, listOf, maskAmounts, matchingResources, podConstraintError, prettyPrint, quotaCovers, usageOf,
  type Amounts, type GroupResource, type QuotaSpec,
} from '../../quota/index.ts';
import type { AdmissionDeps, AdmissionPlugin, AdmissionRequest } from './types.ts';

interface Quota extends KObject {
  spec?: QuotaSpec;
  status?: { hard?: Record<string, string>; used?: Record<string, string> };
}

const ATTEMPTS = 5;

/** admission.NewForbidden: `pods "web" is forbidden: <why>` with the request's name, group and resource */
export function admissionForbidden(req: AdmissionRequest, why: string): StatusError {
  const gr = req.spec.group ? `${req.spec.resource}.${req.spec.group}` : req.spec.resource;
  const e = forbiddenError(req.name ? `${gr} "${req.name}" is forbidden: ${why}` : `${gr} is forbidden: ${why}`);
  e.status.details = { name: req.name, group: req.spec.group, kind: req.spec.resource };
  return e;
}

/** an update's charge: what the new object uses beyond the old one (SubtractWithNonNegativeResult) */
function growth(next: Amounts, prev: Amounts): Amounts {
  const out: Amounts = new Map();
  for (const [k, v] of next) {
    const more = v.milli - (prev.get(k)?.milli ?? 0);
    if (more > 0) out.set(k, { milli: more, binary: v.binary });
  }
  return out;
}

/** kube's evaluators that look at updates: a claim's storage can grow, a Service can become a LoadBalancer */
const chargesUpdates = (req: AdmissionRequest) => req.spec.group === '' && (req.spec.resource === 'persistentvolumeclaims' || req.spec.resource === 'services');

/** The quotas the object is charged to, with their new status.used; throws the 403 when one would be exceeded. */
function charge(req: AdmissionRequest, obj: KObject, quotas: Quota[], now: Date): Array<{ quota: Quota; used: Amounts }> {
  const gr: GroupResource = { group: req.spec.group, resource: req.spec.resource };
  const usage = req.oldObject ? growth(usageOf(gr, obj, now), usageOf(gr, req.oldObject, now)) : usageOf(gr, obj, now);
  for (const [k, v] of usage) if (v.milli === 0) usage.delete(k);
  if (usage.size === 0) return []; // nothing more used: no quota can be exceeded
  const out: Array<{ quota: Quota; used: Amounts }> = [];
  for (const q of [...quotas].sort((a, b) => ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1))) {
    const name = q.metadata?.name ?? '';
    const hard = amountsOf(q.status?.hard);
    const restricted = matchingResources(gr, hard.keys());
    if (restricted.length === 0 || !quotaCovers(q.spec ?? {}, gr, obj)) continue;
    if (gr.group === '' && gr.resource === 'pods') {
      const why = podConstraintError(obj, restricted);
      if (why) throw admissionForbidden(req, `failed quota: ${name}: ${why}`);
    }
    const used = amountsOf(q.status?.used);
    const unknown = restricted.filter((r) => !used.has(r));
    if (unknown.length > 0) throw admissionForbidden(req, `status unknown for quota: ${name}, resource: ${unknown.sort().join(',')}`);
    const requested = maskAmounts(usage, restricted);
    if (requested.size === 0) continue;
    const next = addAmounts(used, requested);
    const over = exceeded(maskAmounts(next, requested.keys()), hard);
    if (over.length > 0) {
      throw admissionForbidden(req, `exceeded quota: ${name}, requested: ${prettyPrint(maskAmounts(requested, over))}, used: ${prettyPrint(maskAmounts(used, over))}, limited: ${prettyPrint(maskAmounts(hard, over))}`);
    }
    out.push({ quota: q, used: next });
  }
  return out;
}

export function resourceQuotaPlugin({ client, now }: AdmissionDeps): AdmissionPlugin {
  return {
    name: 'ResourceQuota',
    async validate(req) {
      if (req.subresource || !req.namespace || !req.object) return;
      if (req.operation !== 'CREATE' && !(req.operation === 'UPDATE' && chargesUpdates(req))) return;
      for (let attempt = 1; ; attempt++) {
        // first from the watch cache; after a conflict, a fresh read
        const list = await client.list<Quota>(R.resourcequotas, req.namespace, attempt === 1 ? { resourceVersion: '0' } : {});
        if (list.items.length === 0) return;
        const charges = charge(req, req.object, list.items, now());
        if (req.dryRun || charges.length === 0) return;
        try {
          for (const { quota, used } of charges) {
            const body: Quota = { ...quota, status: { ...quota.status, used: listOf(used) } };
            await client.update(R.resourcequotas, req.namespace, body, { subresource: 'status', fieldManager: 'resourcequota-admission' });
          }
          return;
        } catch (err) {
          if (!isStatusError(err, 'Conflict') || attempt >= ATTEMPTS) throw err;
        }
      }
    },
  };
}
