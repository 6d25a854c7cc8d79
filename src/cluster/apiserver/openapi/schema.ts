// A schema index over the OpenAPI v3 documents: for a kind (x-kubernetes-group-version-kind), a tree of
// resolved nodes that strategic merge patch, server-side apply and strict field validation walk. Each node
// says what a value at that place is (struct, map, list with its list type / merge key, scalar, or
// anything) with $ref and allOf already followed. Nodes are built lazily and cached per schema object.
import type { OpenApiDocs } from './types.ts';
import type { OpenApiV3Document, SchemaObject } from './store.ts';

export type SchemaNode = StructNode | MapNode | ListNode | ScalarNode | AnyNode;

interface NodeBase {
  /** x-kubernetes-patch-strategy split on ',' (merge, retainKeys, replace) */
  patchStrategy: string[];
  /** the `default` the schema gives (list-map key fields default from it, as structured-merge-diff does) */
  defaultValue?: unknown;
}
export interface StructNode extends NodeBase {
  kind: 'struct';
  /** x-kubernetes-map-type: atomic structs are owned and replaced as a whole by apply */
  atomic: boolean;
  fieldNames: readonly string[];
  field(name: string): SchemaNode | undefined;
}
export interface MapNode extends NodeBase {
  kind: 'map';
  atomic: boolean;
  values: SchemaNode;
}
export interface ListNode extends NodeBase {
  kind: 'list';
  listType: 'atomic' | 'set' | 'map';
  /** x-kubernetes-list-map-keys (list-type map) */
  mapKeys: readonly string[];
  /** x-kubernetes-patch-merge-key (strategic merge patch) */
  mergeKey?: string;
  items: SchemaNode;
}
export interface ScalarNode extends NodeBase {
  kind: 'scalar';
  type: 'string' | 'integer' | 'number' | 'boolean' | 'int-or-string' | 'quantity';
}
/** RawExtension, FieldsV1, x-kubernetes-preserve-unknown-fields, untyped: anything goes, owned atomically. */
export interface AnyNode extends NodeBase {
  kind: 'any';
}

export interface SchemaIndex {
  /** The schema of a kind, undefined when no vendored document has it. */
  kindSchema(gvk: { group: string; version: string; kind: string }): SchemaNode | undefined;
}

const anyNode: AnyNode = { kind: 'any', patchStrategy: [] };

function nodeBuilder(schemas: Record<string, SchemaObject>) {
  const cache = new WeakMap<SchemaObject, SchemaNode>();
  const deref = (s: SchemaObject): SchemaObject => {
    if (s.$ref) return schemas[s.$ref.replace('#/components/schemas/', '')] ?? {};
    if (s.allOf?.length === 1) return deref(s.allOf[0]);
    return s;
  };
  const build = (outer: SchemaObject): SchemaNode => {
    const cached = cache.get(outer);
    if (cached) return cached;
    const s = deref(outer);
    const base: NodeBase = {
      patchStrategy: (outer['x-kubernetes-patch-strategy'] ?? s['x-kubernetes-patch-strategy'] ?? '').split(',').filter(Boolean),
      defaultValue: outer.default ?? s.default,
    };
    let node: SchemaNode;
    if (s['x-kubernetes-preserve-unknown-fields'] || s['x-kubernetes-embedded-resource']) node = { ...anyNode, ...base };
    else if (s['x-kubernetes-int-or-string'] || s.format === 'int-or-string') node = { kind: 'scalar', type: 'int-or-string', ...base };
    else if (s.oneOf) node = { kind: 'scalar', type: 'quantity', ...base };
    else if (s.type === 'array') {
      const lt = outer['x-kubernetes-list-type'] ?? s['x-kubernetes-list-type'];
      const keys = outer['x-kubernetes-list-map-keys'] ?? s['x-kubernetes-list-map-keys'] ?? [];
      node = {
        kind: 'list', ...base,
        listType: lt === 'map' && keys.length ? 'map' : lt === 'set' ? 'set' : 'atomic',
        mapKeys: keys,
        mergeKey: outer['x-kubernetes-patch-merge-key'] ?? s['x-kubernetes-patch-merge-key'],
        items: s.items ? build(s.items) : anyNode,
      };
    } else if (s.properties) {
      const props = s.properties;
      const fieldCache = new Map<string, SchemaNode>();
      node = {
        kind: 'struct', ...base,
        atomic: (outer['x-kubernetes-map-type'] ?? s['x-kubernetes-map-type']) === 'atomic',
        fieldNames: Object.keys(props),
        field(name) {
          if (!Object.hasOwn(props, name)) return undefined;
          let f = fieldCache.get(name);
          if (!f) fieldCache.set(name, (f = build(props[name])));
          return f;
        },
      };
    } else if (s.type === 'object' && s.additionalProperties && typeof s.additionalProperties === 'object') {
      const values = s.additionalProperties;
      let v: SchemaNode | undefined;
      node = {
        kind: 'map', ...base,
        atomic: (outer['x-kubernetes-map-type'] ?? s['x-kubernetes-map-type']) === 'atomic',
        get values() { return (v ??= build(values)); },
      };
    } else if (s.type === 'string' || s.type === 'integer' || s.type === 'number' || s.type === 'boolean') node = { kind: 'scalar', type: s.type, ...base };
    else node = { ...anyNode, ...base };
    cache.set(outer, node);
    return node;
  };
  return build;
}

const gvPathOf = (g: { group: string; version: string }) => (g.group ? `apis/${g.group}/${g.version}` : `api/${g.version}`);

export function createSchemaIndex(docs: OpenApiDocs): SchemaIndex {
  // keyed by the document's hash too: a custom resource's document changes with its CRD
  const perGroupVersion = new Map<string, { hash?: string; kinds: Map<string, SchemaNode> | undefined }>();
  const load = (gvPath: string) => {
    const doc = docs.v3Document(gvPath);
    const seen = perGroupVersion.get(gvPath);
    if (seen && seen.hash === doc?.hash) return seen.kinds;
    const bytes = doc?.json;
    let kinds: Map<string, SchemaNode> | undefined;
    if (bytes) {
      const doc = JSON.parse(bytes.toString('utf8')) as OpenApiV3Document;
      const build = nodeBuilder(doc.components.schemas);
      kinds = new Map();
      for (const schema of Object.values(doc.components.schemas)) {
        for (const gvk of schema['x-kubernetes-group-version-kind'] ?? []) {
          if (gvPathOf(gvk) === gvPath) kinds.set(gvk.kind, build(schema));
        }
      }
    }
    perGroupVersion.set(gvPath, { hash: doc?.hash, kinds });
    return kinds;
  };
  return { kindSchema: (gvk) => load(gvPathOf(gvk))?.get(gvk.kind) };
}
