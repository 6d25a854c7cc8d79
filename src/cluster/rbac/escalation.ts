// Privilege escalation prevention (kube's policybased RBAC storage): a user may write a Role or ClusterRole
// only with rules they already hold (or the `escalate` verb on it), and a binding only to a role whose rules
// they hold (or the `bind` verb on that role). An aggregationRule gathers anything, so setting one needs
// every permission. system:masters and in-process callers (no user) are not checked, as kube's
// EscalationAllowed.
import type { ApiClient } from '../client/types.ts';
import type { KObject } from '../types/meta.ts';
import { createRbacAuthorizer, aggregate } from './authorizer.ts';
import { forbiddenFor } from './attributes.ts';
import { listedRbacSource } from './source.ts';
import { compactRules, compactString, uncoveredRules } from './rules.ts';
import type { ClusterRole, PolicyRule, RoleBinding, UserInfo } from './types.ts';
import { RBAC_GROUP, SYSTEM_MASTERS } from './types.ts';

const fullAuthority: PolicyRule[] = [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, { verbs: ['*'], nonResourceURLs: ['*'] }];

export interface EscalationWrite {
  kind: string;
  namespace?: string;
  name: string;
  object: KObject;
  oldObject?: KObject;
  user?: UserInfo;
}

/** Throws 403 when the write would grant the user more than they hold */
export async function checkEscalation(client: ApiClient, w: EscalationWrite): Promise<void> {
  const user = w.user;
  if (!user || user.groups.includes(SYSTEM_MASTERS)) return;
  const ns = w.namespace ?? '';
  const resource = `${w.kind.toLowerCase()}s`;
  const src = await listedRbacSource(client, ns);
  const authorizer = createRbacAuthorizer(src);
  const deny = (why: string) => forbiddenFor({ group: RBAC_GROUP, resource }, w.name, why);
  const missing = (wanted: PolicyRule[]) => {
    const { rules, errors } = authorizer.rulesFor(user, ns);
    const lacking = uncoveredRules(rules, wanted);
    if (!lacking.length) return undefined;
    const lines = [...new Set(compactRules(lacking).map(compactString))].sort();
    let msg = `user "${user.name}" (groups=[${user.groups.map((g) => JSON.stringify(g)).join(' ')}]) is attempting to grant RBAC permissions not currently held:\n${lines.join('\n')}`;
    if (errors.length) msg += `; resolution errors: [${errors.join(' ')}]`;
    return msg;
  };

  if (w.kind === 'Role' || w.kind === 'ClusterRole') {
    const role = w.object as ClusterRole;
    const old = w.oldObject as ClusterRole | undefined;
    if (old && JSON.stringify(old.rules ?? []) === JSON.stringify(role.rules ?? []) && JSON.stringify(old.aggregationRule) === JSON.stringify(role.aggregationRule)) return;
    if (authorizer.authorize(user, { resourceRequest: true, verb: 'escalate', apiGroup: RBAC_GROUP, resource, namespace: ns || undefined, name: w.name }).allowed) return;
    if (role.aggregationRule && JSON.stringify(old?.aggregationRule) !== JSON.stringify(role.aggregationRule) && missing(fullAuthority)) {
      throw deny('must have cluster-admin privileges to use the aggregationRule');
    }
    const why = missing(role.rules ?? []);
    if (why) throw deny(why);
    return;
  }
  // RoleBinding, ClusterRoleBinding
  const binding = w.object as unknown as RoleBinding;
  const ref = binding.roleRef;
  if (!ref) return;
  if (w.oldObject && JSON.stringify((w.oldObject as unknown as RoleBinding).roleRef) === JSON.stringify(ref)) return;
  const refResource = ref.kind === 'Role' ? 'roles' : 'clusterroles';
  if (authorizer.authorize(user, { resourceRequest: true, verb: 'bind', apiGroup: RBAC_GROUP, resource: refResource, namespace: ref.kind === 'Role' ? ns : undefined, name: ref.name }).allowed) return;
  const target = ref.kind === 'Role' ? src.role(ns, ref.name) : ref.kind === 'ClusterRole' ? src.clusterRole(ref.name) : undefined;
  if (!target) throw deny(aggregate([`${ref.kind === 'Role' ? 'role' : 'clusterrole'}.rbac.authorization.k8s.io "${ref.name}" not found`]));
  const why = missing(target.rules ?? []);
  if (why) throw deny(why);
}
