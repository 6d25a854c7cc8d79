// Small shared pieces of the REST layer: where an object lives in the Store, how a stored value becomes an
// object, timestamps, generated names, continue tokens, and the one place StoreErrors become StatusErrors.
import { randomInt } from 'node:crypto';
import type { KeyValue } from '../../store/types.ts';
import { StoreError } from '../../store/types.ts';
import type { KObject, ObjectMeta } from '../../types/meta.ts';
import type { ResourceSpec } from '../../types/resource.ts';
import { StatusError, alreadyExistsError, badRequestError, conflictError, goneError, internalError, notFoundError, unavailableError } from '../../types/status-error.ts';

/** ObjectMeta as kubernetes-types declares it is read-only; the API server is the one that writes it */
export type Meta = { -readonly [K in keyof ObjectMeta]: ObjectMeta[K] };
export const metaOf = (obj: KObject): Meta => (obj.metadata ??= {}) as Meta;

/** `/registry/<group or core>/<resource>/` */
export const prefixOf = (spec: Pick<ResourceSpec, 'group' | 'resource'>): string => `/registry/${spec.group || 'core'}/${spec.resource}/`;

/** the prefix of one namespace's objects (or of every object when namespace is undefined or the kind is cluster-scoped) */
export const listPrefixOf = (spec: ResourceSpec, namespace: string | undefined): string =>
  spec.namespaced && namespace ? `${prefixOf(spec)}${namespace}/` : prefixOf(spec);

export const keyOf = (spec: ResourceSpec, namespace: string | undefined, name: string): string =>
  spec.namespaced ? `${prefixOf(spec)}${namespace ?? ''}/${name}` : `${prefixOf(spec)}${name}`;

/** The object of a stored value: JSON with resourceVersion = the revision that wrote it (not stored in the value). */
export function decode(kv: Pick<KeyValue, 'value' | 'modRevision'>): KObject {
  const obj = JSON.parse(kv.value) as KObject;
  metaOf(obj).resourceVersion = String(kv.modRevision);
  return obj;
}

/** A stored object as `spec`'s version serves it (converted from the stored version when spec is another version). */
export function asServed(spec: Pick<ResourceSpec, 'conversion' | 'custom' | 'group' | 'version'>, stored: KObject): KObject {
  if (!spec.conversion) {
    // a custom object written before its CRD's storage version moved is still of the old version (conversion None)
    if (spec.custom) stored.apiVersion = `${spec.group}/${spec.version}`;
    return stored;
  }
  const rv = stored.metadata?.resourceVersion;
  const out = spec.conversion.fromStorage(stored);
  if (rv !== undefined) metaOf(out).resourceVersion = rv;
  return out;
}

/** The stored value of a stored key, read as `spec`'s version */
export const decodeAs = (spec: Pick<ResourceSpec, 'conversion' | 'custom' | 'group' | 'version'>, kv: Pick<KeyValue, 'value' | 'modRevision'>): KObject => asServed(spec, decode(kv));

/** The stored text of an object of `spec`'s version (converted to the stored version first). */
export const encodeAs = (spec: Pick<ResourceSpec, 'conversion'>, obj: KObject): string => encode(spec.conversion ? spec.conversion.toStorage(obj) : obj);

/** The stored text: the object without resourceVersion (the store's revision stands for it). */
export function encode(obj: KObject): string {
  const meta = obj.metadata as Meta | undefined;
  const rv = meta?.resourceVersion;
  if (rv === undefined) return JSON.stringify(obj);
  delete meta!.resourceVersion;
  try {
    return JSON.stringify(obj);
  } finally {
    meta!.resourceVersion = rv;
  }
}

/** RFC 3339 with seconds, as metav1.Time serialises */
export const timestamp = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

const nameChars = 'bcdfghjklmnpqrstvwxz2456789';
/** generateName's 5-character suffix (apimachinery's names.SimpleNameGenerator alphabet) */
export const randomSuffix = (): string => Array.from({ length: 5 }, () => nameChars[randomInt(nameChars.length)]).join('');

/** The continue token: opaque to clients; like Kubernetes it holds the list's revision and the last key returned. */
export function encodeContinue(revision: number, lastKey: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: revision, start: lastKey })).toString('base64url');
}

export function decodeContinue(token: string): { revision: number; after: string } {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString()) as { v?: string; rv?: number; start?: string };
    if (t.v === 'meta.k8s.io/v1' && Number.isInteger(t.rv) && typeof t.start === 'string') return { revision: t.rv!, after: t.start };
  } catch { /* falls through to the error */ }
  throw badRequestError('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
}

export const expiredContinueMessage =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

/** The one place a Store failure becomes an API error. */
export function storeFailure(err: unknown, spec: Pick<ResourceSpec, 'group' | 'resource'>, name: string): StatusError {
  if (err instanceof StatusError) return err;
  if (err instanceof StoreError) {
    switch (err.code) {
      case 'notFound': return notFoundError(spec, name);
      case 'exists': return alreadyExistsError(spec, name);
      case 'conflict': return conflictError(spec, name);
      case 'compacted': return goneError(`too old resource version: ${err.compactRevision ?? 0}`);
      case 'unavailable': return unavailableError(`storage is unavailable: ${err.message}`);
    }
  }
  return internalError((err as Error)?.message ?? String(err), err);
}

/** Parses a resourceVersion parameter: '' → undefined; a non-number → 400 as kube-apiserver words it. */
export function parseResourceVersion(rv: string | undefined): number | undefined {
  if (rv === undefined || rv === '') return undefined;
  const n = Number(rv);
  if (!Number.isSafeInteger(n) || n < 0) throw badRequestError(`invalid resource version: ${rv}`);
  return n;
}

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
