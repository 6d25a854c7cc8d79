// update and patch: read the current object, build the next one (the request's, or the patch applied to the
// current), admit it, and compare-and-swap on the revision read. A request that named a resourceVersion gets
// 409 when it is stale; one that did not (a patch, an unconditional update) is retried on a lost race.
import { parse as parseYaml } from 'yaml';
import type { PatchType } from '../../client/types.ts';
import { StoreError } from '../../store/types.ts';
import type { KObject } from '../../types/meta.ts';
import type { ResourceSpec } from '../../types/resource.ts';
import { badRequestError, conflictError, isStatusError } from '../../types/status-error.ts';
import type { RestContext } from './context.ts';
import { admit, validateAdmission } from '../admission/index.ts';
import { checkUnknownFields, prepareUpdate, sameObject, shouldDeleteOnUpdate, validateUpdate, type RestWriteOptions } from './admission.ts';
import { createObject, isService } from './create.ts';
import { encodeAs, keyOf, metaOf, storeFailure } from './keys.ts';
import { readObject } from './list.ts';

const ATTEMPTS = 20;

/** The last step of every update: admission of `next` over `cur` and the write. Throws StoreError 'conflict' for a retry. */
export async function writeUpdate(ctx: RestContext, spec: ResourceSpec, cur: KObject, rev: number, input: KObject, opts: RestWriteOptions, applied = false): Promise<KObject> {
  const next = prepareUpdate(spec, cur, input, opts.subresource, ctx.now());
  if (opts.subresource !== 'status') spec.defaults(next);
  const name = cur.metadata!.name!;
  const review = { operation: 'UPDATE' as const, spec, subresource: opts.subresource, namespace: cur.metadata?.namespace, name, object: next, oldObject: cur, user: opts.user, dryRun: opts.dryRun === true };
  await admit(ctx.admission, review);
  const key = keyOf(spec, cur.metadata?.namespace, name);
  // as the Service registry's BeginUpdate: allocated values the request left out are kept, before validation
  const reservation = isService(spec) && opts.subresource === undefined ? ctx.allocators.reserve(next, cur) : undefined;
  try {
    validateUpdate(spec, next, cur, opts.subresource);
    await validateAdmission(ctx.admission, review);
    if (sameObject(next, cur)) { // nothing changed: no write, the resourceVersion stays
      reservation?.rollback();
      return next;
    }
    if (shouldDeleteOnUpdate(spec, next, cur)) {
      reservation?.rollback();
      if (opts.dryRun) return next;
      await ctx.store.delete(key, rev);
      if (isService(spec)) ctx.allocators.release(cur);
      return next;
    }
    if (!applied) ctx.patcher.trackUpdate(spec, cur, next, opts.fieldManager ?? 'unknown', ctx.now(), opts.subresource);
    if (opts.dryRun) {
      reservation?.rollback();
      return next;
    }
    const kv = await ctx.store.update(key, encodeAs(spec, next), rev);
    metaOf(next).resourceVersion = String(kv.modRevision);
    reservation?.commit();
    return next;
  } catch (err) {
    reservation?.rollback();
    throw err;
  }
}

/** Runs one read-modify-write, again after a lost race unless the caller pinned a resourceVersion. */
export async function retryOnConflict<T>(spec: ResourceSpec, name: string, pinned: () => boolean, attempt: () => Promise<T>): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      if (err instanceof StoreError && err.code === 'conflict') {
        if (pinned() || i >= ATTEMPTS) throw conflictError(spec, name);
        continue;
      }
      if (err instanceof StoreError && err.code === 'notFound') throw storeFailure(err, spec, name);
      throw storeFailure(err, spec, name);
    }
  }
}

export async function updateObject(ctx: RestContext, spec: ResourceSpec, namespace: string | undefined, input: KObject, opts: RestWriteOptions): Promise<KObject> {
  const name = input.metadata?.name;
  if (!name) throw badRequestError('name is required for an update');
  if (spec.namespaced && namespace && input.metadata?.namespace && input.metadata.namespace !== namespace) {
    throw badRequestError('the namespace of the provided object does not match the namespace sent on the request');
  }
  checkUnknownFields(ctx, spec, input, opts);
  const wanted = input.metadata?.resourceVersion;
  return retryOnConflict(spec, name, () => !!wanted, async () => {
    const { obj: cur, rev } = await readObject(ctx, spec, namespace, name);
    if (wanted && wanted !== String(rev)) throw conflictError(spec, name);
    return writeUpdate(ctx, spec, cur, rev, input, opts);
  });
}

/** The patch body as an object (apply bodies may be YAML). */
export function decodePatch(type: PatchType, body: string | object): unknown {
  if (typeof body !== 'string') return body;
  try {
    return type === 'apply' ? parseYaml(body) : JSON.parse(body);
  } catch (err) {
    throw badRequestError(`error decoding patch: ${(err as Error).message}`);
  }
}

/** Does the patch itself name a resourceVersion (then it is a precondition, never retried)? */
function pinsVersion(type: PatchType, decoded: unknown): boolean {
  if (type === 'json') return Array.isArray(decoded) && decoded.some((op) => (op as { path?: string })?.path === '/metadata/resourceVersion');
  return typeof (decoded as KObject | null)?.metadata?.resourceVersion === 'string';
}

export async function patchObject(ctx: RestContext, spec: ResourceSpec, namespace: string | undefined, name: string, type: PatchType, body: string | object, opts: RestWriteOptions & { force?: boolean }): Promise<KObject> {
  const decoded = decodePatch(type, body);
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const pinned = pinsVersion(type, decoded);
  const manager = opts.fieldManager ?? (type === 'apply' ? '' : 'unknown');
  if (type === 'apply' && !manager) throw badRequestError('PATCH, application/apply-patch+yaml requires fieldManager to be set');
  return retryOnConflict(spec, name, () => pinned, async () => {
    let current: { obj: KObject; rev: number } | undefined;
    try {
      current = await readObject(ctx, spec, namespace, name);
    } catch (err) {
      if (!(type === 'apply' && !opts.subresource && isStatusError(err, 'NotFound'))) throw err;
    }
    if (type === 'apply') {
      const applied = decoded as KObject;
      if (!applied || typeof applied !== 'object' || Array.isArray(applied)) throw badRequestError('error decoding YAML: the applied configuration must be an object');
      const appliedName = applied.metadata?.name;
      if (appliedName && appliedName !== name) throw badRequestError(`the name of the object (${appliedName}) does not match the name on the URL (${name})`);
      if (!current) {
        const created = ctx.patcher.apply(spec, undefined, { ...applied, metadata: { ...applied.metadata, name } }, manager, opts.force ?? false, ctx.now());
        return createObject(ctx, spec, namespace, created, { ...opts, fieldManager: manager }, true);
      }
      const merged = ctx.patcher.apply(spec, current.obj, applied, manager, opts.force ?? false, ctx.now(), opts.subresource);
      checkUnknownFields(ctx, spec, merged, opts);
      if (pinned && merged.metadata?.resourceVersion !== String(current.rev)) throw conflictError(spec, name);
      return writeUpdate(ctx, spec, current.obj, current.rev, merged, { ...opts, fieldManager: manager }, true);
    }
    const { obj: cur, rev } = current!;
    const patched = ctx.patcher.patch(spec, cur, type, text);
    checkUnknownFields(ctx, spec, patched, opts);
    if (pinned && patched.metadata?.resourceVersion !== String(rev)) throw conflictError(spec, name);
    return writeUpdate(ctx, spec, cur, rev, patched, { ...opts, fieldManager: manager });
  });
}
