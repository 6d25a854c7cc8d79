// A JSON-form object → the Kubernetes protobuf body (`k8s\0` + runtime.Unknown), the inverse of decode.ts:
// the tests build kubectl-like bodies with it, and it is ready should the server ever answer in protobuf.
// JSON fields the message does not have are dropped, as Go's protobuf encoding of a typed struct drops them.
import type { Field, Type } from 'protobufjs';
import type { KObject } from '../../types/meta.ts';
import { badRequestError } from '../../types/status-error.ts';
import { inlineFields, isMessageType, loadSchema, lookupType, protobufMagic, typeOfKind, unknownTypeName } from './schema.ts';
import { wellKnownTypes } from './wellknown.ts';

type Fields = Record<string, unknown>;

export function encodeProtobufObject(obj: KObject): Buffer {
  const { apiVersion, kind } = obj as { apiVersion?: string; kind?: string };
  const type = apiVersion && kind ? typeOfKind(apiVersion, kind) : undefined;
  if (!type) throw badRequestError(`no kind "${kind ?? ''}" is registered for version "${apiVersion ?? ''}"`);
  const raw = type.encode(jsonToMessage(type, obj as Fields)).finish();
  const envelope = { typeMeta: { apiVersion, kind }, raw, contentEncoding: '', contentType: '' };
  const unknown = lookupType(loadSchema().root, unknownTypeName)!;
  return Buffer.concat([protobufMagic, unknown.encode(envelope).finish()]);
}

function jsonToMessage(type: Type, value: unknown): Fields {
  const special = wellKnownTypes[type.fullName.slice(1)];
  if (special) return special.fromJson(value, (o) => encodeProtobufObject(o as KObject));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badRequestError(`${type.name}: expected an object, got ${JSON.stringify(value)}`);
  }
  const obj = value as Fields;
  const keepZero = loadSchema().keepZero.get(type.fullName.slice(1));
  const out: Fields = {};
  for (const field of type.fieldsArray) {
    const name = field.name;
    // an inlined struct takes its fields from the same JSON object; Go writes it always (it is no pointer)
    if (inlineFields.has(`${type.fullName.slice(1)}.${name}`)) {
      out[name] = jsonToMessage(field.resolvedType as Type, obj);
      continue;
    }
    const v = obj[name];
    // `creationTimestamp: null` is Go's zero Time in a non-pointer field, which protobuf writes as an empty message
    if (v === null && isTimeField(field) && !keepZero?.has(name)) out[name] = {};
    if (v === undefined || v === null) continue;
    if (field.map) out[name] = Object.fromEntries(Object.entries(v as Fields).map(([k, x]) => [k, valueToMessage(field, x)]));
    else if (field.repeated) out[name] = (v as unknown[]).map((x) => valueToMessage(field, x));
    else out[name] = valueToMessage(field, v);
  }
  return out;
}

const isTimeField = (field: Field) => !field.repeated && /\.meta\.v1\.(Micro)?Time$/.test(field.resolvedType?.fullName ?? '');

function valueToMessage(field: Field, value: unknown): unknown {
  if (isMessageType(field.resolvedType)) return jsonToMessage(field.resolvedType, value);
  if (field.type === 'bytes') return Buffer.from(String(value), 'base64');
  return value;
}
