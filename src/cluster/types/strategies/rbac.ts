// rbac.authorization.k8s.io/v1: Role, ClusterRole, RoleBinding, ClusterRoleBinding. Defaults (roleRef and
// User/Group subjects in the RBAC group) and validation as kube's rbac/validation: names are path segments,
// rules need verbs and either resources (with API groups) or, cluster-wide only, non-resource URLs; bindings
// refer to a Role or ClusterRole of the RBAC group and never change roleRef.
import type { ClusterRole, ClusterRoleBinding, PolicyRule, RoleBinding, Subject } from 'kubernetes-types/rbac/v1.js';
import type { KObject } from '../meta.ts';
import { invalid, notSupported, required, type FieldError } from '../status-error.ts';
import { validateObjectMeta, validateObjectMetaUpdate } from './metadata.ts';
import { eachInvalid, isDNS1123Subdomain, nameIsPathSegment } from './names.ts';
import type { Strategy } from './types.ts';

const GROUP = 'rbac.authorization.k8s.io';

function validateRule(rule: PolicyRule, namespaced: boolean, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!rule.verbs?.length) errs.push(required(`${field}.verbs`, 'verbs must contain at least one value'));
  if (rule.nonResourceURLs?.length) {
    if (namespaced) errs.push(invalid(`${field}.nonResourceURLs`, rule.nonResourceURLs, 'namespaced rules cannot apply to non-resource URLs'));
    if (rule.apiGroups?.length || rule.resources?.length || rule.resourceNames?.length) {
      errs.push(invalid(`${field}.nonResourceURLs`, rule.nonResourceURLs, 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    return errs;
  }
  if (!rule.apiGroups?.length) errs.push(required(`${field}.apiGroups`, 'resource rules must supply at least one api group'));
  if (!rule.resources?.length) errs.push(required(`${field}.resources`, 'resource rules must supply at least one resource'));
  return errs;
}

function validateRole(o: KObject, namespaced: boolean): FieldError[] {
  const role = o as unknown as ClusterRole;
  const errs = validateObjectMeta(o.metadata, nameIsPathSegment);
  (role.rules ?? []).forEach((r, i) => errs.push(...validateRule(r, namespaced, `rules[${i}]`)));
  if (!namespaced && role.aggregationRule) {
    const selectors = role.aggregationRule.clusterRoleSelectors ?? [];
    if (!selectors.length) errs.push(required('aggregationRule.clusterRoleSelectors', 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
  }
  return errs;
}

function defaultBinding(o: KObject): void {
  const b = o as unknown as RoleBinding;
  if (b.roleRef && !b.roleRef.apiGroup) b.roleRef.apiGroup = GROUP;
  for (const s of b.subjects ?? []) if (s.apiGroup === undefined || s.apiGroup === '') if (s.kind === 'User' || s.kind === 'Group') s.apiGroup = GROUP;
}

function validateSubject(s: Subject, namespaced: boolean, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!s.name) errs.push(required(`${field}.name`));
  switch (s.kind) {
    case 'ServiceAccount':
      if (s.name) errs.push(...eachInvalid(`${field}.name`, s.name, isDNS1123Subdomain(s.name)));
      if (s.apiGroup) errs.push(notSupported(`${field}.apiGroup`, s.apiGroup, ['']));
      if (!namespaced && !s.namespace) errs.push(required(`${field}.namespace`));
      break;
    case 'User': case 'Group':
      if (s.apiGroup !== GROUP) errs.push(notSupported(`${field}.apiGroup`, s.apiGroup ?? '', [GROUP]));
      break;
    default:
      errs.push(notSupported(`${field}.kind`, s.kind ?? '', ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

function validateBinding(o: KObject, namespaced: boolean): FieldError[] {
  const b = o as unknown as ClusterRoleBinding;
  const errs = validateObjectMeta(o.metadata, nameIsPathSegment);
  const ref = b.roleRef ?? { apiGroup: '', kind: '', name: '' };
  if (ref.apiGroup !== GROUP) errs.push(notSupported('roleRef.apiGroup', ref.apiGroup ?? '', [GROUP]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(ref.kind)) errs.push(notSupported('roleRef.kind', ref.kind ?? '', kinds));
  if (!ref.name) errs.push(required('roleRef.name'));
  else errs.push(...eachInvalid('roleRef.name', ref.name, nameIsPathSegment(ref.name, false)));
  (b.subjects ?? []).forEach((s, i) => errs.push(...validateSubject(s, namespaced, `subjects[${i}]`)));
  return errs;
}

const roleStrategy = (namespaced: boolean): Strategy => ({
  defaults() {},
  validate: (o) => validateRole(o, namespaced),
  validateUpdate: (o, old) => [...validateObjectMetaUpdate(o.metadata, old.metadata), ...validateRole(o, namespaced)],
});

const bindingStrategy = (namespaced: boolean): Strategy => ({
  defaults: defaultBinding,
  validate: (o) => validateBinding(o, namespaced),
  validateUpdate(o, old) {
    const errs = [...validateObjectMetaUpdate(o.metadata, old.metadata), ...validateBinding(o, namespaced)];
    const ref = (o as unknown as RoleBinding).roleRef;
    if (JSON.stringify(ref) !== JSON.stringify((old as unknown as RoleBinding).roleRef)) errs.push(invalid('roleRef', ref, 'cannot change roleRef'));
    return errs;
  },
});

export const roleKindStrategy = roleStrategy(true);
export const clusterRoleStrategy = roleStrategy(false);
export const roleBindingStrategy = bindingStrategy(true);
export const clusterRoleBindingStrategy = bindingStrategy(false);
