// Client-side apply → server-side apply, as kube's field manager does it (lastappliedmanager.go,
// lastappliedupdater.go). An object last written by `kubectl apply` carries the annotation
// kubectl.kubernetes.io/last-applied-configuration and its fields belong to the Update manager
// `kubectl-client-side-apply`. When the manager `kubectl` (what `kubectl apply --server-side` sends) applies
// over it, a conflict on a field the annotation still describes (same value live) is no conflict: the applier
// takes it over, as with --force-conflicts. And while the annotation exists, the server keeps it equal to what
// `kubectl` applied last, so a later client-side apply still computes the right three-way patch. (kubectl then
// moves the old manager's remaining fields to `kubectl` itself: csaupgrade's JSON patch of managedFields.)
import type { KObject } from '../../types/meta.ts';
import type { SchemaNode } from '../openapi/index.ts';
import { fieldsOf, pathSet, valueAt, type PathSet } from './fieldset.ts';
import { isPlainObject } from './json.ts';

export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
/** only this manager's applies upgrade from client-side apply (others opt out by naming another manager) */
export const KUBECTL_APPLY_MANAGER = 'kubectl';

const sortedKeys = (v: unknown): unknown =>
  Array.isArray(v) ? v.map(sortedKeys)
    : isPlainObject(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortedKeys(v[k])])) : v;

/** Go's json.Encoder: keys sorted, <, > and & escaped, U+2028/9 escaped, a newline at the end (as kubectl writes the annotation) */
export function goJson(v: unknown): string {
  return `${JSON.stringify(sortedKeys(v))
    .replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029')}\n`;
}

/** The annotation's value for an applied configuration: the object without the annotation itself. */
export function buildLastApplied(applied: KObject): string {
  const annotations = { ...(applied.metadata?.annotations ?? {}) };
  delete annotations[LAST_APPLIED];
  const { annotations: _drop, ...meta } = applied.metadata ?? {};
  return goJson({ ...applied, metadata: Object.keys(annotations).length ? { ...meta, annotations } : meta });
}

/**
 * The fields a conflict may be taken over on: those the live object's last-applied annotation sets to the
 * value they still have. Undefined when there is no usable annotation (absent, not JSON, another version).
 */
export function allowedFromLastApplied(live: KObject | undefined, node: SchemaNode | undefined): PathSet | undefined {
  const text = live?.metadata?.annotations?.[LAST_APPLIED];
  if (!text) return undefined;
  let last: unknown;
  try {
    last = JSON.parse(text);
  } catch {
    return undefined; // kube: "failed to decode last applied obj" → the conflicts stand
  }
  if (!isPlainObject(last) || last.apiVersion !== live!.apiVersion) return undefined;
  const same = [...fieldsOf(last, node).values()].filter((path) => {
    const was = valueAt(last, path, node);
    const now = valueAt(live, path, node);
    return was.found && now.found && (path[path.length - 1] === '.' || JSON.stringify(sortedKeys(was.value)) === JSON.stringify(sortedKeys(now.value)));
  });
  return pathSet(same);
}
