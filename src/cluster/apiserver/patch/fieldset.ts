// Field sets in managedFields' FieldsV1 form, as structured-merge-diff builds them: `f:<field>` for a struct
// field or map key, `k:{"name":"web"}` for an item of a list-type=map list (keys sorted, defaults filled),
// `v:"x"` for an item of a set, `.` for an item itself. A set is kept as its member paths (root-to-leaf PE
// lists), which makes union/difference plain set operations; fromPaths turns it back into FieldsV1 JSON.
import type { ListNode, SchemaNode } from '../openapi/index.ts';
import { isPlainObject } from './json.ts';

export type FieldsV1 = { [pathElement: string]: FieldsV1 };
export type FieldPath = readonly string[];
export type PathSet = Map<string, FieldPath>;

/** a path's key in a PathSet */
export const pathKey = (p: FieldPath): string => p.join('\u0000');
const keyOf = pathKey;
export const pathSet = (paths: Iterable<FieldPath> = []): PathSet => new Map([...paths].map((p) => [keyOf(p), p]));
export const union = (a: PathSet, b: PathSet): PathSet => new Map([...a, ...b]);
export const difference = (a: PathSet, b: PathSet): PathSet => new Map([...a].filter(([k]) => !b.has(k)));
export const intersection = (a: PathSet, b: PathSet): PathSet => new Map([...a].filter(([k]) => b.has(k)));

export const fieldNode = (node: SchemaNode | undefined, name: string): SchemaNode | undefined =>
  node?.kind === 'struct' ? node.field(name) : node?.kind === 'map' ? node.values : undefined;

/** The key fields of a list-map item (missing ones from the schema's default, as SMD fills them). */
export function itemKey(item: Record<string, unknown>, list: ListNode): Record<string, unknown> | undefined {
  const key: Record<string, unknown> = {};
  for (const k of [...list.mapKeys].sort()) {
    const v = item[k] ?? fieldNode(list.items, k)?.defaultValue;
    if (v !== undefined) key[k] = v;
  }
  return Object.keys(key).length ? key : undefined;
}
export const keyElement = (key: Record<string, unknown>): string => `k:${JSON.stringify(key)}`;
export const valueElement = (v: unknown): string => `v:${JSON.stringify(v)}`;

/** Is this value owned as a whole (a leaf) rather than through its children? */
function isLeaf(value: unknown, node: SchemaNode | undefined): boolean {
  if (node?.kind === 'struct' || node?.kind === 'map') return node.atomic || !isPlainObject(value) || Object.keys(value).length === 0;
  if (node?.kind === 'list') return node.listType === 'atomic' || !Array.isArray(value) || value.length === 0;
  if (node === undefined) return !isPlainObject(value) || Object.keys(value).length === 0;
  return true;
}

/** Every member path of `value` (a struct or map's content) under `prefix`. */
export function collectPaths(value: unknown, node: SchemaNode | undefined, prefix: FieldPath, out: FieldPath[]): void {
  if (isPlainObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (v === null || v === undefined) continue;
      const child = node === undefined ? undefined : fieldNode(node, k);
      const path = [...prefix, `f:${k}`];
      if (isLeaf(v, child)) out.push(path);
      else if (child?.kind === 'list') collectListPaths(v as unknown[], child, path, out);
      else collectPaths(v, child, path, out);
    }
  }
}

function collectListPaths(list: unknown[], node: ListNode, prefix: FieldPath, out: FieldPath[]): void {
  for (const item of list) {
    if (node.listType === 'set') out.push([...prefix, valueElement(item)]);
    else if (isPlainObject(item)) {
      const key = itemKey(item, node);
      if (!key) continue;
      const path = [...prefix, keyElement(key)];
      out.push([...path, '.']);
      collectPaths(item, node.items, path, out);
    }
  }
}

// managedFields never track these (k8s.io/apiserver fieldmanager stripmeta)
const strippedMeta = new Set(['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion']);
export const isStripped = (p: FieldPath): boolean =>
  p[0] === 'f:apiVersion' || p[0] === 'f:kind' || (p[0] === 'f:metadata' && (p.length === 1 || strippedMeta.has(p[1].slice(2))));

/** The fields an object sets, minus those managedFields never record. */
export function fieldsOf(obj: Record<string, unknown>, node: SchemaNode | undefined): PathSet {
  const out: FieldPath[] = [];
  collectPaths(obj, node, [], out);
  return pathSet(out.filter((p) => !isStripped(p)));
}

export function toFieldsV1(set: PathSet): FieldsV1 {
  const root: FieldsV1 = {};
  for (const path of set.values()) {
    let at = root;
    for (const pe of path) at = at[pe] ??= {};
  }
  return root;
}

export function fromFieldsV1(fields: unknown): PathSet {
  const out: FieldPath[] = [];
  const walk = (node: unknown, prefix: string[]) => {
    const entries = isPlainObject(node) ? Object.entries(node) : [];
    if (entries.length === 0 && prefix.length) out.push(prefix);
    for (const [pe, child] of entries) walk(child, [...prefix, pe]);
  };
  walk(fields, []);
  return pathSet(out);
}

/** As SMD prints a path in conflicts: `.spec.replicas`, `.spec.containers[name="web"].image`, `[="x"]`. */
export function formatPath(path: FieldPath): string {
  return path.filter((pe) => pe !== '.').map((pe) => {
    const body = pe.slice(2);
    if (pe.startsWith('f:')) return `.${body}`;
    if (pe.startsWith('v:')) return `[=${body}]`;
    if (pe.startsWith('i:')) return `[${body}]`;
    const key = JSON.parse(body) as Record<string, unknown>;
    return `[${Object.entries(key).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`;
  }).join('');
}

export type Found = { found: true; value: unknown; parent?: unknown; at?: string | number } | { found: false };

/** The value a member path names in an object. */
export function valueAt(obj: unknown, path: FieldPath, node: SchemaNode | undefined): Found {
  let cur: unknown = obj;
  let n = node;
  let parent: unknown;
  let at: string | number | undefined;
  for (const pe of path) {
    if (pe === '.') continue;
    const body = pe.slice(2);
    if (pe.startsWith('f:')) {
      if (!isPlainObject(cur) || !Object.hasOwn(cur, body) || cur[body] === null) return { found: false };
      parent = cur; at = body; cur = cur[body]; n = fieldNode(n, body);
    } else if (Array.isArray(cur) && n?.kind === 'list') {
      const list = n;
      const want = JSON.parse(body) as unknown;
      const idx = pe.startsWith('v:') ? cur.findIndex((v) => JSON.stringify(v) === JSON.stringify(want))
        : cur.findIndex((v) => isPlainObject(v) && JSON.stringify(itemKey(v, list)) === JSON.stringify(want));
      if (idx < 0) return { found: false };
      parent = cur; at = idx; cur = cur[idx]; n = list.items;
    } else return { found: false };
  }
  return { found: true, value: cur, parent, at };
}

/** Remove what a member path names (a field, a map key, a list item), in place. */
export function removeAt(obj: unknown, path: FieldPath, node: SchemaNode | undefined): void {
  const target = path[path.length - 1] === '.' ? path.slice(0, -1) : path;
  const found = valueAt(obj, target, node);
  if (!found.found || found.at === undefined) return;
  if (Array.isArray(found.parent)) found.parent.splice(found.at as number, 1);
  else if (isPlainObject(found.parent)) delete found.parent[found.at as string];
}
