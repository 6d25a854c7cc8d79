// The shapes every Kubernetes object shares. The per-kind types come from the `kubernetes-types` package
// (type-only, generated from Kubernetes' own OpenAPI); this file names the generic ones skiff passes around.
import type { ObjectMeta, ListMeta, Status } from 'kubernetes-types/meta/v1.js';

export type { ObjectMeta, ListMeta, Status, StatusCause, OwnerReference, LabelSelector, DeleteOptions as KDeleteOptions, ManagedFieldsEntry } from 'kubernetes-types/meta/v1.js';

/** Any Kubernetes object: apiVersion + kind + metadata, the rest is per kind. */
export interface KObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [field: string]: unknown;
}

/** A stored object always has these (the API server sets them at create). */
export type Stored<T extends KObject = KObject> = T & {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta & { name: string; uid: string; resourceVersion: string; creationTimestamp: string };
};

export interface KList<T extends KObject = KObject> {
  apiVersion: string;
  kind: string; // e.g. PodList
  metadata: ListMeta;
  items: T[];
}

/** Group/Version/Resource: how the REST API and the client address a collection. group '' is core. */
export interface GVR {
  group: string;
  version: string;
  resource: string; // plural, lower case: 'pods', 'deployments'
}

export interface GVK {
  group: string;
  version: string;
  kind: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** One watch event. For ERROR, object is a Status (410 Gone when the revision was compacted). */
export interface WatchEvent<T extends KObject = KObject> {
  type: WatchEventType;
  object: T | (Status & KObject);
}

export const apiVersionOf = (g: { group: string; version: string }): string => (g.group ? `${g.group}/${g.version}` : g.version);

export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** `ns/name` or `name` for cluster-scoped objects: the key informers and work queues use. */
export function objectKey(obj: { metadata?: ObjectMeta }): string {
  const m = obj.metadata ?? {};
  return m.namespace ? `${m.namespace}/${m.name}` : (m.name ?? '');
}

export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const slash = key.indexOf('/');
  return slash < 0 ? { namespace: undefined, name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
