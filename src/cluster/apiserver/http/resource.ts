// The verbs on resource URLs: each HTTP request becomes one ApiClient call. GET → get/list/watch, POST →
// create (and the binding/eviction subresources), PUT → update, PATCH → patch, DELETE → delete or
// deletecollection. The body's apiVersion/kind/namespace/name are checked against the URL here.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiClient } from '../../client/types.ts';
import type { KObject, KList } from '../../types/meta.ts';
import { apiVersionOf } from '../../types/meta.ts';
import { gvrOf } from '../../types/registry.ts';
import type { ResourceSpec } from '../../types/resource.ts';
import { toTable, type IncludeObject } from '../tables/index.ts';
import { badRequestError, verbNotAllowed } from './errors.ts';
import { unavailableError } from '../../types/status-error.ts';
import type { Representation } from './negotiate.ts';
import { contentTypeOf } from './negotiate.ts';
import { decodeApplyPatch, decodeObject, deleteOptions, listOptions, patchTypeOf, readBody, wantsWatch, watchOptions, writeOptions } from './request.ts';
import { sendJson, setWarnings } from './respond.ts';
import type { ResourceTarget } from './route.ts';
import { serveWatch } from './watch.ts';
import type { ApiUser } from './index.ts';
import type { KubeletStreams } from '../streams/index.ts';
import type { Reviews } from '../../rbac/index.ts';

export interface ResourceRequest {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  client: ApiClient;
  target: ResourceTarget;
  rep: Representation;
  now: () => Date;
  /** logs, exec, attach, port-forward through the node's kubelet; absent: 503 */
  streams?: KubeletStreams;
  /** the authenticated caller: passed to every write as RestWriteOptions.user (admission, reviews, TokenRequest) */
  user: ApiUser;
  /** the reviews, answered here and never stored */
  reviews?: Reviews;
}

type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

/** Which ApiClient verb a method on this target is; 405 when the resource does not allow it */
export function verbOf(method: string, t: ResourceTarget, q: URLSearchParams): Verb {
  const allowed = (verb: Verb, ok: boolean): Verb => {
    if (!ok) throw verbNotAllowed();
    return verb;
  };
  if (t.watchPrefix) return allowed('watch', method === 'GET' && t.spec.verbs.includes('watch'));
  if (t.subresource) {
    switch (t.subresource) {
      case 'status': case 'scale': case 'ephemeralcontainers': case 'approval':
        return allowed(method === 'GET' ? 'get' : method === 'PUT' ? 'update' : 'patch', method === 'GET' || method === 'PUT' || method === 'PATCH');
      case 'finalize': return allowed('update', method === 'PUT');
      case 'binding': case 'eviction': return allowed('create', method === 'POST');
      default: return allowed(method === 'POST' ? 'create' : 'get', method === 'GET' || method === 'POST');
    }
  }
  const byMethod: Record<string, Verb> = t.name === undefined
    ? { GET: wantsWatch(q) ? 'watch' : 'list', POST: 'create', DELETE: 'deletecollection' }
    : { GET: wantsWatch(q) ? 'watch' : 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };
  const verb = byMethod[method];
  // a namespaced kind outside a namespace is only listed or watched (all namespaces)
  const inScope = !t.spec.namespaced || t.namespace !== undefined || verb === 'list' || verb === 'watch';
  return allowed(verb, verb !== undefined && inScope && t.spec.verbs.includes(verb));
}

/** The Go package kube-apiserver's internal version of a group lives in, for decode messages */
const internalPackage = (group: string) => (group === '' ? 'core' : group.split('.')[0]);

/** Fills apiVersion/kind/namespace/name from the URL and refuses a body that names something else */
function reconcileBody(obj: KObject, t: ResourceTarget, checkKind: boolean): KObject {
  const spec = t.spec;
  if (checkKind) {
    const expected = apiVersionOf(spec);
    if (obj.apiVersion && obj.apiVersion !== expected) {
      throw badRequestError(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${expected})`);
    }
    if (obj.kind && obj.kind !== spec.kind) {
      throw badRequestError(`${obj.kind} in version "${spec.version}" cannot be handled as a ${spec.kind}: converting (${spec.version}.${obj.kind}) to (${internalPackage(spec.group)}.${spec.kind}): unknown conversion`);
    }
    obj.apiVersion = expected;
    obj.kind = spec.kind;
  }
  const meta = { ...(obj.metadata ?? {}) } as NonNullable<KObject['metadata']> & { namespace?: string; name?: string };
  if (spec.namespaced) {
    if (!meta.namespace) meta.namespace = t.namespace;
    else if (meta.namespace !== t.namespace) throw badRequestError('the namespace of the provided object does not match the namespace sent on the request');
  } else delete meta.namespace;
  if (t.name !== undefined && !t.subresource?.match(/^(binding|eviction)$/)) {
    if (!meta.name) meta.name = t.name;
    else if (meta.name !== t.name) throw badRequestError(`the name of the object (${meta.name}) does not match the name on the URL (${t.name})`);
  }
  obj.metadata = meta;
  return obj;
}

function includeObjectOf(q: URLSearchParams): IncludeObject {
  const v = q.get('includeObject') ?? 'Metadata';
  if (v !== 'None' && v !== 'Metadata' && v !== 'Object') throw badRequestError(`includeObject: Unsupported value: "${v}": supported values: "Metadata", "None", "Object"`);
  return v;
}

/** Streaming subresources are served by the node's kubelet, which this control plane proxies to */
const kubeletSubresources = new Set(['log', 'exec', 'attach', 'portforward', 'proxy']);

export async function refuseKubeletSubresource(client: ResourceRequest['client'], t: ResourceRequest['target']): Promise<never> {
  if (t.spec.kind !== 'Pod') throw unavailableError(`${t.spec.resource}/${t.subresource} needs a node agent: no kubelet answers for ${t.spec.resource} "${t.name}"`);
  const pod = await client.get(gvrOf(t.spec), t.namespace, t.name!);
  const node = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
  if (!node) throw badRequestError(`pod ${t.name} does not have a host assigned`);
  throw unavailableError(`no kubelet answers for node "${node}": logs, exec, attach and port-forward need a node running a skiff agent (simulated nodes have none)`);
}

export async function serveResource(r: ResourceRequest): Promise<void> {
  const { req, res, url, client, target: t } = r;
  const q = url.searchParams;
  const spec = t.spec;
  if (t.subresource && kubeletSubresources.has(t.subresource) && t.name !== undefined) {
    if (!r.streams || t.spec.kind !== 'Pod' || t.subresource === 'proxy') return refuseKubeletSubresource(client, t);
    if (t.subresource !== 'log') throw badRequestError('Upgrade request required');
    if (req.method !== 'GET') throw verbNotAllowed();
    return r.streams.serveLog(req, res, t.namespace!, t.name, q);
  }
  const gvr = gvrOf(spec);
  const verb = verbOf(req.method ?? 'GET', t, q);
  const pretty = q.get('pretty') === 'true' || q.get('pretty') === '1';
  // Tables only for the kind's own objects (not status/scale answers)
  const rep: Representation = r.rep.as === 'table' && !t.subresource ? r.rep : { as: 'json' };
  const send = (code: number, body: unknown, warnings: string[] = []) => {
    setWarnings(res, warnings);
    sendJson(res, code, body, { pretty, contentType: contentTypeOf(rep.as === 'table' ? rep : { as: 'json' }) });
  };
  const asTable = (objects: KObject[], list?: KList) =>
    ({ ...toTable(spec, objects, { now: r.now, includeObject: includeObjectOf(q), ...(list ? { listMeta: list.metadata } : {}) }), ...(rep.as === 'table' ? { apiVersion: `meta.k8s.io/${rep.version}` } : {}) });
  const sub = { ...(t.subresource ? { subresource: t.subresource } : {}), user: r.user };

  switch (verb) {
    case 'get': {
      const obj = await client.get(gvr, t.namespace, t.name!, sub);
      return send(200, rep.as === 'table' ? asTable([obj]) : obj);
    }
    case 'list': {
      const list = await client.list(gvr, t.namespace, listOptions(q));
      return send(200, rep.as === 'table' ? asTable(list.items, list) : list);
    }
    case 'watch':
      return serveWatch(res, { client, spec, namespace: t.namespace, opts: watchOptions(q, t.name), rep, includeObject: includeObjectOf(q), now: r.now });
    case 'create': {
      const opts = writeOptions(q, req.headers['user-agent'], 'CreateOptions');
      const checkKind = !t.subresource;
      const obj = reconcileBody(decodeObject(await readBody(req), req.headers['content-type'], spec.kind), t, checkKind);
      if (!t.subresource && r.reviews?.handles(spec)) return send(201, await r.reviews.answer(spec, obj, r.user));
      const created = await client.create(gvr, t.namespace, obj, { ...opts, ...sub, ...(t.subresource ? { name: t.name } : {}) });
      return send(201, created, opts.warnings);
    }
    case 'update': {
      const opts = writeOptions(q, req.headers['user-agent'], 'UpdateOptions');
      const checkKind = !t.subresource || t.subresource === 'status' || t.subresource === 'finalize' || t.subresource === 'ephemeralcontainers' || t.subresource === 'approval';
      const obj = reconcileBody(decodeObject(await readBody(req), req.headers['content-type'], checkKind ? spec.kind : 'Scale'), t, checkKind);
      const updated = await client.update(gvr, t.namespace, obj, { ...opts, ...sub });
      return send(200, updated, opts.warnings);
    }
    case 'patch': {
      const type = patchTypeOf(req.headers['content-type']);
      const opts = writeOptions(q, req.headers['user-agent'], 'PatchOptions', type === 'apply');
      const body = await readBody(req);
      const patch = type === 'apply' ? decodeApplyPatch(body) : body.toString('utf8');
      const force = q.get('force') === 'true' || q.get('force') === '1';
      const patched = await client.patch(gvr, t.namespace, t.name!, type, patch, { ...opts, ...sub, ...(force ? { force } : {}) });
      return send(200, patched, opts.warnings);
    }
    case 'delete': {
      const result = await client.delete(gvr, t.namespace, t.name!, deleteOptions(q, await readBody(req)));
      // still there (finalizers, graceful deletion): 202 Accepted, as kube-apiserver answers
      const pending = result.kind !== 'Status' && (result as KObject).metadata?.deletionTimestamp;
      return send(pending ? 202 : 200, result);
    }
    case 'deletecollection': {
      const body = await readBody(req);
      const list = await client.deleteCollection(gvr, t.namespace, { ...listOptions(q), ...deleteOptions(q, body) });
      return send(200, list);
    }
  }
}
