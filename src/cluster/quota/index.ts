// The quota room: what objects cost a ResourceQuota, shared by the ResourceQuota admission plugin (which
// charges each create against status.used) and the resource quota controller (which recounts status.used).
import type { KObject } from '../types/meta.ts';
import { addAmounts, maskAmounts, type Amounts } from './amounts.ts';
import { matchesResource, usageOf, type GroupResource } from './evaluators.ts';
import { quotaCovers, type QuotaSpec } from './scopes.ts';

export { amountOf, amountsOf, addAmounts, maskAmounts, exceeded, formatAmount, listOf, prettyPrint } from './amounts.ts';
export type { Amount, Amounts } from './amounts.ts';
export { matchesResource, usageOf, objectCountName, podConstraintError, podCountsForQuota } from './evaluators.ts';
export type { GroupResource } from './evaluators.ts';
export { quotaCovers, scopeRequirements } from './scopes.ts';
export type { QuotaSpec, ScopeRequirement } from './scopes.ts';

const builtIn: GroupResource[] = [{ group: '', resource: 'pods' }, { group: '', resource: 'services' }, { group: '', resource: 'persistentvolumeclaims' }];

/** The kinds whose objects a quota's resource names count (`count/deployments.apps` → apps/deployments). */
export function kindsCounted(names: Iterable<string>): GroupResource[] {
  const out = new Map<string, GroupResource>();
  const add = (gr: GroupResource) => out.set(`${gr.group}/${gr.resource}`, gr);
  for (const n of names) {
    let hit = false;
    for (const gr of builtIn) if (matchesResource(gr, n)) { add(gr); hit = true; }
    if (hit) continue;
    if (n.startsWith('count/')) {
      const rest = n.slice('count/'.length);
      const dot = rest.indexOf('.');
      add(dot < 0 ? { group: '', resource: rest } : { group: rest.slice(dot + 1), resource: rest.slice(0, dot) });
    } else if (['configmaps', 'secrets', 'replicationcontrollers', 'resourcequotas'].includes(n)) add({ group: '', resource: n });
  }
  return [...out.values()];
}

/** The names of `hard` this kind's evaluator answers for */
export const matchingResources = (gr: GroupResource, names: Iterable<string>): string[] => [...names].filter((n) => matchesResource(gr, n));

/** What a quota's objects of one kind use, masked to the quota's hard names (CalculateUsage). */
export function usageOfObjects(spec: QuotaSpec, hardNames: string[], gr: GroupResource, objects: KObject[], now: Date): Amounts {
  const names = matchingResources(gr, hardNames);
  let total: Amounts = new Map();
  if (names.length === 0) return total;
  for (const o of objects) if (quotaCovers(spec, gr, o)) total = addAmounts(total, maskAmounts(usageOf(gr, o, now), names));
  return total;
}
