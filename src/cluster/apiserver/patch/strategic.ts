// Strategic merge patch as k8s.io/apimachinery/pkg/util/strategicpatch applies it, driven by the OpenAPI
// schema: lists with x-kubernetes-patch-strategy=merge merge by x-kubernetes-patch-merge-key (containers by
// name, ports by containerPort …) or, for primitives, as a union; directives `$patch: replace|delete|merge`,
// `$retainKeys`, `$setElementOrder/<list>`, `$deleteFromPrimitiveList/<list>`; null deletes a key. Where the
// schema knows nothing (unknown or free-form fields) it behaves as a JSON merge patch.
import type { SchemaNode } from '../openapi/index.ts';
import { badRequestError } from '../../types/status-error.ts';
import { isPlainObject } from './json.ts';

type Obj = Record<string, unknown>;
const setOrderPrefix = '$setElementOrder/';
const deletePrimitivePrefix = '$deleteFromPrimitiveList/';

const fieldNode = (node: SchemaNode | undefined, name: string): SchemaNode | undefined =>
  node?.kind === 'struct' ? node.field(name) : node?.kind === 'map' ? node.values : undefined;

/** A value that the patch adds where nothing was: its directives are dropped (kube's "patch as new"). */
function stripDirectives(value: unknown, node: SchemaNode | undefined): unknown {
  if (Array.isArray(value)) {
    const items = node?.kind === 'list' ? node.items : undefined;
    return value.filter((v) => !(isPlainObject(v) && (v.$patch === 'delete' || v.$patch === 'replace') && Object.keys(v).length <= 2)).map((v) => stripDirectives(v, items));
  }
  if (!isPlainObject(value)) return value;
  const out: Obj = {};
  for (const [k, v] of Object.entries(value)) {
    if (k.startsWith('$')) continue;
    if (v !== null) out[k] = stripDirectives(v, fieldNode(node, k));
  }
  return out;
}

export function strategicMergeMap(original: Obj, patch: Obj, node: SchemaNode | undefined): Obj | undefined {
  const directive = patch.$patch;
  if (directive === 'delete') return undefined;
  if (directive === 'replace') return stripDirectives(patch, node) as Obj;
  if (directive !== undefined && directive !== 'merge') throw badRequestError(`Unknown patch type: ${String(directive)}`);
  let out: Obj = { ...original };
  const retain = patch.$retainKeys;
  if (retain !== undefined) {
    if (!Array.isArray(retain)) throw badRequestError('invalid patch: $retainKeys must be a list of strings');
    out = Object.fromEntries(Object.entries(out).filter(([k]) => retain.includes(k)));
  }
  for (const [key, pv] of Object.entries(patch)) {
    if (key.startsWith(deletePrimitivePrefix)) {
      const field = key.slice(deletePrimitivePrefix.length);
      if (!Array.isArray(pv)) throw badRequestError(`invalid patch: ${key} must be a list`);
      if (Array.isArray(out[field])) out[field] = (out[field] as unknown[]).filter((v) => !pv.some((d) => d === v));
    }
  }
  for (const [key, pv] of Object.entries(patch)) {
    if (key.startsWith('$')) continue;
    const child = fieldNode(node, key);
    if (pv === null) { delete out[key]; continue; }
    const ov = out[key];
    const order = patch[`${setOrderPrefix}${key}`];
    if (isPlainObject(pv) && isPlainObject(ov) && !child?.patchStrategy.includes('replace')) {
      const merged = strategicMergeMap(ov, pv, child);
      if (merged === undefined) delete out[key];
      else out[key] = merged;
    } else if (Array.isArray(pv) && Array.isArray(ov) && child?.kind === 'list' && child.patchStrategy.includes('merge')) {
      out[key] = mergeList(ov, pv, child, Array.isArray(order) ? order : undefined);
    } else if (isPlainObject(pv) && pv.$patch === 'delete') {
      delete out[key];
    } else {
      out[key] = stripDirectives(pv, child);
    }
  }
  for (const [key, order] of Object.entries(patch)) {
    if (!key.startsWith(setOrderPrefix)) continue;
    const field = key.slice(setOrderPrefix.length);
    const list = fieldNode(node, field);
    if (Array.isArray(order) && Array.isArray(out[field]) && !Object.hasOwn(patch, field)) {
      out[field] = reorder(out[field] as unknown[], order, list?.kind === 'list' ? list.mergeKey : undefined);
    }
  }
  return out;
}

const sameItem = (a: unknown, b: unknown, key: string | undefined): boolean =>
  key ? isPlainObject(a) && isPlainObject(b) && a[key] !== undefined && a[key] === b[key] : a === b;

/** $setElementOrder: items it names come in its order; items it does not name keep their place after. */
function reorder(list: unknown[], order: unknown[], key: string | undefined): unknown[] {
  const named: unknown[] = [];
  for (const o of order) {
    const found = list.find((item) => sameItem(item, o, key));
    if (found !== undefined && !named.includes(found)) named.push(found);
  }
  return [...named, ...list.filter((item) => !named.includes(item))];
}

function mergeList(original: unknown[], patch: unknown[], node: SchemaNode & { kind: 'list' }, order: unknown[] | undefined): unknown[] {
  const key = node.mergeKey;
  if (patch.some((p) => isPlainObject(p) && p.$patch === 'replace')) {
    return stripDirectives(patch.filter((p) => !(isPlainObject(p) && p.$patch === 'replace')), node) as unknown[];
  }
  if (!key || node.items.kind === 'scalar') {
    // a merging list of primitives: union, in the patch's order for new values
    const out = [...original];
    for (const p of patch) if (!out.some((o) => o === p)) out.push(p);
    return order ? reorder(out, order, undefined) : out;
  }
  let out = [...original];
  for (const p of patch) {
    if (!isPlainObject(p)) throw badRequestError(`invalid patch: list of maps expected for merging by key "${key}"`);
    if (p[key] === undefined) throw badRequestError(`map: ${JSON.stringify(p)} does not contain declared merge key: ${key}`);
    const at = out.findIndex((o) => sameItem(o, p, key));
    if (p.$patch === 'delete') {
      out = out.filter((o) => !sameItem(o, p, key));
      continue;
    }
    if (at < 0) out.push(stripDirectives(p, node.items));
    else {
      const merged = strategicMergeMap(out[at] as Obj, p, node.items);
      if (merged === undefined) out.splice(at, 1);
      else out[at] = merged;
    }
  }
  return order ? reorder(out, order, key) : out;
}
