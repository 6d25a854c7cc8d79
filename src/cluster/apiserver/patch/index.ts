// Front door of the patch room: createPatcher(docs) gives the REST layer JSON patch, merge patch, strategic
// merge patch, server-side apply with managedFields, update tracking and unknown-field detection, all
// driven by the kinds' schemas in the vendored OpenAPI documents.
import type { OpenApiDocs } from '../openapi/index.ts';
import { createSchemaIndex } from '../openapi/index.ts';
import type { KObject } from '../../types/meta.ts';
import type { ResourceSpec } from '../../types/resource.ts';
import { badRequestError } from '../../types/status-error.ts';
import type { Patcher } from './types.ts';
import { applyJsonPatch, applyMergePatch, isPlainObject, parseJsonBody } from './json.ts';
import { strategicMergeMap } from './strategic.ts';
import { serverSideApply, trackUpdate } from './apply.ts';
import { findUnknownFields } from './unknown.ts';
import { cloneJson } from '../../types/clone.ts';

export type { Patcher } from './types.ts';
export { fieldsOf, toFieldsV1, fromFieldsV1, formatPath, type FieldsV1 } from './fieldset.ts';

export function createPatcher(docs: OpenApiDocs): Patcher {
  const index = createSchemaIndex(docs);
  const schemaOf = (spec: ResourceSpec) => index.kindSchema(spec);
  return {
    patch(spec, current, type, body) {
      if (type === 'json') return applyJsonPatch(current, body);
      if (type === 'merge') return applyMergePatch(current, body);
      const patch = parseJsonBody(body);
      if (!isPlainObject(patch)) throw badRequestError('error decoding patch: json: cannot unmarshal into Go value of type map[string]interface {}');
      const out = strategicMergeMap(cloneJson(current) as Record<string, unknown>, patch, schemaOf(spec));
      if (out === undefined) throw badRequestError('a strategic merge patch may not delete the whole object');
      return out as KObject;
    },
    apply: (spec, current, applied, manager, force, now, subresource) =>
      serverSideApply(spec, schemaOf(spec), current, applied, manager, force, now, subresource),
    trackUpdate: (spec, old, updated, manager, now, subresource) => trackUpdate(spec, schemaOf(spec), old, updated, manager, now, subresource),
    unknownFields(spec, obj) {
      const out: string[] = [];
      findUnknownFields(obj, schemaOf(spec), '', out);
      return out;
    },
  };
}
