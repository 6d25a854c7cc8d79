// A Kubernetes protobuf body → the JSON-form object kubectl would have sent as JSON. Go's protobuf encoder
// (gogo) writes every non-pointer field, zero or not, and nothing of a nil pointer, empty slice or empty map;
// Go's JSON encoder drops zero `omitempty` scalars, writes non-pointer structs always and pointers when set.
// So: a present message is written, a present zero scalar only when keep-zero.json says Go's JSON writes it.
import type { Field, Message, Type } from 'protobufjs';
import type { KObject } from '../../types/meta.ts';
import { badRequestError } from '../../types/status-error.ts';
import { inlineFields, isMessageType, loadSchema, lookupType, protobufMagic, typeOfKind, unknownTypeName } from './schema.ts';
import { int64, wellKnownTypes } from './wellknown.ts';

type Fields = Record<string, unknown>;

/**
 * Decodes a body sent as `application/vnd.kubernetes.protobuf`: the `k8s\0` magic, a runtime.Unknown envelope
 * naming apiVersion and kind, and the object's message in it. Throws a 400 StatusError on anything malformed
 * and on a kind this server has no message for.
 */
export function decodeProtobufObject(body: Buffer): KObject {
  if (body.length < protobufMagic.length || !body.subarray(0, protobufMagic.length).equals(protobufMagic)) {
    throw badRequestError('the body of the request is not a Kubernetes protobuf message: it does not start with the "k8s\\x00" prefix');
  }
  const { root } = loadSchema();
  const envelope = decodeMessage(lookupType(root, unknownTypeName)!, body.subarray(protobufMagic.length), 'runtime.Unknown');
  const typeMeta = (envelope.typeMeta ?? {}) as Fields;
  const apiVersion = String(typeMeta.apiVersion ?? '');
  const kind = String(typeMeta.kind ?? '');
  if (!apiVersion || !kind) throw badRequestError("Object 'Kind' is missing in the protobuf envelope");
  if (envelope.contentEncoding) throw badRequestError(`unsupported protobuf content encoding "${String(envelope.contentEncoding)}"`);
  const type = typeOfKind(apiVersion, kind);
  if (!type) throw badRequestError(`no kind "${kind}" is registered for version "${apiVersion}"`);
  const raw = (envelope.raw as Uint8Array | undefined) ?? new Uint8Array();
  const fields = messageToJson(type, decodeMessage(type, raw, kind)) as Fields;
  return { apiVersion, kind, ...fields } as KObject;
}

function decodeMessage(type: Type, bytes: Uint8Array, what: string): Fields {
  try {
    return type.decode(bytes) as Message & Fields;
  } catch (err) {
    throw badRequestError(`the object provided is unrecognized (must be of type ${what}): malformed protobuf: ${(err as Error).message}`);
  }
}

function messageToJson(type: Type, msg: Fields): unknown {
  const special = wellKnownTypes[type.fullName.slice(1)];
  if (special) return special.toJson(msg, decodeProtobufObject);
  const keepZero = loadSchema().keepZero.get(type.fullName.slice(1));
  const out: Fields = {};
  for (const field of type.fieldsArray) {
    const name = field.name;
    const value = msg[name];
    if (field.map) {
      const entries = Object.entries((value ?? {}) as Fields);
      if (entries.length) out[name] = Object.fromEntries(entries.map(([k, v]) => [k, valueToJson(field, v)]));
    } else if (field.repeated) {
      const items = (value ?? []) as unknown[];
      if (items.length) out[name] = items.map((v) => valueToJson(field, v));
    } else if (Object.hasOwn(msg, name) && value !== null && value !== undefined) {
      const json = valueToJson(field, value);
      if (isMessageType(field.resolvedType)) {
        if (inlineFields.has(`${type.fullName.slice(1)}.${name}`)) Object.assign(out, json);
        else out[name] = json;
      } else if (!isZero(json) || keepZero?.has(name)) {
        out[name] = json;
      }
    }
  }
  return out;
}

function valueToJson(field: Field, value: unknown): unknown {
  const resolved = field.resolvedType;
  if (isMessageType(resolved)) return messageToJson(resolved, value as Fields);
  switch (field.type) {
    case 'int64': case 'uint64': case 'sint64': case 'fixed64': case 'sfixed64':
      return Number(int64(value));
    case 'bytes': {
      const bytes = value as Uint8Array;
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64');
    }
    default:
      return value; // string, bool, 32-bit integers, float, double (enums: Kubernetes has none, it uses strings)
  }
}

const isZero = (v: unknown) => v === '' || v === 0 || v === false;
