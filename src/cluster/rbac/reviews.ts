// The reviews, answered and never stored (kube's authorization.k8s.io and authentication.k8s.io REST):
// SelfSubjectAccessReview (may I?), SubjectAccessReview and LocalSubjectAccessReview (may they?),
// SelfSubjectRulesReview (what may I in a namespace), TokenReview (whose token is this, through the server's
// token chain) and SelfSubjectReview (who am I). Each answer is the request with its status filled in.
import type { KObject } from '../types/meta.ts';
import type { ResourceSpec } from '../types/resource.ts';
import { badRequestError, invalid, invalidError, type FieldError } from '../types/status-error.ts';
import { aggregate } from './authorizer.ts';
import type { Attributes, Authorizer, PolicyRule, UserInfo } from './types.ts';

/** kube-apiserver's default --api-audiences: the ServiceAccount token issuer */
export const API_AUDIENCE = 'https://kubernetes.default.svc.cluster.local';

export interface ReviewDeps {
  authorizer: Authorizer;
  /** the server's token chain (TokenReview) */
  authenticateToken(token: string): Promise<UserInfo | undefined>;
  /** the audiences tokens of audience-agnostic authenticators are good for (default: [API_AUDIENCE]) */
  apiAudiences?: string[];
  /** the audience-aware authenticators (ServiceAccount JWTs) asked for other audiences (a TokenReview's spec.audiences) */
  authenticateForAudiences?(token: string, audiences: string[]): Promise<UserInfo | undefined>;
}

export interface Reviews {
  /** whether this kind is a review (answered here, never stored) */
  handles(spec: ResourceSpec): boolean;
  answer(spec: ResourceSpec, obj: KObject, user: UserInfo): Promise<KObject>;
}

interface AccessSpec {
  resourceAttributes?: { namespace?: string; verb?: string; group?: string; version?: string; resource?: string; subresource?: string; name?: string };
  nonResourceAttributes?: { path?: string; verb?: string };
  user?: string;
  groups?: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

const kinds = new Set(['authorization.k8s.io/SelfSubjectAccessReview', 'authorization.k8s.io/SubjectAccessReview', 'authorization.k8s.io/LocalSubjectAccessReview',
  'authorization.k8s.io/SelfSubjectRulesReview', 'authentication.k8s.io/TokenReview', 'authentication.k8s.io/SelfSubjectReview']);

export function createReviews(deps: ReviewDeps): Reviews {
  const apiAudiences = deps.apiAudiences ?? [API_AUDIENCE];
  return {
    handles: (spec) => kinds.has(`${spec.group}/${spec.kind}`),
    async answer(spec, obj, user) {
      const answered = (status: object): KObject => ({ ...obj, metadata: { ...obj.metadata, creationTimestamp: null } as unknown as KObject['metadata'], status });
      const s = (obj.spec ?? {}) as AccessSpec;
      switch (spec.kind) {
        case 'SelfSubjectAccessReview':
          check(spec, obj, accessErrors(s, false));
          return answered(decide(deps.authorizer, user, s));
        case 'SubjectAccessReview':
          check(spec, obj, accessErrors(s, true));
          return answered(decide(deps.authorizer, subjectOf(s), s));
        case 'LocalSubjectAccessReview': {
          const ns = obj.metadata?.namespace ?? '';
          const errs = accessErrors(s, true);
          if (s.nonResourceAttributes) errs.push(invalid('spec.nonResourceAttributes', s.nonResourceAttributes, 'disallowed on this kind of request'));
          if (s.resourceAttributes?.namespace && s.resourceAttributes.namespace !== ns) errs.push(invalid('spec.resourceAttributes.namespace', s.resourceAttributes.namespace, 'must match metadata.namespace'));
          check(spec, obj, errs);
          return answered(decide(deps.authorizer, subjectOf(s), { ...s, resourceAttributes: { ...s.resourceAttributes, namespace: ns } }));
        }
        case 'SelfSubjectRulesReview': {
          const ns = (obj.spec as { namespace?: string } | undefined)?.namespace ?? '';
          if (!ns) throw badRequestError('no namespace on request');
          const { rules, errors } = deps.authorizer.rulesFor(user, ns);
          return answered({ ...rulesStatus(rules), incomplete: false, ...(errors.length ? { evaluationError: aggregate(errors) } : {}) });
        }
        case 'TokenReview':
          return answered(await reviewToken(deps, apiAudiences, obj.spec as { token?: string; audiences?: string[] } | undefined));
        case 'SelfSubjectReview':
          return answered({ userInfo: userInfoOf(user) });
      }
      throw badRequestError(`${spec.kind} is not a review`);
    },
  };
}

function check(spec: ResourceSpec, obj: KObject, errs: FieldError[]): void {
  if (errs.length) throw invalidError({ group: spec.group, kind: spec.kind }, obj.metadata?.name ?? '', errs);
}

function accessErrors(s: AccessSpec, needsSubject: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (s.resourceAttributes && s.nonResourceAttributes) errs.push(invalid('spec.nonResourceAttributes', s.nonResourceAttributes, 'cannot be specified in combination with resourceAttributes'));
  if (!s.resourceAttributes && !s.nonResourceAttributes) errs.push(invalid('spec.resourceAttributes', null, 'exactly one of nonResourceAttributes or resourceAttributes must be specified'));
  if (needsSubject && !s.user && !s.groups?.length) errs.push(invalid('spec.user', s.user ?? '', 'at least one of user or group must be specified'));
  return errs;
}

const subjectOf = (s: AccessSpec): UserInfo => ({ name: s.user ?? '', groups: s.groups ?? [], ...(s.uid ? { uid: s.uid } : {}), ...(s.extra ? { extra: s.extra } : {}) });

function attributesOf(s: AccessSpec): Attributes {
  if (s.nonResourceAttributes) return { resourceRequest: false, verb: s.nonResourceAttributes.verb ?? '', path: s.nonResourceAttributes.path ?? '' };
  const r = s.resourceAttributes ?? {};
  return {
    resourceRequest: true, verb: r.verb ?? '', apiGroup: r.group ?? '', apiVersion: r.version, resource: r.resource ?? '',
    subresource: r.subresource || undefined, namespace: r.namespace || undefined, name: r.name || undefined,
  };
}

function decide(authorizer: Authorizer, user: UserInfo, s: AccessSpec): object {
  const d = authorizer.authorize(user, attributesOf(s));
  return { allowed: d.allowed, ...(d.reason ? { reason: d.reason } : {}) };
}

/** kube's SubjectRulesReviewStatus: resource rules and non-resource rules apart */
function rulesStatus(rules: readonly PolicyRule[]): object {
  const resourceRules = rules.filter((r) => r.resources?.length).map((r) => ({
    verbs: r.verbs, ...(r.apiGroups ? { apiGroups: r.apiGroups } : {}), resources: r.resources, ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}),
  }));
  const nonResourceRules = rules.filter((r) => r.nonResourceURLs?.length).map((r) => ({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs }));
  return { resourceRules, nonResourceRules };
}

const userInfoOf = (u: UserInfo) => ({ username: u.name, ...(u.uid ? { uid: u.uid } : {}), groups: u.groups, ...(u.extra ? { extra: u.extra } : {}) });

/**
 * kube's audience handling: without spec.audiences a token is reviewed for the API server's audiences; with
 * them, a JWT is good when its own audiences meet them (status.audiences: the ones in common), and a token of
 * an audience-agnostic authenticator (static, bootstrap) only when they include one of the API server's.
 */
async function reviewToken(deps: ReviewDeps, apiAudiences: string[], spec: { token?: string; audiences?: string[] } | undefined): Promise<object> {
  if (!spec?.token) throw badRequestError('token is required for TokenReview in authentication');
  const wanted = spec.audiences ?? [];
  if (wanted.length && deps.authenticateForAudiences) {
    const user = await deps.authenticateForAudiences(spec.token, wanted);
    if (user) return { authenticated: true, user: userInfoOf(user), audiences: wanted.filter((a) => jwtAudiences(spec.token!).includes(a)) };
  }
  const audiences = wanted.length ? apiAudiences.filter((a) => wanted.includes(a)) : apiAudiences;
  const user = audiences.length ? await deps.authenticateToken(spec.token) : undefined;
  if (!user) return { user: {}, ...(audiences.length ? {} : { error: 'token audiences is invalid for the target audiences' }), authenticated: false };
  return { authenticated: true, user: userInfoOf(user), audiences };
}

/** The aud claim of a JWT the authenticator already verified */
function jwtAudiences(token: string): string[] {
  try {
    const aud = (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { aud?: string | string[] }).aud;
    return aud === undefined ? [] : Array.isArray(aud) ? aud : [aud];
  } catch {
    return []; // not a JWT: an audience-agnostic token
  }
}
