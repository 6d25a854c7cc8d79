import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requestAttributes, forbiddenStatus } from './attributes.ts';
import { createRbacAuthorizer, type RbacSource } from './authorizer.ts';
import { impersonatedUser } from './impersonation.ts';
import { compactRules, compactString, ruleAllows, uncoveredRules } from './rules.ts';
import { bootstrapClusterRoles } from './policy.ts';
import { createReviews } from './reviews.ts';
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding, UserInfo } from './types.ts';
import { findByKind } from '../types/registry.ts';

const q = (s = '') => new URLSearchParams(s);

test('request attributes as kube-apiserver reads them', () => {
  assert.deepEqual(requestAttributes('GET', '/api/v1/namespaces/a/pods', q()), { resourceRequest: true, verb: 'list', apiGroup: '', apiVersion: 'v1', resource: 'pods', namespace: 'a', name: undefined, subresource: undefined });
  assert.equal(requestAttributes('GET', '/api/v1/pods', q('watch=true')).verb, 'watch');
  assert.equal(requestAttributes('GET', '/api/v1/watch/namespaces/a/pods', q()).verb, 'watch');
  const byName = requestAttributes('GET', '/api/v1/nodes', q('fieldSelector=metadata.name%3Dn1'));
  assert.deepEqual([byName.verb, byName.resourceRequest && byName.name], ['list', 'n1']);
  assert.equal(requestAttributes('DELETE', '/apis/apps/v1/namespaces/a/deployments', q()).verb, 'deletecollection');
  const exec = requestAttributes('POST', '/api/v1/namespaces/a/pods/p/exec', q());
  assert.deepEqual(exec.resourceRequest && [exec.verb, exec.resource, exec.name, exec.subresource], ['create', 'pods', 'p', 'exec']);
  const ns = requestAttributes('GET', '/api/v1/namespaces/a', q());
  assert.deepEqual(ns.resourceRequest && [ns.verb, ns.resource, ns.namespace, ns.name], ['get', 'namespaces', 'a', 'a']);
  const fin = requestAttributes('PUT', '/api/v1/namespaces/a/finalize', q());
  assert.deepEqual(fin.resourceRequest && [fin.resource, fin.name, fin.subresource], ['namespaces', 'a', 'finalize']);
  assert.deepEqual(requestAttributes('GET', '/apis/apps/v1', q()), { resourceRequest: false, verb: 'get', path: '/apis/apps/v1' });
  assert.deepEqual(requestAttributes('GET', '/version/', q()), { resourceRequest: false, verb: 'get', path: '/version' });
});

test('rules match verbs, groups, resources, subresources, names and URLs as kube RuleAllows', () => {
  const a = requestAttributes('GET', '/api/v1/namespaces/a/pods/p/log', q());
  assert.ok(ruleAllows({ verbs: ['get'], apiGroups: [''], resources: ['pods/log'] }, a));
  assert.ok(ruleAllows({ verbs: ['*'], apiGroups: ['*'], resources: ['*/log'] }, a));
  assert.ok(!ruleAllows({ verbs: ['get'], apiGroups: [''], resources: ['pods'] }, a), 'a subresource needs its own rule');
  assert.ok(!ruleAllows({ verbs: ['get'], apiGroups: [''], resources: ['pods/log'], resourceNames: ['q'] }, a));
  assert.ok(ruleAllows({ verbs: ['get'], nonResourceURLs: ['/apis/*'] }, requestAttributes('GET', '/apis/apps/v1', q())));
  assert.ok(!ruleAllows({ verbs: ['get'], nonResourceURLs: ['/api'] }, requestAttributes('GET', '/apis', q())));
});

test('covers: what a user holds against what a role grants (escalation), worded as kube', () => {
  const owner = [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', '*/status'] }];
  assert.deepEqual(uncoveredRules(owner, [{ verbs: ['get'], apiGroups: [''], resources: ['pods', 'deployments/status'] }]), []);
  const missing = uncoveredRules(owner, [{ verbs: ['get', 'delete', 'create'], apiGroups: [''], resources: ['pods'] }]);
  assert.deepEqual(compactRules(missing).map(compactString), ['{APIGroups:[""], Resources:["pods"], Verbs:["delete" "create"]}']);
  assert.deepEqual(uncoveredRules([{ verbs: ['get'], nonResourceURLs: ['/api/*'] }], [{ verbs: ['get'], nonResourceURLs: ['/api/v1'] }]), []);
});

const meta = (name: string, namespace?: string) => ({ name, ...(namespace ? { namespace } : {}) });

function source(o: { crs?: ClusterRole[]; crbs?: ClusterRoleBinding[]; roles?: Role[]; rbs?: RoleBinding[] }): RbacSource {
  return {
    clusterRoleBindings: () => o.crbs ?? [],
    roleBindings: (ns) => (o.rbs ?? []).filter((b) => b.metadata?.namespace === ns),
    clusterRole: (n) => (o.crs ?? []).find((r) => r.metadata?.name === n),
    role: (ns, n) => (o.roles ?? []).find((r) => r.metadata?.namespace === ns && r.metadata?.name === n),
  };
}

const sa: UserInfo = { name: 'system:serviceaccount:a:reader', groups: ['system:serviceaccounts', 'system:serviceaccounts:a', 'system:authenticated'] };

test('the authorizer: bindings in the namespace, ServiceAccount subjects, masters, missing roles', () => {
  const auth = createRbacAuthorizer(source({
    roles: [{ metadata: meta('pod-reader', 'a'), rules: [{ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods'] }] }],
    rbs: [
      { metadata: meta('r', 'a'), roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' }, subjects: [{ kind: 'ServiceAccount', name: 'reader' }] },
      { metadata: meta('gone', 'b'), roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'nope' }, subjects: [{ kind: 'Group', name: 'system:authenticated' }] },
    ],
    crs: bootstrapClusterRoles,
    crbs: [{ metadata: meta('system:discovery'), roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:discovery' }, subjects: [{ kind: 'Group', name: 'system:authenticated' }] }],
  }));
  const listA = requestAttributes('GET', '/api/v1/namespaces/a/pods', q());
  assert.deepEqual(auth.authorize(sa, listA), { allowed: true, reason: 'RBAC: allowed by RoleBinding "r/a" of Role "pod-reader" to ServiceAccount "reader/a"' });
  const listB = requestAttributes('GET', '/api/v1/namespaces/b/pods', q());
  assert.deepEqual(auth.authorize(sa, listB), { allowed: false, reason: 'RBAC: clusterrole.rbac.authorization.k8s.io "nope" not found' });
  assert.equal(forbiddenStatus(sa, listB).message, 'pods is forbidden: User "system:serviceaccount:a:reader" cannot list resource "pods" in API group "" in the namespace "b"');
  assert.equal(auth.authorize(sa, requestAttributes('GET', '/apis', q())).allowed, true);
  assert.equal(auth.authorize({ name: 'admin', groups: ['system:masters'] }, listB).allowed, true);
  assert.equal(forbiddenStatus(sa, requestAttributes('GET', '/logs', q())).message, 'forbidden: User "system:serviceaccount:a:reader" cannot get path "/logs"');
});

test('impersonation needs the impersonate verb; a ServiceAccount gets its groups', () => {
  const auth = createRbacAuthorizer(source({
    crs: [{ metadata: meta('imp'), rules: [{ verbs: ['impersonate'], apiGroups: [''], resources: ['serviceaccounts'] }] }],
    crbs: [{ metadata: meta('imp'), roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'imp' }, subjects: [{ kind: 'User', name: 'u' }] }],
  }));
  const u = { name: 'u', groups: ['system:authenticated'] };
  assert.deepEqual(impersonatedUser({ 'impersonate-user': ['system:serviceaccount:a:reader'] }, u, auth), sa);
  assert.throws(() => impersonatedUser({ 'impersonate-user': ['bob'] }, u, auth), /users "bob" is forbidden: User "u" cannot impersonate resource "users" in API group "" at the cluster scope/);
  assert.throws(() => impersonatedUser({ 'impersonate-group': ['g'] }, u, auth), /without impersonating a user/);
  assert.equal(impersonatedUser({}, u, auth), u);
});

test('reviews are answered with the authorizer and the token chain', async () => {
  const auth = createRbacAuthorizer(source({}));
  const reviews = createReviews({ authorizer: auth, authenticateToken: async (t) => (t === 'good' ? { name: 'x', groups: ['g'] } : undefined) });
  const spec = (kind: string) => findByKind(kind === 'TokenReview' || kind === 'SelfSubjectReview' ? 'authentication.k8s.io' : 'authorization.k8s.io', kind)!;
  const ssar = await reviews.answer(spec('SelfSubjectAccessReview'), { spec: { resourceAttributes: { verb: 'list', resource: 'pods', namespace: 'a' } } }, sa);
  assert.deepEqual(ssar.status, { allowed: false });
  await assert.rejects(reviews.answer(spec('SubjectAccessReview'), { spec: { resourceAttributes: { verb: 'list' } } }, sa), /spec.user: Invalid value: "": at least one of user or group must be specified/);
  const masters = await reviews.answer(spec('SubjectAccessReview'), { spec: { user: 'm', groups: ['system:masters'], nonResourceAttributes: { path: '/x', verb: 'get' } } }, sa);
  assert.equal((masters.status as { allowed: boolean }).allowed, true);
  const tr = await reviews.answer(spec('TokenReview'), { spec: { token: 'good' } }, sa);
  assert.deepEqual(tr.status, { authenticated: true, user: { username: 'x', groups: ['g'] }, audiences: ['https://kubernetes.default.svc.cluster.local'] });
  assert.equal(((await reviews.answer(spec('TokenReview'), { spec: { token: 'bad' } }, sa)).status as { authenticated: boolean }).authenticated, false);
  const who = await reviews.answer(spec('SelfSubjectReview'), {}, sa);
  assert.deepEqual(who.status, { userInfo: { username: sa.name, groups: sa.groups } });
});
