// Admission for writes, as kube-apiserver's generic registry + per-kind strategies: the fields the server owns
// (uid, creationTimestamp, generation, status on create), what an update may change (main resource vs status
// vs finalize), defaults, field validation (Strict/Warn unknown fields), validation, and namespace lifecycle.
import { randomUUID } from 'node:crypto';
import type { WriteOptions } from '../../client/types.ts';
import type { KObject } from '../../types/meta.ts';
import { apiVersionOf } from '../../types/meta.ts';
import type { ResourceSpec } from '../../types/resource.ts';
import type { FieldError } from '../../types/status-error.ts';
import { badRequestError, forbidden, forbiddenError, invalid, invalidError, notFoundError, required } from '../../types/status-error.ts';
import type { RestContext } from './context.ts';
import type { RequestUser } from './types.ts';
import { decode, keyOf, metaOf, timestamp } from './keys.ts';
import type { Meta } from './keys.ts';
import { objectOf } from './watch-cache.ts';
import { cloneJson } from '../../types/clone.ts';
import { isCsr, prepareCsrUpdate } from './certificates.ts';

/**
 * Write options as the REST layer takes them. `warnings`: when the caller passes an array, warnings for the
 * client (unknown fields under fieldValidation=Warn) are pushed to it — the HTTP face sends each as a
 * `Warning: 299 - "<text>"` header.
 */

export type RestWriteOptions = WriteOptions & { subresource?: string; warnings?: string[]; user?: RequestUser };

const NAMESPACES = { group: '', resource: 'namespaces' };

/** Unknown fields: a 400 under Strict, warnings under Warn (kube-apiserver's default for kubectl is Strict via the flag). */
export function checkUnknownFields(ctx: RestContext, spec: ResourceSpec, obj: KObject, opts: RestWriteOptions): void {
  const mode = opts.fieldValidation;
  if (mode !== 'Strict' && mode !== 'Warn') return;
  const unknown = ctx.patcher.unknownFields(spec, obj);
  if (unknown.length === 0) return;
  const words = unknown.map((f) => `unknown field "${f}"`);
  if (mode === 'Strict') throw badRequestError(`strict decoding error: ${words.join(', ')}`);
  opts.warnings?.push(...words);
}

/** Create in a namespace: it must exist and not be terminating. */
export async function checkNamespace(ctx: RestContext, spec: ResourceSpec, namespace: string, name: string): Promise<void> {
  const nsSpec = ctx.specByKind('', 'Namespace');
  if (!nsSpec) return;
  const key = keyOf(nsSpec, undefined, namespace);
  const cached = ctx.cache.get(nsSpec, key);
  let ns: KObject | undefined = cached ? objectOf(cached) : undefined;
  if (!ns) {
    const kv = await ctx.store.get(key);
    ns = kv ? decode(kv) : undefined;
  }
  if (!ns) throw notFoundError(NAMESPACES, namespace);
  if (ns.metadata?.deletionTimestamp || (ns.status as { phase?: string } | undefined)?.phase === 'Terminating') {
    const e = forbiddenError(`${spec.group ? `${spec.resource}.${spec.group}` : spec.resource} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`);
    e.status.details = { name, group: spec.group, kind: spec.resource, causes: [{ reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' }] };
    throw e;
  }
}

/** The namespace an object goes to: the request's, which the object may repeat but not contradict. */
export function placeObject(spec: ResourceSpec, namespace: string | undefined, obj: KObject): string | undefined {
  const meta = metaOf(obj);
  if (!spec.namespaced) {
    delete meta.namespace;
    return undefined;
  }
  if (namespace && meta.namespace && meta.namespace !== namespace) {
    throw badRequestError('the namespace of the provided object does not match the namespace sent on the request');
  }
  return (meta.namespace = namespace || meta.namespace || 'default');
}

/** Everything a create sets before validation (the name is already chosen). */
export function prepareCreate(ctx: RestContext, spec: ResourceSpec, obj: KObject): void {
  const meta = metaOf(obj);
  obj.apiVersion = apiVersionOf(spec);
  obj.kind = spec.kind;
  meta.uid = randomUUID();
  meta.creationTimestamp = timestamp(ctx.now());
  for (const f of ['resourceVersion', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink'] as const) delete meta[f];
  if (spec.generation) meta.generation = 1;
  else delete meta.generation;
  if (spec.statusSubresource) resetStatus(spec, obj);
  spec.defaults(obj);
  if (spec.group === '' && spec.kind === 'Pod') obj.status = { ...(obj.status as object), qosClass: podQOSClass(obj) };
}

/** What the status of a new object is, per kind (the strategies' PrepareForCreate). */
function resetStatus(spec: ResourceSpec, obj: KObject): void {
  if (spec.custom) return void delete obj.status; // a custom object's status is only ever written through /status
  if (spec.group !== '') return void (obj.status = {});
  switch (spec.kind) {
    case 'Pod': obj.status = { phase: 'Pending' }; break;
    case 'Node': break; // a kubelet registers its node with a status
    case 'Namespace': {
      obj.status = { phase: 'Active' };
      const s = (obj.spec ??= {}) as { finalizers?: string[] };
      if (!s.finalizers?.includes('kubernetes')) s.finalizers = [...(s.finalizers ?? []), 'kubernetes'];
      break;
    }
    default: obj.status = {};
  }
}

/** Guaranteed when every container limits cpu and memory with requests equal to limits; BestEffort when none asks; else Burstable. */
export function podQOSClass(pod: KObject): string {
  type Res = Record<string, string | number>;
  const spec = (pod.spec ?? {}) as { containers?: { resources?: { requests?: Res; limits?: Res } }[]; initContainers?: { resources?: { requests?: Res; limits?: Res } }[] };
  const all = [...(spec.containers ?? []), ...(spec.initContainers ?? [])];
  let any = false;
  let guaranteed = all.length > 0;
  for (const c of all) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    for (const r of ['cpu', 'memory']) {
      if (req[r] !== undefined || lim[r] !== undefined) any = true;
      if (lim[r] === undefined || (req[r] !== undefined && String(req[r]) !== String(lim[r]))) guaranteed = false;
    }
  }
  return !any ? 'BestEffort' : guaranteed ? 'Guaranteed' : 'Burstable';
}

/** Validation of a create, as a 422 naming the fields. */
export function validateCreate(spec: ResourceSpec, obj: KObject): void {
  const errs = spec.validate(obj);
  if (errs.length > 0) throw invalidError(spec, obj.metadata?.name ?? '', errs);
}

/** everything but metadata and status: what metadata.generation counts */
const specPart = (o: KObject) => JSON.stringify({ ...o, metadata: undefined, status: undefined, apiVersion: undefined, kind: undefined });
/**
 * What metadata.generation counts. A custom object is compared as it will be stored (pruned and defaulted: kube
 * decodes before its strategy runs), and without a status subresource every change but metadata counts (kube's CR strategy).
 */
function generationPart(spec: ResourceSpec, o: KObject): string {
  if (!spec.custom) return specPart(o);
  const stored = cloneJson(o);
  spec.defaults(stored);
  return spec.statusSubresource ? specPart(stored) : JSON.stringify({ ...stored, metadata: undefined, apiVersion: undefined, kind: undefined });
}

/**
 * The object an update stores, from the current one and the request's: per target, which parts come from
 * where; the fields only the server sets copied over; generation bumped when the spec changed.
 */
export function prepareUpdate(spec: ResourceSpec, cur: KObject, input: KObject, subresource: string | undefined, now = new Date()): KObject {
  let next: KObject;
  if (isCsr(spec) && subresource !== 'status') {
    next = prepareCsrUpdate(cur, input, subresource, now);
  } else if (subresource === 'status') {
    next = cloneJson(cur);
    next.status = cloneJson(input.status);
    const ann = input.metadata?.annotations;
    if (ann !== undefined) metaOf(next).annotations = cloneJson(ann);
  } else if (subresource === 'ephemeralcontainers') {
    // only spec.ephemeralContainers comes from the request (kube's ephemeralContainersStrategy)
    next = cloneJson(cur);
    const spec = (next.spec ??= {}) as { ephemeralContainers?: unknown };
    const asked = (input.spec as { ephemeralContainers?: unknown } | undefined)?.ephemeralContainers;
    if (asked === undefined) delete spec.ephemeralContainers;
    else spec.ephemeralContainers = cloneJson(asked);
  } else if (subresource === 'finalize') {
    next = cloneJson(cur);
    (next.spec as { finalizers?: string[] }).finalizers = cloneJson((input.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []);
  } else {
    next = cloneJson(input);
    if (spec.statusSubresource) {
      if (cur.status === undefined) delete next.status; // a custom object may have none yet
      else next.status = cloneJson(cur.status);
    }
    if (spec.group === '' && spec.kind === 'Namespace') {
      next.spec ??= {};
      (next.spec as { finalizers?: string[] }).finalizers = cloneJson((cur.spec as { finalizers?: string[] } | undefined)?.finalizers);
    }
  }
  const meta = metaOf(next);
  const old = cur.metadata as Meta;
  next.apiVersion = cur.apiVersion;
  next.kind = cur.kind;
  const errs: FieldError[] = [];
  if (meta.uid && meta.uid !== old.uid) errs.push(invalid('metadata.uid', meta.uid, 'field is immutable'));
  if (old.deletionTimestamp) {
    const added = (meta.finalizers ?? []).filter((f) => !(old.finalizers ?? []).includes(f));
    if (added.length > 0) errs.push(forbidden('metadata.finalizers', 'no new finalizers can be added if the object is being deleted'));
  }
  if (errs.length > 0) throw invalidError(spec, old.name ?? '', errs);
  Object.assign(meta, { name: old.name, uid: old.uid, creationTimestamp: old.creationTimestamp, resourceVersion: old.resourceVersion });
  if (spec.namespaced) meta.namespace = old.namespace;
  else delete meta.namespace;
  for (const f of ['deletionTimestamp', 'deletionGracePeriodSeconds'] as const) {
    if (old[f] !== undefined) (meta as Record<string, unknown>)[f] = old[f];
    else delete meta[f];
  }
  delete meta.selfLink;
  if (meta.managedFields === undefined && old.managedFields !== undefined) meta.managedFields = cloneJson(old.managedFields);
  if (old.generation !== undefined) meta.generation = old.generation;
  else delete meta.generation;
  if (spec.generation && subresource !== 'status' && generationPart(spec, next) !== generationPart(spec, cur)) meta.generation = (old.generation ?? 0) + 1;
  return next;
}

export function validateUpdate(spec: ResourceSpec, next: KObject, cur: KObject, subresource?: string): void {
  const errs = spec.validateUpdate(next, cur, subresource);
  if (errs.length > 0) throw invalidError(spec, next.metadata?.name ?? '', errs);
}

/** The name of a create: metadata.name, or generateName + a random suffix; neither is a 422. */
export function requireName(spec: ResourceSpec, obj: KObject): void {
  const meta = metaOf(obj);
  if (!meta.name && !meta.generateName) {
    throw invalidError(spec, '', [required('metadata.name', 'name or generateName is required')]);
  }
}

/** Kubernetes' ShouldDeleteDuringUpdate: a deleting object whose last finalizer went away is removed. */
export function shouldDeleteOnUpdate(spec: ResourceSpec, next: KObject, cur: KObject): boolean {
  const old = cur.metadata ?? {};
  if (!old.deletionTimestamp || (next.metadata?.finalizers?.length ?? 0) > 0) return false;
  if (old.deletionGracePeriodSeconds !== undefined && old.deletionGracePeriodSeconds !== 0) return false;
  if (spec.group === '' && spec.kind === 'Namespace') {
    const f = (next.spec as { finalizers?: string[] } | undefined)?.finalizers;
    return !f || f.length === 0;
  }
  return true;
}

/** the same object text, ignoring resourceVersion (a no-op write is not written) */
export const sameObject = (a: KObject, b: KObject): boolean =>
  JSON.stringify({ ...a, metadata: { ...a.metadata, resourceVersion: undefined } }) === JSON.stringify({ ...b, metadata: { ...b.metadata, resourceVersion: undefined } });
