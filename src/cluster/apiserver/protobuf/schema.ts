// The vendored Kubernetes .proto messages (proto/, see NOTICE), parsed with protobufjs on first use only: most
// processes never see a protobuf body, and loading protobufjs (~50 ms) and parsing ~90 KB of .proto text (~100 ms
// cold) would otherwise slow every server start. protobufjs is CommonJS and external to the bundle, so a lazy
// require() finds it in node_modules from the source tree and from dist/ alike.
// proto/ sits beside this file in the source tree and beside dist/cluster.mjs once the build copies it to dist/proto.
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ReflectionObject, Root, Type } from 'protobufjs';

type Protobufjs = typeof import('protobufjs');

export const protoDir = join(import.meta.dirname, 'proto');

/** The magic prefix of a Kubernetes protobuf body, before its runtime.Unknown envelope */
export const protobufMagic = Buffer.from([0x6b, 0x38, 0x73, 0x00]); // "k8s\0"

export const unknownTypeName = 'k8s.io.apimachinery.pkg.runtime.Unknown';

interface Schema {
  protobuf: Protobufjs;
  root: Root;
  /** `pkg.Message` → the scalar fields whose zero value Go's JSON still writes (pointers, no omitempty) */
  keepZero: Map<string, Set<string>>;
}

let schema: Schema | undefined;

export function loadSchema(): Schema {
  if (schema) return schema;
  const protobuf = createRequire(import.meta.url)('protobufjs') as Protobufjs;
  const root = new protobuf.Root();
  for (const file of readdirSync(protoDir).filter((f) => f.endsWith('.proto')).sort()) {
    protobuf.parse(readFileSync(join(protoDir, file), 'utf8'), root, { keepCase: true });
  }
  root.resolveAll();
  const table = JSON.parse(readFileSync(join(protoDir, 'keep-zero.json'), 'utf8')) as Record<string, string[]>;
  schema = { protobuf, root, keepZero: new Map(Object.entries(table).map(([k, v]) => [k, new Set(v)])) };
  return schema;
}

/** meta/v1 kinds every group version registers, so they arrive under any apiVersion (`apps/v1` DeleteOptions) */
const metaKinds = new Set(['DeleteOptions', 'CreateOptions', 'UpdateOptions', 'PatchOptions', 'GetOptions', 'ListOptions', 'Status']);

/** groups whose Go package is not the group's first part (k8s.io/api/rbac/v1 serves rbac.authorization.k8s.io) */
const packageOfGroup: Record<string, string> = { 'rbac.authorization.k8s.io': 'rbac' };

/**
 * The message of a kind: `apps/v1` `Deployment` → k8s.io.api.apps.v1.Deployment. Only top-level objects (those
 * with `metadata`) and the meta/v1 option kinds count: `PodSpec` is a message but not a kind.
 */
export function typeOfKind(apiVersion: string, kind: string): Type | undefined {
  const { root } = loadSchema();
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
  if (!/^[a-z0-9.-]*$/.test(group) || !/^v\w+$/.test(version) || !/^[A-Z]\w*$/.test(kind)) return undefined;
  const pkg = group === 'meta.k8s.io' || metaKinds.has(kind)
    ? `k8s.io.apimachinery.pkg.apis.meta.${version}`
    : `k8s.io.api.${group === '' ? 'core' : packageOfGroup[group] ?? group.replace(/\.k8s\.io$/, '')}.${version}`;
  const type = lookupType(root, `${pkg}.${kind}`);
  return type && (type.fields.metadata || metaKinds.has(kind)) ? type : undefined;
}

export function lookupType(root: Root, name: string): Type | undefined {
  const found = root.lookup(name);
  return isMessageType(found) ? found : undefined;
}

export const isMessageType = (t: ReflectionObject | null | undefined): t is Type => !!t && t instanceof loadSchema().protobuf.Type;

/**
 * Go structs embedded with `json:",inline"`: their fields appear flat in the JSON of the outer object
 * (a Volume's `configMap` sits beside its `name`), though protobuf nests them in one field.
 */
export const inlineFields = new Set([
  'k8s.io.api.core.v1.Volume.volumeSource',
  'k8s.io.api.core.v1.PersistentVolumeSpec.persistentVolumeSource',
  'k8s.io.api.core.v1.SecretProjection.localObjectReference',
  'k8s.io.api.core.v1.ConfigMapVolumeSource.localObjectReference',
  'k8s.io.api.core.v1.ConfigMapProjection.localObjectReference',
  'k8s.io.api.core.v1.ConfigMapKeySelector.localObjectReference',
  'k8s.io.api.core.v1.SecretKeySelector.localObjectReference',
  'k8s.io.api.core.v1.ConfigMapEnvSource.localObjectReference',
  'k8s.io.api.core.v1.SecretEnvSource.localObjectReference',
  'k8s.io.api.core.v1.Probe.handler',
  'k8s.io.api.core.v1.EphemeralContainer.ephemeralContainerCommon',
  'k8s.io.api.networking.v1.IngressRule.ingressRuleValue',
]);
