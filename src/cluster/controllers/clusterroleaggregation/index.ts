// The ClusterRole aggregation controller (kube-controller-manager's clusterrole-aggregation): a ClusterRole
// with an aggregationRule gets as its rules the union of the rules of every ClusterRole its selectors match
// (by name, each rule once). Any ClusterRole change re-checks every aggregated role, so nested aggregation
// (view → edit → admin) settles in a few rounds.
import type { Controller, ControllerContext, ReconcileResult } from '../../client/types.ts';
import { createWorkQueue, runWorkers } from '../../client/index.ts';
import type { KObject } from '../../types/meta.ts';
import { R } from '../../types/gvr.ts';
import { matchesLabelSelector } from '../../types/labels.ts';
import { isStatusError } from '../../types/status-error.ts';
import type { ClusterRole, PolicyRule } from '../../rbac/types.ts';

type Role = ClusterRole & KObject;

/** The rules of every role the aggregationRule selects, in name order, each once */
export function aggregatedRules(role: ClusterRole, all: readonly ClusterRole[]): PolicyRule[] {
  const selectors = role.aggregationRule?.clusterRoleSelectors ?? [];
  const picked = all
    .filter((c) => c.metadata?.name !== role.metadata?.name && selectors.some((s) => matchesLabelSelector(s, c.metadata?.labels ?? {})))
    .sort((a, b) => ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1));
  const seen = new Set<string>();
  const rules: PolicyRule[] = [];
  for (const c of picked) {
    for (const r of c.rules ?? []) {
      const key = JSON.stringify(r);
      if (seen.has(key)) continue;
      seen.add(key);
      rules.push(r);
    }
  }
  return rules;
}

export function createClusterRoleAggregationController(ctx: ControllerContext): Controller {
  const name = 'clusterrole-aggregation';
  const roles = ctx.informers.informer<Role>(R.clusterroles);
  const queue = createWorkQueue({ name });
  const enqueueAggregated = () => {
    for (const r of roles.list()) if (r.aggregationRule) queue.add(r.metadata?.name ?? '');
  };
  roles.on({ add: enqueueAggregated, update: enqueueAggregated, delete: enqueueAggregated });

  async function reconcile(key: string): Promise<ReconcileResult> {
    const role = roles.get(key);
    if (!role?.aggregationRule) return;
    const rules = aggregatedRules(role, roles.list());
    if (JSON.stringify(rules) === JSON.stringify(role.rules ?? [])) return;
    try {
      await ctx.client.update(R.clusterroles, undefined, { ...structuredClone(role), rules } as KObject);
    } catch (err) {
      // a newer version is on its way through the informer: it is reconciled again then
      if (!isStatusError(err, 'Conflict') && !isStatusError(err, 'NotFound')) throw err;
    }
  }

  return {
    name,
    async run(signal) {
      await runWorkers(queue, 1, reconcile, signal, name);
    },
  };
}
