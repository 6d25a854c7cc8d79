// The authorization contract (kube-apiserver's authorizer.Attributes and Decision): what a request asks to do,
// and who asks. The HTTP face builds the attributes (./attributes.ts), the RBAC authorizer (./authorizer.ts)
// answers; the reviews (./reviews.ts) ask the same authorizer about attributes a client sends.
import type { PolicyRule } from 'kubernetes-types/rbac/v1.js';

export type { ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, RoleRef, Subject } from 'kubernetes-types/rbac/v1.js';

/** Who asks (Kubernetes' user.Info) */
export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** A resource request (`/api…`, `/apis…` with a resource) or a non-resource one (any other path) */
export type Attributes = ResourceAttributes | NonResourceAttributes;

export interface ResourceAttributes {
  resourceRequest: true;
  /** get, list, watch, create, update, patch, delete, deletecollection, or a special verb (bind, escalate, impersonate, …) */
  verb: string;
  apiGroup: string;
  apiVersion?: string;
  resource: string;
  subresource?: string;
  /** '' or undefined: cluster scope (or all namespaces) */
  namespace?: string;
  name?: string;
}

export interface NonResourceAttributes {
  resourceRequest: false;
  /** the HTTP method, lower case */
  verb: string;
  path: string;
}

export interface Decision {
  allowed: boolean;
  /** why (kube's RBAC wording: `RBAC: allowed by …`, or the resolution errors on a denial) */
  reason: string;
}

/** The rules a user holds in a namespace (SelfSubjectRulesReview, escalation checks) */
export interface UserRules {
  rules: PolicyRule[];
  /** role references that did not resolve (the rules are then incomplete) */
  errors: string[];
}

export interface Authorizer {
  authorize(user: UserInfo, attrs: Attributes): Decision;
  rulesFor(user: UserInfo, namespace: string): UserRules;
}

/** The group kube-apiserver never checks against RBAC */
export const SYSTEM_MASTERS = 'system:masters';
export const RBAC_GROUP = 'rbac.authorization.k8s.io';
