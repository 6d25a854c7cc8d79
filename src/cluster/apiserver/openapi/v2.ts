// GET /openapi/v2 as JSON: one Swagger 2.0 document made from the vendored v3 documents (kube-apiserver serves
// both from the same specs): components.schemas become definitions (refs rewritten, kube's allOf-wrapped refs
// unwrapped), each operation's requestBody becomes a `body` parameter and its media types `consumes`, each
// response's schema moves up and its media types become `produces`, parameter schemas flatten into the
// parameter. Built once, at the first request.
import type { DocumentStore } from './store.ts';
import { documentHash } from './store.ts';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** a v3 schema in v2 form: refs to #/definitions, allOf: [{$ref}] → $ref, no `nullable` */
export function toV2Schema(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(toV2Schema);
  if (!isObj(v)) return v;
  const out: Json = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === 'nullable') continue;
    if (k === '$ref' && typeof x === 'string') out.$ref = x.replace('#/components/schemas/', '#/definitions/');
    else out[k] = toV2Schema(x);
  }
  const all = out.allOf;
  if (Array.isArray(all) && all.length === 1 && isObj(all[0]) && typeof all[0].$ref === 'string') {
    delete out.allOf;
    out.$ref = all[0].$ref;
  }
  return out;
}

function toV2Parameter(p: unknown): unknown {
  if (!isObj(p)) return p;
  const { schema, ...rest } = p;
  return { ...rest, ...(isObj(schema) ? (toV2Schema(schema) as Json) : {}) };
}

function toV2Operation(op: Json): Json {
  const { requestBody, responses, parameters, ...rest } = op;
  const out: Json = { ...rest };
  const params = Array.isArray(parameters) ? parameters.map(toV2Parameter) : [];
  if (isObj(requestBody) && isObj(requestBody.content)) {
    const types = Object.keys(requestBody.content);
    const first = requestBody.content[types[0]];
    out.consumes = types;
    params.unshift({ name: 'body', in: 'body', required: requestBody.required ?? false, schema: toV2Schema(isObj(first) ? first.schema : {}) });
  }
  if (params.length) out.parameters = params;
  const produces = new Set<string>();
  const outResponses: Json = {};
  for (const [code, r] of Object.entries(isObj(responses) ? responses : {})) {
    if (!isObj(r)) continue;
    const { content, ...resp } = r;
    const types = isObj(content) ? Object.keys(content) : [];
    for (const t of types) produces.add(t);
    const first = types.length && isObj(content) ? content[types[0]] : undefined;
    outResponses[code] = { ...resp, ...(isObj(first) && first.schema ? { schema: toV2Schema(first.schema) } : {}) };
  }
  if (produces.size) out.produces = [...produces];
  out.schemes = ['https'];
  out.responses = outResponses;
  return out;
}

const methods = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);

/** The Swagger 2.0 document of every vendored group-version */
export function buildV2Document(store: DocumentStore): { json: Buffer; hash: string } {
  const paths: Json = {};
  const definitions: Json = {};
  for (const gv of Object.keys(store.manifest().documents).sort()) {
    const doc = store.parsed(gv);
    if (!doc) continue;
    for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) definitions[name] ??= toV2Schema(schema);
    for (const [path, item] of Object.entries(doc.paths ?? {})) {
      const out: Json = {};
      for (const [k, v] of Object.entries(item)) {
        if (k === 'parameters' && Array.isArray(v)) out.parameters = v.map(toV2Parameter);
        else if (methods.has(k) && isObj(v)) out[k] = toV2Operation(v);
        else out[k] = toV2Schema(v);
      }
      paths[path] = out;
    }
  }
  const json = Buffer.from(JSON.stringify({ swagger: '2.0', info: { title: 'Kubernetes', version: 'unversioned' }, paths, definitions }));
  return { json, hash: documentHash(json) };
}
