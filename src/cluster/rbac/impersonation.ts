// Impersonation (kube's WithImpersonation filter): `Impersonate-User`, `Impersonate-Group` (repeated),
// `Impersonate-Uid` and `Impersonate-Extra-<key>` headers make the request act as another user, when the
// caller may `impersonate` each of them: users (or serviceaccounts for system:serviceaccount:<ns>:<name>),
// groups, authentication.k8s.io uids and userextras/<key>. The user acted as is authenticated; a
// ServiceAccount gets its groups as its token would give them.
import { StatusError } from '../types/status-error.ts';
import { forbiddenStatus } from './attributes.ts';
import type { Authorizer, ResourceAttributes, UserInfo } from './types.ts';

/** Each header's values apart (Node's `req.headersDistinct`: a group name may hold a comma) */
export type DistinctHeaders = Record<string, string[] | undefined>;

const badRequest = (message: string) => new StatusError({ code: 400, reason: 'BadRequest', message });

/** The user the request acts as: `user` itself without impersonation headers */
export function impersonatedUser(headers: DistinctHeaders, user: UserInfo, authorizer: Authorizer | undefined): UserInfo {
  const name = headers['impersonate-user']?.[0];
  const groups = headers['impersonate-group'] ?? [];
  const uid = headers['impersonate-uid']?.[0];
  const extra: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (k.startsWith('impersonate-extra-') && v) extra[decodeURIComponent(k.slice('impersonate-extra-'.length))] = v;
  }
  if (name === undefined) {
    if (groups.length || uid !== undefined || Object.keys(extra).length) {
      throw badRequest(`requested ${JSON.stringify({ groups, uid, extra })} without impersonating a user`);
    }
    return user;
  }
  const check = (a: Omit<ResourceAttributes, 'resourceRequest' | 'verb'>) => {
    const attrs: ResourceAttributes = { resourceRequest: true, verb: 'impersonate', ...a };
    const d = authorizer ? authorizer.authorize(user, attrs) : { allowed: true, reason: '' };
    if (!d.allowed) throw forbiddenStatus(user, attrs, d.reason);
  };
  const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(name);
  if (sa) check({ apiGroup: '', resource: 'serviceaccounts', namespace: sa[1], name: sa[2] });
  else check({ apiGroup: '', resource: 'users', name });
  for (const g of groups) check({ apiGroup: '', resource: 'groups', name: g });
  if (uid !== undefined) check({ apiGroup: 'authentication.k8s.io', resource: 'uids', name: uid });
  for (const [k, vs] of Object.entries(extra)) for (const v of vs) check({ apiGroup: 'authentication.k8s.io', resource: 'userextras', subresource: k, name: v });
  const acting = [...groups];
  if (sa && groups.length === 0) acting.push('system:serviceaccounts', `system:serviceaccounts:${sa[1]}`);
  if (name !== 'system:anonymous' && !acting.includes('system:authenticated')) acting.push('system:authenticated');
  return { name, ...(uid !== undefined ? { uid } : {}), groups: acting, ...(Object.keys(extra).length ? { extra } : {}) };
}
