// What one object costs a ResourceQuota (kube's pkg/quota/v1/evaluator/core: pods, services, persistent volume
// claims, and the generic `count/<resource>.<group>` object count for every other kind): the resource names
// an evaluator answers for, an object's usage, the pod constraints (a quota on cpu or memory makes every
// container say its request or limit), and the pod scopes (Terminating, BestEffort, PriorityClass, …).
import type { KObject } from '../types/meta.ts';
import { addAmounts, amountOf, amountsOf, type Amounts } from './amounts.ts';

type ResourceList = Record<string, string | number>;
interface Container { name: string; resources?: { requests?: ResourceList; limits?: ResourceList }; restartPolicy?: string }
interface PodLike extends KObject {
  spec?: { containers?: Container[]; initContainers?: Container[]; overhead?: ResourceList; activeDeadlineSeconds?: number; priorityClassName?: string };
  status?: { phase?: string };
}

export interface GroupResource { group: string; resource: string }

/** kube's ObjectCountQuotaResourceNameFor: `count/pods`, `count/deployments.apps` */
export const objectCountName = (gr: GroupResource): string => (gr.group ? `count/${gr.resource}.${gr.group}` : `count/${gr.resource}`);

/** core kinds whose count also goes by their plain name (`pods`, `configmaps`, …) */
const legacyCounted = new Set(['pods', 'services', 'persistentvolumeclaims', 'configmaps', 'secrets', 'replicationcontrollers', 'resourcequotas']);

const one = () => amountOf(1);

/** the resources a cpu/memory quota makes every container state (podEvaluator's validationSet) */
const validationSet = ['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'];
const podComputeNames = /^(cpu|memory|ephemeral-storage|(requests|limits)\.(cpu|memory|ephemeral-storage|hugepages-.+|[a-z0-9.-]+\/[a-z0-9.-]+)|hugepages-.+)$/;

const storageClassSuffix = '.storageclass.storage.k8s.io/';

/** Does an evaluator for this kind answer for the quota resource `name`? */
export function matchesResource(gr: GroupResource, name: string): boolean {
  if (name === objectCountName(gr)) return true;
  if (!gr.group && legacyCounted.has(gr.resource) && name === gr.resource) return true;
  if (gr.group) return false;
  if (gr.resource === 'pods') return podComputeNames.test(name);
  if (gr.resource === 'services') return name === 'services.loadbalancers' || name === 'services.nodeports';
  if (gr.resource === 'persistentvolumeclaims') {
    return name === 'requests.storage' || (name.includes(storageClassSuffix) && /\/(requests\.storage|persistentvolumeclaims)$/.test(name));
  }
  return false;
}

/** The usage of one object of this kind. */
export function usageOf(gr: GroupResource, obj: KObject, now: Date): Amounts {
  const base: Amounts = new Map([[objectCountName(gr), one()]]);
  if (!gr.group && legacyCounted.has(gr.resource) && gr.resource !== 'pods') base.set(gr.resource, one());
  if (gr.group) return base;
  if (gr.resource === 'pods') return podUsage(obj as PodLike, now, base);
  if (gr.resource === 'services') return serviceUsage(obj, base);
  if (gr.resource === 'persistentvolumeclaims') return claimUsage(obj, base);
  return base;
}

/** QuotaV1Pod: terminal pods, and pods past their deletion grace period, no longer use compute resources */
export function podCountsForQuota(pod: PodLike, now: Date): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  const m = pod.metadata;
  if (m?.deletionTimestamp && m.deletionGracePeriodSeconds !== undefined) {
    const end = Date.parse(m.deletionTimestamp) + m.deletionGracePeriodSeconds * 1000;
    if (now.getTime() > end) return false;
  }
  return true;
}

/** podComputeUsageHelper: one container's (or a pod's total) requests and limits as quota resources */
function computeUsage(requests: Amounts, limits: Amounts): Amounts {
  const out: Amounts = new Map([['pods', one()]]);
  for (const r of ['cpu', 'memory', 'ephemeral-storage']) {
    const req = requests.get(r);
    if (req) {
      out.set(r, req);
      out.set(`requests.${r}`, req);
    }
    const lim = limits.get(r);
    if (lim) out.set(`limits.${r}`, lim);
  }
  for (const [r, v] of requests) if (r.startsWith('hugepages-') || r.includes('/')) out.set(`requests.${r}`, v);
  for (const [r, v] of limits) if (r.startsWith('hugepages-')) out.set(`limits.${r}`, v);
  return out;
}

const maxAmounts = (a: Amounts, b: Amounts): Amounts => {
  const out: Amounts = new Map(a);
  for (const [k, v] of b) {
    const cur = out.get(k);
    if (!cur || v.milli > cur.milli) out.set(k, v);
  }
  return out;
};

/** resourcehelper.PodRequests/PodLimits: the containers' sum, at least each (non-sidecar) init container, plus overhead */
function podTotal(pod: PodLike, which: 'requests' | 'limits'): Amounts {
  let sum: Amounts = new Map();
  let sidecars: Amounts = new Map();
  let initMax: Amounts = new Map();
  for (const c of pod.spec?.containers ?? []) sum = addAmounts(sum, amountsOf(c.resources?.[which]));
  for (const c of pod.spec?.initContainers ?? []) {
    const own = amountsOf(c.resources?.[which]);
    if (c.restartPolicy === 'Always') sidecars = addAmounts(sidecars, own);
    else initMax = maxAmounts(initMax, addAmounts(own, sidecars));
  }
  const total = maxAmounts(addAmounts(sum, sidecars), initMax);
  return pod.spec?.overhead ? addAmounts(total, amountsOf(pod.spec.overhead)) : total;
}

function podUsage(pod: PodLike, now: Date, base: Amounts): Amounts {
  if (!podCountsForQuota(pod, now)) return base;
  return addAmounts(base, computeUsage(podTotal(pod, 'requests'), podTotal(pod, 'limits')));
}

function serviceUsage(svc: KObject, base: Amounts): Amounts {
  const s = (svc.spec ?? {}) as { type?: string; ports?: unknown[]; allocateLoadBalancerNodePorts?: boolean };
  const ports = s.ports?.length ?? 0;
  const out = new Map(base);
  out.set('services.loadbalancers', amountOf(0));
  out.set('services.nodeports', amountOf(0));
  if (s.type === 'NodePort') out.set('services.nodeports', amountOf(ports));
  if (s.type === 'LoadBalancer') {
    out.set('services.loadbalancers', one());
    out.set('services.nodeports', amountOf(s.allocateLoadBalancerNodePorts === false ? 0 : ports));
  }
  return out;
}

function claimUsage(pvc: KObject, base: Amounts): Amounts {
  const s = (pvc.spec ?? {}) as { storageClassName?: string; resources?: { requests?: ResourceList } };
  const st = (pvc.status ?? {}) as { allocatedResources?: ResourceList };
  const out = new Map(base);
  const cls = s.storageClassName ?? pvc.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? '';
  if (cls) out.set(`${cls}${storageClassSuffix}persistentvolumeclaims`, one());
  const req = s.resources?.requests?.storage;
  const alloc = st.allocatedResources?.storage;
  let storage = req !== undefined ? safeAmount(req) : undefined;
  const allocated = alloc !== undefined ? safeAmount(alloc) : undefined;
  if (allocated && (!storage || allocated.milli > storage.milli)) storage = allocated;
  if (storage) {
    out.set('requests.storage', storage);
    if (cls) out.set(`${cls}${storageClassSuffix}requests.storage`, storage);
  }
  return out;
}

function safeAmount(q: string | number) {
  try { return amountOf(q); } catch { return undefined; }
}

/**
 * podEvaluator.Constraints: with cpu or memory quota'd, each container must state them; the error names
 * what is missing per resource: `must specify limits.cpu for: app; requests.cpu for: app,side`.
 */
export function podConstraintError(pod: KObject, required: string[]): string | undefined {
  const needed = required.filter((r) => validationSet.includes(r));
  if (needed.length === 0) return undefined;
  const missing = new Map<string, Set<string>>();
  const p = pod as PodLike;
  for (const c of [...(p.spec?.containers ?? []), ...(p.spec?.initContainers ?? [])]) {
    const have = computeUsage(amountsOf(c.resources?.requests), amountsOf(c.resources?.limits));
    for (const r of needed) if (!have.has(r)) (missing.get(r) ?? missing.set(r, new Set()).get(r)!).add(c.name);
  }
  if (missing.size === 0) return undefined;
  const parts = [...missing.keys()].sort().map((r) => `${r} for: ${[...missing.get(r)!].sort().join(',')}`);
  return `must specify ${parts.join('; ')}`;
}
