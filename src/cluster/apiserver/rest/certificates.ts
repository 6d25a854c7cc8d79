// CertificateSigningRequests in the REST layer (kube's csrStrategy PrepareForCreate/PrepareForUpdate): the
// requester's identity is the caller's, never what the request says; an update keeps spec and status, and
// the approval subresource changes only the conditions.
import type { KObject } from '../../types/meta.ts';
import type { ResourceSpec } from '../../types/resource.ts';
import { cloneJson } from '../../types/clone.ts';
import type { RequestUser } from './types.ts';

export const isCsr = (spec: ResourceSpec) => spec.group === 'certificates.k8s.io' && spec.kind === 'CertificateSigningRequest';
type CsrCondition = { type: string; status: string; lastUpdateTime?: string; lastTransitionTime?: string };
type CsrStatus = { conditions?: CsrCondition[] } | undefined;

/**
 * kube's csrStrategy / csrApprovalStrategy: an update keeps the spec and status as they are (metadata only);
 * the approval subresource changes only status.conditions, whose times are filled in (populateConditionTimestamps).
 */
export function prepareCsrUpdate(cur: KObject, input: KObject, subresource: string | undefined, now: Date): KObject {
  const next = cloneJson(input);
  next.spec = cloneJson(cur.spec);
  next.status = cloneJson(cur.status);
  if (subresource !== 'approval') return next;
  const stamp = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const old = (cur.status as CsrStatus)?.conditions ?? [];
  const conditions = cloneJson((input.status as CsrStatus)?.conditions ?? []).map((c) => {
    const was = old.find((o) => o.type === c.type);
    return {
      ...c,
      lastUpdateTime: c.lastUpdateTime ?? stamp,
      lastTransitionTime: c.lastTransitionTime ?? (was && was.status === c.status && was.lastTransitionTime ? was.lastTransitionTime : stamp),
    };
  });
  next.status = { ...(next.status as object), conditions };
  return next;
}

/** spec.username/uid/groups/extra from the caller; status starts empty */
export function fillCsrRequester(obj: KObject, user: RequestUser | undefined): void {
  const spec = (obj.spec ??= {}) as Record<string, unknown>;
  for (const k of ['username', 'uid', 'groups', 'extra']) delete spec[k];
  if (user) {
    spec.username = user.name;
    if (user.uid) spec.uid = user.uid;
    if (user.groups.length) spec.groups = [...user.groups];
    if (user.extra && Object.keys(user.extra).length) spec.extra = cloneJson(user.extra);
  }
  delete obj.status;
}
