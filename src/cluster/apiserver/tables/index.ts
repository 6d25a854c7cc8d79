// The tables room: kubectl's `get` asks for `as=Table;g=meta.k8s.io;v=v1` and prints the server's
// columns and cells. toTable renders objects of one kind with kube's server-side printers (always the wide
// cells; kubectl hides priority > 0 columns unless `-o wide`).
import type { KObject, ListMeta } from '../../types/meta.ts';
import type { PrinterColumn, ResourceSpec } from '../../types/resource.ts';
import { crdPrinter, customPrinter } from './custom.ts';
import type { Column } from './format.ts';
import type { Printer, RowCondition } from './types.ts';
import { ageColumn, nameColumn, since } from './format.ts';
import { podPrinter } from './pods.ts';
import {
  controllerRevisionPrinter, cronJobPrinter, daemonSetPrinter, deploymentPrinter, hpaPrinter, jobPrinter, replicaSetPrinter,
  replicationControllerPrinter, statefulSetPrinter,
} from './workloads.ts';
import { endpointSlicePrinter, endpointsPrinter, ingressClassPrinter, ingressPrinter, servicePrinter } from './network.ts';
import { persistentVolumeClaimPrinter, persistentVolumePrinter, storageClassPrinter } from './storage.ts';
import { limitRangePrinter, podDisruptionBudgetPrinter, podTemplatePrinter, resourceQuotaPrinter } from './policy.ts';
import { roleBindingPrinter, rolePrinter } from './rbac.ts';
import { certificateSigningRequestPrinter } from './certificates.ts';
import { csiDriverPrinter, csiNodePrinter, priorityClassPrinter, runtimeClassPrinter, volumeAttachmentPrinter } from './classes.ts';
import { configMapPrinter, eventPrinter, leasePrinter, namespacePrinter, nodePrinter, secretPrinter, serviceAccountPrinter } from './cluster.ts';

export type { Column } from './format.ts';
export type { Printer, RowCondition } from './types.ts';
export { humanDuration } from './format.ts';

/** None: no object in rows; Metadata (kube's default): PartialObjectMetadata; Object: the whole object */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableOptions {
  /** the clock AGE is measured against (tests inject one) */
  now?: () => Date;
  includeObject?: IncludeObject;
  /** no columnDefinitions (watch events after the first, as kube-apiserver sends them) */
  noHeaders?: boolean;
  /** the list's metadata (resourceVersion, continue, remainingItemCount) */
  listMeta?: ListMeta;
}

export interface TableRow {
  cells: unknown[];
  conditions?: RowCondition[];
  object?: KObject;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: ListMeta;
  columnDefinitions: Column[];
  rows: TableRow[];
}

const printers = new Map<string, Printer>([
  ['/Pod', podPrinter],
  ['apps/Deployment', deploymentPrinter],
  ['apps/ReplicaSet', replicaSetPrinter],
  ['/ReplicationController', replicationControllerPrinter],
  ['apps/DaemonSet', daemonSetPrinter],
  ['apps/StatefulSet', statefulSetPrinter],
  ['apps/ControllerRevision', controllerRevisionPrinter],
  ['batch/Job', jobPrinter],
  ['batch/CronJob', cronJobPrinter],
  ['autoscaling/HorizontalPodAutoscaler', hpaPrinter],
  ['/Service', servicePrinter],
  ['/Endpoints', endpointsPrinter],
  ['discovery.k8s.io/EndpointSlice', endpointSlicePrinter],
  ['networking.k8s.io/Ingress', ingressPrinter],
  ['networking.k8s.io/IngressClass', ingressClassPrinter],
  ['/Node', nodePrinter],
  ['/Namespace', namespacePrinter],
  ['/Event', eventPrinter],
  ['events.k8s.io/Event', eventPrinter],
  ['/ConfigMap', configMapPrinter],
  ['/Secret', secretPrinter],
  ['/ServiceAccount', serviceAccountPrinter],
  ['coordination.k8s.io/Lease', leasePrinter],
  ['/PersistentVolume', persistentVolumePrinter],
  ['/PersistentVolumeClaim', persistentVolumeClaimPrinter],
  ['storage.k8s.io/StorageClass', storageClassPrinter],
  ['policy/PodDisruptionBudget', podDisruptionBudgetPrinter],
  ['certificates.k8s.io/CertificateSigningRequest', certificateSigningRequestPrinter],
  ['scheduling.k8s.io/PriorityClass', priorityClassPrinter],
  ['node.k8s.io/RuntimeClass', runtimeClassPrinter],
  ['storage.k8s.io/CSIDriver', csiDriverPrinter],
  ['storage.k8s.io/CSINode', csiNodePrinter],
  ['storage.k8s.io/VolumeAttachment', volumeAttachmentPrinter],
  ['/ResourceQuota', resourceQuotaPrinter],
  ['/LimitRange', limitRangePrinter],
  ['/PodTemplate', podTemplatePrinter],
  ['rbac.authorization.k8s.io/Role', rolePrinter],
  ['rbac.authorization.k8s.io/ClusterRole', rolePrinter],
  ['rbac.authorization.k8s.io/RoleBinding', roleBindingPrinter],
  ['rbac.authorization.k8s.io/ClusterRoleBinding', roleBindingPrinter],
  ['apiextensions.k8s.io/CustomResourceDefinition', crdPrinter],
]);

/** NAME and AGE, for kinds without a printer of their own */
const defaultPrinter: Printer = {
  columns: [nameColumn, ageColumn],
  cells: (obj, now) => [obj.metadata?.name ?? '', since(obj.metadata?.creationTimestamp, now)],
};

/** custom printers made from CRD columns, per columns array (a CRD version's spec keeps its array) */
const customPrinters = new WeakMap<readonly PrinterColumn[], Printer>();

export function printerFor(spec: Pick<ResourceSpec, 'group' | 'kind'> & { columns?: readonly PrinterColumn[]; custom?: boolean }): Printer {
  if (spec.custom) {
    const columns = spec.columns ?? [];
    let p = customPrinters.get(columns);
    if (!p) customPrinters.set(columns, (p = customPrinter(columns)));
    return p;
  }
  return printers.get(`${spec.group}/${spec.kind}`) ?? defaultPrinter;
}

function rowObject(obj: KObject, include: IncludeObject): KObject | undefined {
  if (include === 'None') return undefined;
  if (include === 'Object') return obj;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata ?? {} };
}

/** A meta.k8s.io/v1 Table of `objects` (all of `spec`'s kind), one row each. */
export function toTable(spec: Pick<ResourceSpec, 'group' | 'kind' | 'columns' | 'custom'>, objects: readonly KObject[], opts: TableOptions = {}): Table {
  const printer = printerFor(spec);
  const now = (opts.now ?? (() => new Date()))();
  const include = opts.includeObject ?? 'Metadata';
  const rows = objects.map((obj): TableRow => {
    const conditions = printer.conditions?.(obj);
    const object = rowObject(obj, include);
    return { cells: printer.cells(obj, now), ...(conditions ? { conditions } : {}), ...(object ? { object } : {}) };
  });
  const metadata: ListMeta = opts.listMeta ?? (objects.length === 1 ? { resourceVersion: objects[0].metadata?.resourceVersion } : {});
  return { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata, columnDefinitions: opts.noHeaders ? [] : printer.columns, rows };
}
