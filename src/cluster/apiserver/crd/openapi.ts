// /openapi/v3 documents for custom resources, made from the served set's custom specs (their CRD version's
// schema) the way kube's CRD OpenAPI builder shapes them: a `<reversed group>.<version>.<Kind>` schema (and
// its List) with x-kubernetes-group-version-kind, and the resource's paths whose PATCH lists the patch types
// a CR takes (no strategic merge: kubectl then sends a merge patch) and the fieldValidation parameter (kubectl
// then asks the server to validate strictly). The apimachinery schemas come from a vendored document.
import type { OpenApiDocs } from '../openapi/types.ts';
import { documentHash } from '../openapi/store.ts';
import type { ResourceSpec } from '../../types/resource.ts';
import type { ResourceSet } from '../../types/resource-set.ts';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const gvPathOf = (s: Pick<ResourceSpec, 'group' | 'version'>) => `apis/${s.group}/${s.version}`;
const schemaName = (s: ResourceSpec, kind = s.kind) => `${s.group.split('.').reverse().join('.')}.${s.version}.${kind}`;

const param = (name: string, type = 'string', where = 'query', required = false) =>
  ({ name, in: where, ...(required ? { required } : {}), schema: { type, uniqueItems: true } });

function kindSchema(s: ResourceSpec): object {
  const schema = { ...(s.openAPIV3Schema ?? { type: 'object' }) } as Record<string, unknown>;
  const props = { ...(schema.properties as Record<string, unknown> | undefined) };
  props.apiVersion = { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources' };
  props.kind = { type: 'string', description: 'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds' };
  props.metadata = { allOf: [ref(`${META}.ObjectMeta`)], description: "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata" };
  return { ...schema, type: 'object', properties: props, 'x-kubernetes-group-version-kind': [{ group: s.group, version: s.version, kind: s.kind }] };
}

function listSchema(s: ResourceSpec): object {
  return {
    type: 'object', required: ['items'],
    description: `${s.kind}List is a list of ${s.kind}`,
    properties: {
      apiVersion: { type: 'string' }, kind: { type: 'string' },
      items: { type: 'array', items: ref(schemaName(s)) },
      metadata: { allOf: [ref(`${META}.ListMeta`)] },
    },
    'x-kubernetes-group-version-kind': [{ group: s.group, version: s.version, kind: s.listKind }],
  };
}

function operations(s: ResourceSpec, item: boolean, sub?: string): Record<string, unknown> {
  const gvk = { group: s.group, version: s.version, kind: sub === 'scale' ? 'Scale' : s.kind };
  const body = sub === 'scale' ? { type: 'object' } : ref(schemaName(s));
  const json = (schema: object) => ({ 'application/json': { schema }, 'application/yaml': { schema } });
  const op = (action: string, extra: object = {}) => ({
    operationId: `${action}${s.kind}${sub ?? ''}`, 'x-kubernetes-action': action, 'x-kubernetes-group-version-kind': gvk,
    responses: { 200: { description: 'OK', content: json(body) } }, ...extra,
  });
  const write = [param('dryRun'), param('fieldManager'), param('fieldValidation')];
  if (!item) {
    return {
      get: op('list', { parameters: [param('labelSelector'), param('fieldSelector'), param('limit', 'integer'), param('continue'), param('resourceVersion'), param('watch', 'boolean')], responses: { 200: { description: 'OK', content: json(ref(schemaName(s, s.listKind))) } } }),
      post: op('post', { parameters: write, requestBody: { content: json(body) } }),
      delete: op('deletecollection'),
    };
  }
  const patchTypes = ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml'];
  return {
    get: op('get'),
    put: op('put', { parameters: write, requestBody: { content: json(body) } }),
    patch: op('patch', { parameters: [...write, param('force', 'boolean')], requestBody: { content: Object.fromEntries(patchTypes.map((t) => [t, { schema: ref(`${META}.Patch`) }])) } }),
    ...(sub ? {} : { delete: op('delete') }),
  };
}

function document(specs: ResourceSpec[], meta: Record<string, unknown>): object {
  const paths: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = { ...meta };
  for (const s of specs) {
    const base = `/apis/${s.group}/${s.version}${s.namespaced ? '/namespaces/{namespace}' : ''}/${s.resource}`;
    const scope = s.namespaced ? [param('namespace', 'string', 'path', true)] : [];
    paths[base] = { parameters: scope, ...operations(s, false) };
    paths[`${base}/{name}`] = { parameters: [param('name', 'string', 'path', true), ...scope], ...operations(s, true) };
    for (const sub of s.subresources) paths[`${base}/{name}/${sub}`] = { parameters: [param('name', 'string', 'path', true), ...scope], ...operations(s, true, sub) };
    schemas[schemaName(s)] = kindSchema(s);
    schemas[schemaName(s, s.listKind)] = listSchema(s);
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes CRD Swagger', version: 'v0.1.0' }, paths, components: { schemas } };
}

/**
 * The vendored documents plus one per custom group-version of the served set, rebuilt when the set changes
 * (the root lists each with its hash, so kubectl re-reads a changed one).
 */
export function withCustomResources(base: OpenApiDocs, set: ResourceSet): OpenApiDocs {
  let built: { gen: number; docs: Map<string, { json: Buffer; hash: string }>; root?: object } | undefined;
  let meta: Record<string, unknown> | undefined;
  const metaSchemas = () => {
    if (meta) return meta;
    const doc = base.v3Document('apis/apiextensions.k8s.io/v1');
    const all = doc ? (JSON.parse(doc.json.toString('utf8')) as { components: { schemas: Record<string, unknown> } }).components.schemas : {};
    meta = Object.fromEntries(Object.entries(all).filter(([k]) => k.startsWith('io.k8s.apimachinery.')));
    return meta;
  };
  const current = () => {
    if (built?.gen === set.generation()) return built;
    const byGV = new Map<string, ResourceSpec[]>();
    for (const s of set.list()) if (s.custom) byGV.set(gvPathOf(s), [...(byGV.get(gvPathOf(s)) ?? []), s]);
    const docs = new Map<string, { json: Buffer; hash: string }>();
    for (const [gv, specs] of byGV) {
      const json = Buffer.from(JSON.stringify(document(specs, metaSchemas())));
      docs.set(gv, { json, hash: documentHash(json) });
    }
    built = { gen: set.generation(), docs };
    return built;
  };
  return {
    v3Root() {
      const b = current();
      b.root ??= { paths: { ...(base.v3Root() as { paths: object }).paths, ...Object.fromEntries([...b.docs].map(([gv, d]) => [gv, { serverRelativeURL: `/openapi/v3/${gv}?hash=${d.hash}` }])) } };
      return b.root;
    },
    v3Document(path) {
      const gv = path.replace(/^\/+|\/+$/g, '');
      return base.v3Document(gv) ?? current().docs.get(gv);
    },
    v2Document: () => base.v2Document(),
  };
}
