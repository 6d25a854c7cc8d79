// Every kind skiff serves, one entry each: names, scope, subresources, and the kind's strategy (defaults,
// validation) from ./strategies. Discovery, the REST layer, OpenAPI, tables and the client all read this table.
import type { GVR, KObject } from './meta.ts';
import type { Conversion, ResourceSpec, Subresource } from './resource.ts';
import { strategyFor } from './strategies/index.ts';
import { hpaFromV1, hpaToV1 } from './conversion/autoscaling.ts';

const allVerbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

interface Entry {
  group: string;
  version: string;
  kind: string;
  resource: string;
  namespaced: boolean;
  shortNames?: string[];
  all?: boolean; // in the 'all' category (`kubectl get all`)
  categories?: string[]; // categories besides 'all'
  subresources?: Subresource[];
  /** has spec + status: status only through /status, generation counts spec changes */
  specStatus?: boolean;
  scale?: boolean;
  verbs?: string[];
  selectableFields?: Record<string, (obj: KObject) => string | undefined>;
  /** a version served besides the stored one (listed after it): converters to and from the stored version */
  conversion?: Conversion;
}

const field = (path: string) => (obj: KObject): string | undefined => {
  let v: unknown = obj;
  for (const part of path.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
  return v === undefined || v === null ? undefined : String(v);
};
const fields = (...paths: string[]) => Object.fromEntries(paths.map((p) => [p, field(p)]));

const entries: Entry[] = [
  { group: '', version: 'v1', kind: 'Namespace', resource: 'namespaces', namespaced: false, shortNames: ['ns'], subresources: ['status', 'finalize'], specStatus: true, verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], selectableFields: fields('status.phase') },
  { group: '', version: 'v1', kind: 'Pod', resource: 'pods', namespaced: true, shortNames: ['po'], all: true, subresources: ['status', 'binding', 'eviction', 'ephemeralcontainers', 'log', 'exec', 'attach', 'portforward', 'proxy'], specStatus: true,
    selectableFields: fields('spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.nominatedNodeName') },
  { group: '', version: 'v1', kind: 'Service', resource: 'services', namespaced: true, shortNames: ['svc'], all: true, subresources: ['status', 'proxy'], specStatus: true },
  { group: '', version: 'v1', kind: 'Endpoints', resource: 'endpoints', namespaced: true, shortNames: ['ep'] },
  { group: '', version: 'v1', kind: 'ConfigMap', resource: 'configmaps', namespaced: true, shortNames: ['cm'] },
  { group: '', version: 'v1', kind: 'Secret', resource: 'secrets', namespaced: true, selectableFields: fields('type') },
  { group: '', version: 'v1', kind: 'Node', resource: 'nodes', namespaced: false, shortNames: ['no'], subresources: ['status', 'proxy'], specStatus: true, selectableFields: fields('spec.unschedulable') },
  { group: '', version: 'v1', kind: 'Event', resource: 'events', namespaced: true, shortNames: ['ev'],
    selectableFields: fields('involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason', 'reportingComponent', 'source', 'type') },
  { group: '', version: 'v1', kind: 'ServiceAccount', resource: 'serviceaccounts', namespaced: true, shortNames: ['sa'], subresources: ['token'] },
  { group: '', version: 'v1', kind: 'ReplicationController', resource: 'replicationcontrollers', namespaced: true, shortNames: ['rc'], all: true, subresources: ['status', 'scale'], specStatus: true, scale: true, selectableFields: fields('status.replicas') },
  { group: '', version: 'v1', kind: 'PersistentVolume', resource: 'persistentvolumes', namespaced: false, shortNames: ['pv'], subresources: ['status'], specStatus: true },
  { group: '', version: 'v1', kind: 'PersistentVolumeClaim', resource: 'persistentvolumeclaims', namespaced: true, shortNames: ['pvc'], subresources: ['status'], specStatus: true },
  { group: '', version: 'v1', kind: 'ResourceQuota', resource: 'resourcequotas', namespaced: true, shortNames: ['quota'], subresources: ['status'], specStatus: true },
  { group: '', version: 'v1', kind: 'LimitRange', resource: 'limitranges', namespaced: true, shortNames: ['limits'] },
  { group: '', version: 'v1', kind: 'PodTemplate', resource: 'podtemplates', namespaced: true },
  { group: 'apps', version: 'v1', kind: 'Deployment', resource: 'deployments', namespaced: true, shortNames: ['deploy'], all: true, subresources: ['status', 'scale'], specStatus: true, scale: true },
  { group: 'apps', version: 'v1', kind: 'ReplicaSet', resource: 'replicasets', namespaced: true, shortNames: ['rs'], all: true, subresources: ['status', 'scale'], specStatus: true, scale: true, selectableFields: fields('status.replicas') },
  { group: 'apps', version: 'v1', kind: 'DaemonSet', resource: 'daemonsets', namespaced: true, shortNames: ['ds'], all: true, subresources: ['status'], specStatus: true },
  { group: 'apps', version: 'v1', kind: 'StatefulSet', resource: 'statefulsets', namespaced: true, shortNames: ['sts'], all: true, subresources: ['status', 'scale'], specStatus: true, scale: true },
  { group: 'apps', version: 'v1', kind: 'ControllerRevision', resource: 'controllerrevisions', namespaced: true },
  { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', resource: 'leases', namespaced: true },
  { group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', resource: 'endpointslices', namespaced: true, selectableFields: fields('addressType') },
  { group: 'networking.k8s.io', version: 'v1', kind: 'Ingress', resource: 'ingresses', namespaced: true, shortNames: ['ing'], subresources: ['status'], specStatus: true },
  { group: 'networking.k8s.io', version: 'v1', kind: 'IngressClass', resource: 'ingressclasses', namespaced: false },
  { group: 'autoscaling', version: 'v2', kind: 'HorizontalPodAutoscaler', resource: 'horizontalpodautoscalers', namespaced: true, shortNames: ['hpa'], all: true, subresources: ['status'], specStatus: true },
  // kubectl 1.32's `autoscale` writes v1: served by converting to and from the stored v2
  { group: 'autoscaling', version: 'v1', kind: 'HorizontalPodAutoscaler', resource: 'horizontalpodautoscalers', namespaced: true, shortNames: ['hpa'], all: true, subresources: ['status'], specStatus: true,
    conversion: { storageVersion: 'v2', toStorage: hpaFromV1, fromStorage: hpaToV1 } },
  { group: 'batch', version: 'v1', kind: 'Job', resource: 'jobs', namespaced: true, all: true, subresources: ['status'], specStatus: true, selectableFields: fields('status.successful') },
  { group: 'batch', version: 'v1', kind: 'CronJob', resource: 'cronjobs', namespaced: true, shortNames: ['cj'], all: true, subresources: ['status'], specStatus: true },
  { group: 'storage.k8s.io', version: 'v1', kind: 'StorageClass', resource: 'storageclasses', namespaced: false, shortNames: ['sc'] },
  { group: 'storage.k8s.io', version: 'v1', kind: 'CSIDriver', resource: 'csidrivers', namespaced: false },
  { group: 'storage.k8s.io', version: 'v1', kind: 'CSINode', resource: 'csinodes', namespaced: false },
  { group: 'storage.k8s.io', version: 'v1', kind: 'VolumeAttachment', resource: 'volumeattachments', namespaced: false, subresources: ['status'], specStatus: true },
  { group: 'policy', version: 'v1', kind: 'PodDisruptionBudget', resource: 'poddisruptionbudgets', namespaced: true, shortNames: ['pdb'], subresources: ['status'], specStatus: true },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRole', resource: 'clusterroles', namespaced: false },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRoleBinding', resource: 'clusterrolebindings', namespaced: false },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'Role', resource: 'roles', namespaced: true },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'RoleBinding', resource: 'rolebindings', namespaced: true },
  // the reviews are answered, never stored (verbs: create only)
  { group: 'authorization.k8s.io', version: 'v1', kind: 'SelfSubjectAccessReview', resource: 'selfsubjectaccessreviews', namespaced: false, verbs: ['create'] },
  { group: 'authorization.k8s.io', version: 'v1', kind: 'SelfSubjectRulesReview', resource: 'selfsubjectrulesreviews', namespaced: false, verbs: ['create'] },
  { group: 'authorization.k8s.io', version: 'v1', kind: 'SubjectAccessReview', resource: 'subjectaccessreviews', namespaced: false, verbs: ['create'] },
  { group: 'authorization.k8s.io', version: 'v1', kind: 'LocalSubjectAccessReview', resource: 'localsubjectaccessreviews', namespaced: true, verbs: ['create'] },
  { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenReview', resource: 'tokenreviews', namespaced: false, verbs: ['create'] },
  { group: 'authentication.k8s.io', version: 'v1', kind: 'SelfSubjectReview', resource: 'selfsubjectreviews', namespaced: false, verbs: ['create'] },
  { group: 'apiextensions.k8s.io', version: 'v1', kind: 'CustomResourceDefinition', resource: 'customresourcedefinitions', namespaced: false, shortNames: ['crd', 'crds'], subresources: ['status'], specStatus: true, categories: ['api-extensions'] },
  { group: 'certificates.k8s.io', version: 'v1', kind: 'CertificateSigningRequest', resource: 'certificatesigningrequests', namespaced: false, shortNames: ['csr'], subresources: ['status', 'approval'], specStatus: true },
  { group: 'scheduling.k8s.io', version: 'v1', kind: 'PriorityClass', resource: 'priorityclasses', namespaced: false, shortNames: ['pc'] },
  { group: 'node.k8s.io', version: 'v1', kind: 'RuntimeClass', resource: 'runtimeclasses', namespaced: false },
  { group: 'events.k8s.io', version: 'v1', kind: 'Event', resource: 'events', namespaced: true, shortNames: ['ev'] },
];

const scaleFor = (e: Entry): ResourceSpec['scale'] =>
  e.scale ? { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: e.kind === 'ReplicationController' ? '.status.selector' : '.status.selector' } : undefined;

/** core kinds with spec + status whose objects carry no metadata.generation in Kubernetes */
const noGeneration = new Set(['Namespace', 'Node', 'PersistentVolume', 'PersistentVolumeClaim']);

export const resources: readonly ResourceSpec[] = entries.map((e) => {
  const strategy = strategyFor(e.group, e.kind, e.version);
  return {
    group: e.group,
    version: e.version,
    kind: e.kind,
    listKind: `${e.kind}List`,
    resource: e.resource,
    singular: e.kind.toLowerCase(),
    namespaced: e.namespaced,
    shortNames: e.shortNames,
    categories: e.all || e.categories ? [...(e.all ? ['all'] : []), ...(e.categories ?? [])] : undefined,
    subresources: e.subresources ?? [],
    verbs: e.verbs ?? allVerbs,
    statusSubresource: e.specStatus === true,
    generation: e.specStatus === true && !noGeneration.has(e.kind),
    selectableFields: e.selectableFields,
    scale: scaleFor(e),
    defaults: strategy.defaults,
    validate: strategy.validate,
    validateUpdate: strategy.validateUpdate,
    ...(e.conversion ? { conversion: e.conversion } : {}),
  };
});

const byGVR = new Map(resources.map((r) => [`${r.group}/${r.version}/${r.resource}`, r]));
// by kind: the stored version (a kind served in several versions has one without `conversion`)
const byKind = new Map(resources.filter((r) => !r.conversion).map((r) => [`${r.group}/${r.kind}`, r]));

export function findResource(r: GVR): ResourceSpec | undefined {
  return byGVR.get(`${r.group}/${r.version}/${r.resource}`);
}

/** core/v1 Event and events.k8s.io/v1 Event share a kind name; the group tells them apart */
export function findByKind(group: string, kind: string): ResourceSpec | undefined {
  return byKind.get(`${group}/${kind}`);
}

export const gvrOf = (spec: ResourceSpec): GVR => ({ group: spec.group, version: spec.version, resource: spec.resource });
