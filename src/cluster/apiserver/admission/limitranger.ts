// LimitRanger admission (kube's plugin/pkg/admission/limitranger): a namespace's LimitRanges give a new pod's
// containers their default requests and limits (noted in the `kubernetes.io/limit-ranger` annotation), then
// hold every container, the pod as a whole and each claim's storage request within min, max and
// maxLimitRequestRatio — 403 `pods "x" is forbidden: minimum cpu usage per Container is 100m, but request is 50m`.
// Pods are checked when created (their containers cannot change later), claims when created or updated.
import type { KObject } from '../../types/meta.ts';
import { R } from '../../types/gvr.ts';
import { cpuMillis } from '../../types/quantity.ts';
import { admissionForbidden } from './resourcequota.ts';
import type { AdmissionDeps, AdmissionPlugin, AdmissionRequest } from './types.ts';

type List = Record<string, string | number>;
interface Item { type: string; max?: List; min?: List; default?: List; defaultRequest?: List; maxLimitRequestRatio?: List }
interface LimitRange extends KObject { spec?: { limits?: Item[] } }
interface Container { name: string; resources?: { requests?: List; limits?: List } }
interface PodSpec { containers?: Container[]; initContainers?: Container[] }

export const limitRangerAnnotation = 'kubernetes.io/limit-ranger';

const milli = (q: string | number) => cpuMillis(q);
const show = (q: string | number) => String(q);

/** mergeContainerResources: the defaults a container lacks, and the annotation's words for them */
function mergeDefaults(c: Container, limits: List, requests: List, prefix: string): string[] {
  const res = (c.resources ??= {});
  const lim = (res.limits ??= {});
  const req = (res.requests ??= {});
  const setLimits = Object.keys(limits).filter((k) => lim[k] === undefined);
  const setRequests = Object.keys(requests).filter((k) => req[k] === undefined);
  for (const k of setLimits) lim[k] = limits[k];
  for (const k of setRequests) req[k] = requests[k];
  if (Object.keys(lim).length === 0) delete res.limits;
  if (Object.keys(req).length === 0) delete res.requests;
  const words: string[] = [];
  if (setRequests.length) words.push(`${setRequests.sort().join(', ')} request for ${prefix} ${c.name}`);
  if (setLimits.length) words.push(`${setLimits.sort().join(', ')} limit for ${prefix} ${c.name}`);
  return words;
}

function minConstraint(type: string, r: string, enforced: string | number, req: List, lim: List): string | undefined {
  if (req[r] === undefined) return `minimum ${r} usage per ${type} is ${show(enforced)}.  No request is specified`;
  if (milli(req[r]) < milli(enforced)) return `minimum ${r} usage per ${type} is ${show(enforced)}, but request is ${show(req[r])}`;
  if (lim[r] !== undefined && milli(lim[r]) < milli(enforced)) return `minimum ${r} usage per ${type} is ${show(enforced)}, but limit is ${show(lim[r])}`;
  return undefined;
}

function maxConstraint(type: string, r: string, enforced: string | number, req: List, lim: List): string | undefined {
  if (lim[r] === undefined) return `maximum ${r} usage per ${type} is ${show(enforced)}.  No limit is specified`;
  if (milli(lim[r]) > milli(enforced)) return `maximum ${r} usage per ${type} is ${show(enforced)}, but limit is ${show(lim[r])}`;
  if (req[r] !== undefined && milli(req[r]) > milli(enforced)) return `maximum ${r} usage per ${type} is ${show(enforced)}, but request is ${show(req[r])}`;
  return undefined;
}

function ratioConstraint(type: string, r: string, enforced: string | number, req: List, lim: List): string | undefined {
  if (req[r] === undefined || milli(req[r]) === 0) return `${r} max limit to request ratio per ${type} is ${show(enforced)}, but no request is specified or request is 0`;
  if (lim[r] === undefined || milli(lim[r]) === 0) return `${r} max limit to request ratio per ${type} is ${show(enforced)}, but no limit is specified or limit is 0`;
  const ratio = milli(lim[r]) / milli(req[r]);
  if (ratio * 1000 > milli(enforced)) return `${r} max limit to request ratio per ${type} is ${show(enforced)}, but provided ratio is ${ratio.toFixed(6)}`;
  return undefined;
}

function checkAll(item: Item, req: List, lim: List, out: string[]): void {
  const add = (e: string | undefined) => { if (e) out.push(e); };
  for (const [k, v] of Object.entries(item.min ?? {})) add(minConstraint(item.type, k, v, req, lim));
  for (const [k, v] of Object.entries(item.max ?? {})) add(maxConstraint(item.type, k, v, req, lim));
  for (const [k, v] of Object.entries(item.maxLimitRequestRatio ?? {})) add(ratioConstraint(item.type, k, v, req, lim));
}

/** the pod's total requests or limits as the limit ranger sums them: containers added, at least each init container */
function podTotal(spec: PodSpec, which: 'requests' | 'limits'): List {
  const sum: Record<string, number> = {};
  for (const c of spec.containers ?? []) for (const [k, v] of Object.entries(c.resources?.[which] ?? {})) sum[k] = (sum[k] ?? 0) + milli(v);
  for (const c of spec.initContainers ?? []) for (const [k, v] of Object.entries(c.resources?.[which] ?? {})) sum[k] = Math.max(sum[k] ?? 0, milli(v));
  return Object.fromEntries(Object.entries(sum).map(([k, m]) => [k, m % 1000 === 0 ? String(m / 1000) : `${m}m`]));
}

function podViolations(ranges: LimitRange[], spec: PodSpec): string[] {
  const out: string[] = [];
  for (const lr of ranges) {
    for (const item of lr.spec?.limits ?? []) {
      if (item.type === 'Container') {
        for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) checkAll(item, c.resources?.requests ?? {}, c.resources?.limits ?? {}, out);
      } else if (item.type === 'Pod') checkAll(item, podTotal(spec, 'requests'), podTotal(spec, 'limits'), out);
    }
  }
  return out;
}

function claimViolations(ranges: LimitRange[], claim: KObject): string[] {
  const requested = ((claim.spec ?? {}) as { resources?: { requests?: List } }).resources?.requests?.storage;
  const out: string[] = [];
  if (requested === undefined) return out;
  for (const lr of ranges) {
    for (const item of lr.spec?.limits ?? []) {
      if (item.type !== 'PersistentVolumeClaim') continue;
      const min = item.min?.storage;
      const max = item.max?.storage;
      if (min !== undefined && milli(requested) < milli(min)) out.push(`minimum storage usage per PersistentVolumeClaim is ${show(min)}, but request is ${show(requested)}`);
      if (max !== undefined && milli(requested) > milli(max)) out.push(`maximum storage usage per PersistentVolumeClaim is ${show(max)}, but request is ${show(requested)}`);
    }
  }
  return out;
}

const isPod = (req: AdmissionRequest) => req.spec.group === '' && req.spec.kind === 'Pod';
const isClaim = (req: AdmissionRequest) => req.spec.group === '' && req.spec.kind === 'PersistentVolumeClaim';

/** SupportsAttributes: pods on create, claims on create and update, never a subresource */
const applies = (req: AdmissionRequest) => !req.subresource && !!req.namespace && !!req.object && ((isPod(req) && req.operation === 'CREATE') || (isClaim(req) && req.operation !== 'DELETE'));

export function limitRangerPlugin({ client }: AdmissionDeps): AdmissionPlugin {
  const rangesOf = async (ns: string) => (await client.list<LimitRange>(R.limitranges, ns, { resourceVersion: '0' })).items;
  return {
    name: 'LimitRanger',
    async admit(req) {
      if (!applies(req) || !isPod(req)) return;
      const ranges = await rangesOf(req.namespace!);
      const spec = (req.object!.spec ?? {}) as PodSpec;
      const words: string[] = [];
      for (const lr of ranges) {
        for (const item of lr.spec?.limits ?? []) {
          if (item.type !== 'Container') continue;
          const limits = { ...(item.default ?? {}) };
          const requests = { ...(item.defaultRequest ?? {}) };
          if (!Object.keys(limits).length && !Object.keys(requests).length) continue;
          for (const c of spec.containers ?? []) words.push(...mergeDefaults(c, limits, requests, 'container'));
          for (const c of spec.initContainers ?? []) words.push(...mergeDefaults(c, limits, requests, 'init container'));
        }
      }
      if (words.length) {
        const meta = (req.object!.metadata ??= {});
        meta.annotations = { ...meta.annotations, [limitRangerAnnotation]: `LimitRanger plugin set: ${words.join('; ')}` };
      }
    },
    async validate(req) {
      if (!applies(req)) return;
      const ranges = await rangesOf(req.namespace!);
      if (ranges.length === 0) return;
      const errs = isPod(req) ? podViolations(ranges, (req.object!.spec ?? {}) as PodSpec) : claimViolations(ranges, req.object!);
      if (errs.length) throw admissionForbidden(req, errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`);
    },
  };
}
