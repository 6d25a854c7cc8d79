// The authorization step of every request (kube's WithImpersonation + WithAuthorization filters): the
// caller may act as another user (impersonation headers), then what the request asks is checked against the
// authorizer; a denial is kube's 403. Without an authorizer (the HTTP face's own tests) all is allowed.
import type { IncomingMessage } from 'node:http';
import { logger } from '../../../lib/log.ts';
import { forbiddenStatus, impersonatedUser, requestAttributes, type Attributes, type Authorizer, type UserInfo } from '../../rbac/index.ts';

/** The user the request acts as, once allowed to do what it asks */
export function authorizeRequest(req: IncomingMessage, url: URL, user: UserInfo, authorizer: Authorizer | undefined): UserInfo {
  const acting = impersonatedUser(req.headersDistinct, user, authorizer);
  if (!authorizer) return acting;
  check(authorizer, acting, requestAttributes(req.method ?? 'GET', url.pathname, url.searchParams));
  return acting;
}

/**
 * exec, attach and port-forward over a WebSocket are GETs: kube 1.32 (AuthorizePodWebsocketUpgradeCreatePermission)
 * also asks for `create` on the subresource, as SPDY's POST does.
 */
export function authorizeUpgrade(req: IncomingMessage, url: URL, user: UserInfo, authorizer: Authorizer | undefined): UserInfo {
  const acting = authorizeRequest(req, url, user, authorizer);
  const attrs = requestAttributes(req.method ?? 'GET', url.pathname, url.searchParams);
  if (authorizer && attrs.resourceRequest && attrs.verb === 'get') check(authorizer, acting, { ...attrs, verb: 'create' });
  return acting;
}

const log = logger('authz');

function check(authorizer: Authorizer, user: UserInfo, attrs: Attributes): void {
  const d = authorizer.authorize(user, attrs);
  if (d.allowed) return;
  const err = forbiddenStatus(user, attrs, d.reason);
  // kube logs denials at V(5): who, with which groups, asked what (SKIFF_LOG=debug)
  log.debug(`RBAC: denied: ${err.message}`, { groups: user.groups.join(',') });
  throw err;
}
