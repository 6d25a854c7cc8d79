// What a request asks to do, as kube-apiserver's RequestInfoFactory reads it from the method and URL:
// /api/v1/… and /apis/{group}/{version}/… with a resource are resource requests (namespace, resource, name,
// subresource; GET without a name is list or watch, DELETE without one deletecollection; a list selecting
// one metadata.name names it); every other path is a non-resource request with the method as its verb.
// And the 403 a denial answers, worded as kube's responsewriters.Forbidden.
import { StatusError } from '../types/status-error.ts';
import type { Attributes, UserInfo } from './types.ts';

const methodVerbs: Record<string, string> = { POST: 'create', GET: 'get', HEAD: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

/** The Namespace kind's own subresources (/api/v1/namespaces/{name}/status is not a resource "status") */
const namespaceSubresources = new Set(['status', 'finalize']);

const validSegment = (s: string) => s !== '' && s !== '.' && s !== '..' && !s.includes('/') && !s.includes('%');

export function requestAttributes(method: string, pathname: string, query: URLSearchParams): Attributes {
  const path = pathname.replace(/\/+$/, '') || '/';
  const nonResource: Attributes = { resourceRequest: false, verb: method.toLowerCase(), path };
  const segs = path.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
  let parts: string[];
  let apiGroup = '';
  let apiVersion: string;
  if (segs[0] === 'api' && segs.length >= 3) [apiVersion, parts] = [segs[1], segs.slice(2)];
  else if (segs[0] === 'apis' && segs.length >= 4) [apiGroup, apiVersion, parts] = [segs[1], segs[2], segs.slice(3)];
  else return nonResource;
  let verb = methodVerbs[method.toUpperCase()];
  if (verb === undefined) return nonResource;
  if (parts[0] === 'watch') {
    verb = 'watch';
    parts = parts.slice(1);
    if (parts.length === 0) return nonResource;
  }
  let namespace: string | undefined;
  if (parts[0] === 'namespaces' && parts.length > 1) {
    namespace = parts[1];
    if (parts.length > 2 && !namespaceSubresources.has(parts[2])) parts = parts.slice(2);
  }
  const [resource, name, subresource] = parts;
  const attrs = { resourceRequest: true as const, verb, apiGroup, apiVersion, resource, namespace, name, subresource };
  if (name === undefined && verb === 'get') {
    attrs.verb = query.get('watch') === 'true' || query.get('watch') === '1' ? 'watch' : 'list';
    const byName = (query.get('fieldSelector') ?? '').split(',').map((t) => /^metadata\.name==?(.*)$/.exec(t.trim())).find((m) => m);
    if (byName && validSegment(byName[1])) attrs.name = byName[1];
  } else if (name !== undefined && verb === 'get' && (query.get('watch') === 'true' || query.get('watch') === '1')) {
    attrs.verb = 'watch';
  }
  if (name === undefined && verb === 'delete') attrs.verb = 'deletecollection';
  return attrs;
}

/** `User "x" cannot list resource "pods" in API group "" in the namespace "c"` */
export function forbiddenMessage(user: UserInfo, a: Attributes): string {
  if (!a.resourceRequest) return `User "${user.name}" cannot ${a.verb} path "${a.path}"`;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const where = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  return `User "${user.name}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup}" ${where}`;
}

/** kube's NewForbidden over the group-resource: `pods "x" is forbidden: …`, `forbidden: …` for a path */
export function forbiddenStatus(user: UserInfo, a: Attributes, reason = ''): StatusError {
  const msg = reason ? `${forbiddenMessage(user, a)}: ${reason}` : forbiddenMessage(user, a);
  if (!a.resourceRequest) return new StatusError({ code: 403, reason: 'Forbidden', message: `forbidden: ${msg}`, details: {} });
  return forbiddenFor({ group: a.apiGroup, resource: a.resource }, a.name ?? '', msg);
}

/** `roles.rbac.authorization.k8s.io "x" is forbidden: <why>` with kube's details */
export function forbiddenFor(gr: { group: string; resource: string }, name: string, why: string): StatusError {
  const qualified = gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
  const message = name ? `${qualified} "${name}" is forbidden: ${why}` : `${qualified} is forbidden: ${why}`;
  return new StatusError({ code: 403, reason: 'Forbidden', message, details: { ...(name ? { name } : {}), group: gr.group, kind: gr.resource } });
}
