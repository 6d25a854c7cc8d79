// Reconciling the bootstrap policy at server start (kube's RBAC post-start hook): a missing role or binding is
// made; an existing one whose autoupdate annotation is not "false" gets back the rules, aggregation
// selectors, labels and subjects it lacks (what users added stays); a binding whose roleRef changed is made
// anew. Several servers may do this at once: a conflict means another was first, so look again.
import type { ApiClient } from '../client/types.ts';
import type { KObject } from '../types/meta.ts';
import { R } from '../types/gvr.ts';
import { isStatusError } from '../types/status-error.ts';
import type { ClusterRole, ClusterRoleBinding } from './types.ts';
import { AUTOUPDATE_ANNOTATION, bootstrapClusterRoleBindings, bootstrapClusterRoles } from './policy.ts';
import { uncoveredRules } from './rules.ts';

const MANAGER = 'kube-apiserver';

export async function reconcileBootstrapPolicy(client: ApiClient): Promise<void> {
  for (const want of bootstrapClusterRoles) await reconcileOne(client, R.clusterroles, want as KObject, (cur) => fixRole(cur as ClusterRole, want));
  for (const want of bootstrapClusterRoleBindings) await reconcileOne(client, R.clusterrolebindings, want as unknown as KObject, (cur) => fixBinding(cur as unknown as ClusterRoleBinding, want));
}

type Fix = (cur: KObject) => KObject | 'recreate' | undefined;

async function reconcileOne(client: ApiClient, gvr: typeof R.clusterroles, want: KObject, fix: Fix): Promise<void> {
  const name = want.metadata!.name!;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      let cur: KObject | undefined;
      try {
        cur = await client.get(gvr, undefined, name);
      } catch (err) {
        if (!isStatusError(err, 'NotFound')) throw err;
      }
      if (!cur) {
        await client.create(gvr, undefined, structuredClone(want), { fieldManager: MANAGER });
        return;
      }
      if (cur.metadata?.annotations?.[AUTOUPDATE_ANNOTATION] === 'false') return;
      const fixed = fix(cur);
      if (fixed === 'recreate') {
        await client.delete(gvr, undefined, name, { preconditions: { uid: cur.metadata?.uid } });
        await client.create(gvr, undefined, structuredClone(want), { fieldManager: MANAGER });
      } else if (fixed) await client.update(gvr, undefined, fixed, { fieldManager: MANAGER });
      return;
    } catch (err) {
      if (isStatusError(err, 'AlreadyExists') || isStatusError(err, 'Conflict') || isStatusError(err, 'NotFound')) continue;
      throw err;
    }
  }
}

/** labels and annotations of want that cur lacks, or undefined when it has them all */
function withMeta(cur: KObject, want: KObject): KObject['metadata'] | undefined {
  const lacks = (have: Record<string, string> | undefined, need: Record<string, string> | undefined) => Object.entries(need ?? {}).some(([k, v]) => have?.[k] !== v);
  const m = cur.metadata ?? {};
  if (!lacks(m.labels, want.metadata?.labels) && !lacks(m.annotations, want.metadata?.annotations)) return undefined;
  return { ...m, labels: { ...m.labels, ...want.metadata?.labels }, annotations: { ...m.annotations, ...want.metadata?.annotations } };
}

function fixRole(cur: ClusterRole, want: ClusterRole): KObject | undefined {
  let next: ClusterRole | undefined;
  const meta = withMeta(cur as unknown as KObject, want as unknown as KObject);
  if (meta) next = { ...cur, metadata: meta };
  if (want.aggregationRule) {
    const have = cur.aggregationRule?.clusterRoleSelectors ?? [];
    const missing = want.aggregationRule.clusterRoleSelectors!.filter((s) => !have.some((h) => JSON.stringify(h) === JSON.stringify(s)));
    if (missing.length) next = { ...(next ?? cur), aggregationRule: { clusterRoleSelectors: [...have, ...missing] } };
  } else {
    const missing = uncoveredRules(cur.rules ?? [], want.rules ?? []).length ? (want.rules ?? []).filter((r) => uncoveredRules(cur.rules ?? [], [r]).length) : [];
    if (missing.length) next = { ...(next ?? cur), rules: [...(cur.rules ?? []), ...missing] };
  }
  return next as KObject | undefined;
}

function fixBinding(cur: ClusterRoleBinding, want: ClusterRoleBinding): KObject | 'recreate' | undefined {
  if (JSON.stringify(cur.roleRef) !== JSON.stringify(want.roleRef)) return 'recreate';
  let next: ClusterRoleBinding | undefined;
  const meta = withMeta(cur as unknown as KObject, want as unknown as KObject);
  if (meta) next = { ...cur, metadata: meta };
  const have = cur.subjects ?? [];
  const missing = (want.subjects ?? []).filter((s) => !have.some((h) => h.kind === s.kind && h.name === s.name && (h.namespace ?? '') === (s.namespace ?? '')));
  if (missing.length) next = { ...(next ?? cur), subjects: [...have, ...missing] };
  return next as KObject | undefined;
}
