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
  /**
   * Validation of an update: the new object's own validation plus immutable fields (selector, clusterIP…);
   * `subresource` names the write's subresource (status, ephemeralcontainers, …) for kinds that tell them apart.
   */
  validateUpdate(obj: KObject, old: KObject, subresource?: string): FieldError[];
  /**
   * Set on a version served besides the stored one (one stored version per group/resource, as kube): the REST
   * layer converts objects to the stored version on every write and back on every read, list and watch event.
   * Absent: this spec is the stored version. Defaults, validation and admission run in the served version.
   */
  conversion?: Conversion;
  /** A custom resource (served from a CustomResourceDefinition): kube's CR rules for status and generation. */
  custom?: boolean;
  /** its CRD is being deleted: objects are still read and deleted, no new ones are made (kube answers 405) */
  terminating?: boolean;
  /** additionalPrinterColumns (CRDs): the table kubectl get prints, cells read by JSONPath */
  columns?: PrinterColumn[];
  /** A custom kind's OpenAPI v3 schema (its CRD version's openAPIV3Schema): its group-version's /openapi/v3 document is made from it */
  openAPIV3Schema?: object;
}

export interface Conversion {
  /** the stored version of this group/resource */
  storageVersion: string;
  /** served version → stored version (a new object; metadata carried over) */
  toStorage(obj: KObject): KObject;
  /** stored version → served version (a new object; metadata carried over) */
  fromStorage(obj: KObject): KObject;
}

/** One additionalPrinterColumn of a CRD version */
export interface PrinterColumn {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}
