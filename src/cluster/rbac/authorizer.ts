// The RBAC authorizer (kube's DefaultRuleResolver + RBACAuthorizer): a user's rules are those of every
// ClusterRoleBinding naming them, then every RoleBinding of the request's namespace naming them, each through
// its roleRef. The first rule that allows the request decides ("RBAC: allowed by …"); a binding whose role is
// missing is reported in the denial's reason. system:masters is allowed everything and never looked up.
import type { Attributes, Authorizer, ClusterRole, ClusterRoleBinding, Decision, PolicyRule, Role, RoleBinding, RoleRef, Subject, UserInfo, UserRules } from './types.ts';
import { SYSTEM_MASTERS } from './types.ts';
import { ruleAllows } from './rules.ts';

/** Where the authorizer reads Roles and bindings (the server's informers; a listed snapshot for admission) */
export interface RbacSource {
  clusterRoleBindings(): readonly ClusterRoleBinding[];
  roleBindings(namespace: string): readonly RoleBinding[];
  clusterRole(name: string): ClusterRole | undefined;
  role(namespace: string, name: string): Role | undefined;
}

/** Every rule of everything granting `user` something in `namespace`, or stop when visit returns false */
type Visitor = (source: string | undefined, rule: PolicyRule | undefined, err: string | undefined) => boolean;

const saPrefix = 'system:serviceaccount:';

/** The user's ServiceAccount namespace and name, when it is one (parsed once per request, not per subject) */
function serviceAccountOf(user: UserInfo): { ns: string; name: string } | undefined {
  if (!user.name.startsWith(saPrefix)) return undefined;
  const [ns, name, more] = user.name.slice(saPrefix.length).split(':');
  return ns && name && more === undefined ? { ns, name } : undefined;
}

function appliesTo(user: UserInfo, sa: { ns: string; name: string } | undefined, s: Subject, namespace: string): boolean {
  switch (s.kind) {
    case 'User': return user.name === s.name;
    case 'Group': return user.groups.includes(s.name);
    case 'ServiceAccount': return sa !== undefined && sa.name === s.name && sa.ns === (s.namespace || namespace);
    default: return false;
  }
}

function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') return `${s.kind} "${s.name}/${s.namespace || bindingNamespace}"`;
  return `${s.kind} "${s.name}"`;
}

function roleRules(src: RbacSource, ref: RoleRef, namespace: string): { rules?: PolicyRule[]; err?: string } {
  if (ref.kind === 'Role') {
    const r = src.role(namespace, ref.name);
    return r ? { rules: r.rules ?? [] } : { err: `role.rbac.authorization.k8s.io "${ref.name}" not found` };
  }
  if (ref.kind === 'ClusterRole') {
    const r = src.clusterRole(ref.name);
    return r ? { rules: r.rules ?? [] } : { err: `clusterrole.rbac.authorization.k8s.io "${ref.name}" not found` };
  }
  return { err: `unsupported role reference kind: "${ref.kind}"` };
}

export function visitRulesFor(src: RbacSource, user: UserInfo, namespace: string, visit: Visitor): void {
  const sa = serviceAccountOf(user);
  for (const b of src.clusterRoleBindings()) {
    const subject = (b.subjects ?? []).find((s) => appliesTo(user, sa, s, ''));
    if (!subject) continue;
    const { rules, err } = roleRules(src, b.roleRef, '');
    if (err !== undefined) {
      if (!visit(undefined, undefined, err)) return;
      continue;
    }
    const source = `ClusterRoleBinding "${b.metadata?.name}" of ${b.roleRef.kind} "${b.roleRef.name}" to ${describeSubject(subject, '')}`;
    for (const rule of rules!) if (!visit(source, rule, undefined)) return;
  }
  if (!namespace) return;
  for (const b of src.roleBindings(namespace)) {
    const subject = (b.subjects ?? []).find((s) => appliesTo(user, sa, s, namespace));
    if (!subject) continue;
    const { rules, err } = roleRules(src, b.roleRef, namespace);
    if (err !== undefined) {
      if (!visit(undefined, undefined, err)) return;
      continue;
    }
    const source = `RoleBinding "${b.metadata?.name}/${namespace}" of ${b.roleRef.kind} "${b.roleRef.name}" to ${describeSubject(subject, namespace)}`;
    for (const rule of rules!) if (!visit(source, rule, undefined)) return;
  }
}

export function createRbacAuthorizer(src: RbacSource): Authorizer {
  return {
    authorize(user, attrs): Decision {
      if (user.groups.includes(SYSTEM_MASTERS)) return { allowed: true, reason: '' };
      let allowedBy: string | undefined;
      const errors: string[] = [];
      visitRulesFor(src, user, attrs.resourceRequest ? attrs.namespace ?? '' : '', (source, rule, err) => {
        if (rule && ruleAllows(rule, attrs)) {
          allowedBy = source;
          return false;
        }
        if (err) errors.push(err);
        return true;
      });
      if (allowedBy !== undefined) return { allowed: true, reason: `RBAC: allowed by ${allowedBy}` };
      return { allowed: false, reason: errors.length === 0 ? '' : `RBAC: ${aggregate(errors)}` };
    },
    rulesFor(user, namespace): UserRules {
      const rules: PolicyRule[] = [];
      const errors: string[] = [];
      // kube's privileged-group authorizer answers everything for system:masters, ahead of RBAC
      if (user.groups.includes(SYSTEM_MASTERS)) rules.push({ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, { verbs: ['*'], nonResourceURLs: ['*'] });
      visitRulesFor(src, user, namespace, (_, rule, err) => {
        if (rule) rules.push(rule);
        if (err) errors.push(err);
        return true;
      });
      return { rules, errors };
    },
  };
}

/** utilerrors.NewAggregate's wording: one error as is, several as [a, b] */
export const aggregate = (errors: readonly string[]) => (errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`);
