// Which objects a ResourceQuota covers (kube's podMatchesScopeFunc + the generic evaluator's Matches): a quota
// without scopes covers every object of the namespace; spec.scopes and spec.scopeSelector narrow it to pods
// (Terminating / NotTerminating by activeDeadlineSeconds, BestEffort / NotBestEffort by QoS class,
// PriorityClass by spec.priorityClassName); no other kind matches a scoped quota.
import type { KObject } from '../types/meta.ts';
import type { GroupResource } from './evaluators.ts';

export interface ScopeRequirement { scopeName: string; operator: string; values?: string[] }
export interface QuotaSpec {
  hard?: Record<string, string | number>;
  scopes?: string[];
  scopeSelector?: { matchExpressions?: ScopeRequirement[] };
}

interface PodView { spec?: { activeDeadlineSeconds?: number; priorityClassName?: string; containers?: { resources?: { requests?: object; limits?: object } }[]; initContainers?: { resources?: { requests?: object; limits?: object } }[] }; status?: { qosClass?: string } }

/** the scopes of a quota, as requirements (spec.scopes are `Exists` requirements) */
export function scopeRequirements(spec: QuotaSpec): ScopeRequirement[] {
  return [...(spec.scopes ?? []).map((s) => ({ scopeName: s, operator: 'Exists' })), ...(spec.scopeSelector?.matchExpressions ?? [])];
}

const isBestEffort = (pod: PodView): boolean => {
  if (pod.status?.qosClass) return pod.status.qosClass === 'BestEffort';
  const all = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  return all.every((c) => {
    const res = { ...(c.resources?.requests ?? {}), ...(c.resources?.limits ?? {}) } as Record<string, unknown>;
    return res.cpu === undefined && res.memory === undefined;
  });
};

function podMatches(pod: PodView, req: ScopeRequirement): boolean {
  const deadline = pod.spec?.activeDeadlineSeconds;
  const terminating = deadline !== undefined && deadline !== null && deadline >= 0;
  switch (req.scopeName) {
    case 'Terminating': return terminating;
    case 'NotTerminating': return !terminating;
    case 'BestEffort': return isBestEffort(pod);
    case 'NotBestEffort': return !isBestEffort(pod);
    case 'PriorityClass': {
      const cls = pod.spec?.priorityClassName ?? '';
      switch (req.operator) {
        case 'In': return (req.values ?? []).includes(cls);
        case 'NotIn': return !(req.values ?? []).includes(cls);
        case 'Exists': return cls !== '';
        case 'DoesNotExist': return cls === '';
        default: return false;
      }
    }
    default: return false; // CrossNamespacePodAffinity and unknown scopes: not tracked here
  }
}

/** Does the quota cover this object of this kind? */
export function quotaCovers(spec: QuotaSpec, gr: GroupResource, obj: KObject): boolean {
  const reqs = scopeRequirements(spec);
  if (reqs.length === 0) return true;
  if (gr.group || gr.resource !== 'pods') return false;
  return reqs.every((r) => podMatches(obj as PodView, r));
}
