// What the API server needs to know about one kind: its names (for URLs, discovery and kubectl's short
// names), its scope, its subresources, and its strategy (defaulting, validation, what an update may change).
// The table of every served kind lives in ./registry.ts; the REST layer, discovery, OpenAPI, tables and the
// client all read it, so adding a kind is adding one entry.
import type { KObject } from './meta.ts';
import type { FieldError } from './status-error.ts';

export type Subresource = 'status' | 'finalize' | 'scale' | 'binding' | 'eviction' | 'ephemeralcontainers' | 'token' | 'approval' | 'log' | 'exec' | 'attach' | 'portforward' | 'proxy';

export interface ResourceSpec {
  group: string; // '' for core
  version: string;
  kind: string; // 'Deployment'
  listKind: string; // 'DeploymentList'
  resource: string; // plural: 'deployments'
  singular: string; // 'deployment'
  namespaced: boolean;
  shortNames?: string[]; // ['deploy']
  categories?: string[]; // ['all']
  subresources: Subresource[];
  verbs: string[]; // discovery verbs: ['create','delete','deletecollection','get','list','patch','update','watch']
  /**
   * Has a `status` that only the status subresource may change: a create or main-resource update keeps the
   * old status, a status update keeps the old spec (and metadata except labels/annotations/finalizers…).
   */
  statusSubresource: boolean;
  /** The spec counts for metadata.generation (bumped when anything but metadata and status changes). */
  generation: boolean;
  /** Fields beyond metadata.name/metadata.namespace that fieldSelector accepts (`spec.nodeName`, `status.phase`). */
  selectableFields?: Record<string, (obj: KObject) => string | undefined>;
  /** For the scale subresource: where replicas and the selector live. */
  scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath: string };
  /** Fills defaults in place, as Kubernetes' SetDefaults_* do (called on create, update and apply). */
  defaults(obj: KObject): void;
  /** Validation of a new object (create). Field paths as Kubernetes prints them. */
  validate(obj: KObject): FieldError[];
  /** Validation of an update: the new object's own validation plus immutable fields (selector, clusterIP…). */
  validateUpdate(obj: KObject, old: KObject): FieldError[];
}
