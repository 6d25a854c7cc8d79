// JSON patch (RFC 6902) and JSON merge patch (RFC 7386), failing as kube-apiserver's patch handler does: a
// body that does not decode → 400 BadRequest; an operation that does not apply (a failed `test`, a missing
// path) → 422 "the server rejected our request due to an error in our request" with the cause
// worded as evanphx/json-patch words it.
import jsonpatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import type { KObject } from '../../types/meta.ts';
import { StatusError, badRequestError } from '../../types/status-error.ts';
import { cloneJson } from '../../types/clone.ts';

export const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseJsonBody(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch (err) {
    throw badRequestError(`error decoding patch: ${(err as Error).message}`);
  }
}

/** kube's NewGenericServerResponse(422, …): a fixed message, the library's words as the cause. */
export const patchNotApplicable = (detail: string): StatusError =>
  new StatusError({
    code: 422, reason: 'Invalid', message: 'the server rejected our request due to an error in our request',
    details: { causes: [{ reason: 'UnexpectedServerResponse', message: detail }] },
  });

function describeFailure(op: Operation, name: string): string {
  switch (name) {
    case 'TEST_OPERATION_FAILED': return `testing value ${op.path} failed: test failed`;
    case 'OPERATION_PATH_UNRESOLVABLE':
      return op.op === 'remove' ? `error in remove for path: '${op.path}': Unable to remove nonexistent key: ${op.path.split('/').pop()}: missing value`
        : op.op === 'replace' ? `replace operation does not apply: doc is missing key: ${op.path}: missing value`
        : `${op.op} operation does not apply: doc is missing path: "${op.path}": missing value`;
    case 'OPERATION_FROM_UNRESOLVABLE': return `${op.op} operation does not apply: doc is missing from path: ${'from' in op ? op.from : ''}: missing value`;
    case 'OPERATION_PATH_ILLEGAL_ARRAY_INDEX':
    case 'OPERATION_VALUE_OUT_OF_BOUNDS': return `${op.op} operation does not apply: index out of bounds: ${op.path}`;
    default: return `${op.op} operation does not apply: ${name.toLowerCase().replaceAll('_', ' ')}: ${op.path}`;
  }
}

export function applyJsonPatch(current: KObject, body: string): KObject {
  const ops = parseJsonBody(body);
  if (!Array.isArray(ops)) throw badRequestError('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  for (const op of ops) {
    if (!isPlainObject(op) || typeof op.op !== 'string') throw badRequestError('Unexpected kind: <nil>');
    if (!['add', 'remove', 'replace', 'move', 'copy', 'test'].includes(op.op)) throw patchNotApplicable(`Unexpected kind: ${op.op}`);
    if (typeof op.path !== 'string') throw patchNotApplicable(`${op.op} operation does not apply: doc is missing path: "": missing value`);
  }
  const doc = cloneJson(current);
  let i = 0;
  try {
    for (i = 0; i < ops.length; i++) jsonpatch.applyOperation(doc, ops[i] as Operation, true, true, true, i);
  } catch (err) {
    if (err instanceof jsonpatch.JsonPatchError) throw patchNotApplicable(describeFailure(ops[i] as Operation, err.name));
    throw patchNotApplicable((err as Error).message);
  }
  if (!isPlainObject(doc)) throw patchNotApplicable('the patched document is not an object');
  return doc;
}

/** RFC 7386: objects merge recursively, null deletes, anything else (arrays included) replaces. */
export function mergePatchValue(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatchValue(out[k], v);
  }
  return out;
}

export function applyMergePatch(current: KObject, body: string): KObject {
  const patch = parseJsonBody(body);
  if (!isPlainObject(patch)) throw badRequestError('error decoding patch: json: cannot unmarshal into Go value of type map[string]interface {}');
  return mergePatchValue(cloneJson(current), patch) as KObject;
}
