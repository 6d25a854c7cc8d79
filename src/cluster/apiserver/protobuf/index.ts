// Kubernetes' protobuf wire format for request bodies: kubectl's typed clients (`create deployment`,
// `create namespace`, `drain`'s evictions …) send `application/vnd.kubernetes.protobuf` and never retry with
// JSON, so the HTTP face turns such a body into the JSON-form object the REST layer takes.
import { loadSchema } from './schema.ts';

export { decodeProtobufObject } from './decode.ts';
export { encodeProtobufObject } from './encode.ts';
export { protobufMagic, protoDir } from './schema.ts';

/** Loads protobufjs and parses the .proto files now (~150 ms cold) instead of at the first protobuf request */
export const warmUpProtobuf = (): void => { loadSchema(); };

export const protobufMediaType = 'application/vnd.kubernetes.protobuf';

/** Whether a body is a Kubernetes protobuf message (starts with the `k8s\0` magic) */
export const isProtobufBody = (body: Buffer): boolean => body.length >= 4 && body[0] === 0x6b && body[1] === 0x38 && body[2] === 0x73 && body[3] === 0;
