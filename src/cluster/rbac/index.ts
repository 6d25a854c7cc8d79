// RBAC: the authorizer every request of the API server goes through (system:masters aside), the bootstrap
// policy reconciled at start, impersonation, escalation checks and the access/token reviews.
export type { Attributes, Authorizer, Decision, ResourceAttributes, NonResourceAttributes, UserInfo, UserRules } from './types.ts';
export { SYSTEM_MASTERS, RBAC_GROUP } from './types.ts';
export { createRbacAuthorizer, type RbacSource } from './authorizer.ts';
export { informerRbacSource, listedRbacSource } from './source.ts';
export { requestAttributes, forbiddenMessage, forbiddenStatus } from './attributes.ts';
export { impersonatedUser } from './impersonation.ts';
export { reconcileBootstrapPolicy } from './reconcile.ts';
export { bootstrapClusterRoles, bootstrapClusterRoleBindings, NODE_GROUPS, AUTOUPDATE_ANNOTATION } from './policy.ts';
export { createReviews, API_AUDIENCE, type Reviews, type ReviewDeps } from './reviews.ts';
export { ruleAllows, rulesAllow, uncoveredRules } from './rules.ts';
