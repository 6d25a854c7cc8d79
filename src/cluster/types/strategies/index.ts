// Every served kind's strategy — defaults and validation as Kubernetes does them — looked up by group and kind.
// registry.ts reads this table; one file per family of kinds holds the rules.
import type { KObject } from '../meta.ts';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Strategy } from './types.ts';
import { controllerRevisionStrategy, daemonSetStrategy, deploymentStrategy, replicaSetStrategy, replicationControllerStrategy, statefulSetStrategy } from './apps.ts';
import { cronJobStrategy, jobStrategy } from './batch.ts';
import { crdStrategy } from './apiextensions.ts';
import { configMapStrategy, eventStrategy, eventV1Strategy, metaOnly, namespaceStrategy, nodeStrategy, secretStrategy } from './core-misc.ts';
import { ingressClassStrategy, ingressStrategy, leaseStrategy } from './networking.ts';
import { hpaStrategy, hpaV1Strategy } from './autoscaling.ts';
import { defaultPod } from './pod-defaults.ts';
import { validatePod, validatePodEphemeralUpdate, validatePodUpdate } from './pod-validation.ts';
import { validateNoEphemeralOnCreate } from './pod-ephemeral.ts';
import { certificateSigningRequestStrategy } from './certificates.ts';
import { csiDriverStrategy, csiNodeStrategy, priorityClassStrategy, runtimeClassStrategy, volumeAttachmentStrategy } from './classes.ts';
import { endpointSliceStrategy, endpointsStrategy, serviceStrategy } from './service.ts';
import { limitRangeStrategy, podDisruptionBudgetStrategy, podTemplateStrategy, resourceQuotaStrategy } from './policy.ts';
import { clusterRoleBindingStrategy, clusterRoleStrategy, roleBindingStrategy, roleKindStrategy } from './rbac.ts';
import { persistentVolumeClaimStrategy, persistentVolumeStrategy, storageClassStrategy } from './storage.ts';

export type { Strategy } from './types.ts';
export { defaultPodSpec, defaultPodTemplate, defaultPullPolicy } from './pod-defaults.ts';
export { validatePodSpec, validatePodTemplate } from './pod-validation.ts';
export { validateObjectMeta, validateLabels, validateAnnotations, deepEqual } from './metadata.ts';
export { controllerUidLabel, jobNameLabel } from './batch.ts';
export { cronScheduleError } from './cron.ts';
export { SYSTEM_PRIORITY_CLASSES } from './classes.ts';
export * from './names.ts';
export { isDefaultStorageClass, volumeSourcesOf } from './storage.ts';

const podStrategy: Strategy = {
  defaults: (o: KObject) => defaultPod(o as Pod),
  validate: (o: KObject) => [...validatePod(o as Pod), ...validateNoEphemeralOnCreate(o as Pod)],
  // the ephemeralcontainers subresource changes only them (and may only add them); any other write may not touch them
  validateUpdate: (o: KObject, old: KObject, subresource?: string) =>
    (subresource === 'ephemeralcontainers' ? validatePodEphemeralUpdate(o as Pod, old as Pod) : validatePodUpdate(o as Pod, old as Pod)),
};

const strategies: Record<string, Strategy> = {
  '/Namespace': namespaceStrategy,
  '/Pod': podStrategy,
  '/Service': serviceStrategy,
  '/Endpoints': endpointsStrategy,
  '/ConfigMap': configMapStrategy,
  '/Secret': secretStrategy,
  '/Node': nodeStrategy,
  '/Event': eventStrategy,
  '/ServiceAccount': metaOnly(),
  '/ReplicationController': replicationControllerStrategy,
  '/PersistentVolume': persistentVolumeStrategy,
  '/PersistentVolumeClaim': persistentVolumeClaimStrategy,
  'apps/Deployment': deploymentStrategy,
  'apps/ReplicaSet': replicaSetStrategy,
  'apps/DaemonSet': daemonSetStrategy,
  'apps/StatefulSet': statefulSetStrategy,
  'apps/ControllerRevision': controllerRevisionStrategy,
  'coordination.k8s.io/Lease': leaseStrategy,
  'discovery.k8s.io/EndpointSlice': endpointSliceStrategy,
  'networking.k8s.io/Ingress': ingressStrategy,
  'networking.k8s.io/IngressClass': ingressClassStrategy,
  'autoscaling/HorizontalPodAutoscaler': hpaStrategy,
  'autoscaling/v1/HorizontalPodAutoscaler': hpaV1Strategy,
  'storage.k8s.io/StorageClass': storageClassStrategy,
  'batch/Job': jobStrategy,
  'batch/CronJob': cronJobStrategy,
  'events.k8s.io/Event': eventV1Strategy,
  'policy/PodDisruptionBudget': podDisruptionBudgetStrategy,
  '/ResourceQuota': resourceQuotaStrategy,
  '/LimitRange': limitRangeStrategy,
  '/PodTemplate': podTemplateStrategy,
  'rbac.authorization.k8s.io/Role': roleKindStrategy,
  'rbac.authorization.k8s.io/ClusterRole': clusterRoleStrategy,
  'rbac.authorization.k8s.io/RoleBinding': roleBindingStrategy,
  'rbac.authorization.k8s.io/ClusterRoleBinding': clusterRoleBindingStrategy,
  'certificates.k8s.io/CertificateSigningRequest': certificateSigningRequestStrategy,
  'scheduling.k8s.io/PriorityClass': priorityClassStrategy,
  'node.k8s.io/RuntimeClass': runtimeClassStrategy,
  'storage.k8s.io/CSIDriver': csiDriverStrategy,
  'storage.k8s.io/CSINode': csiNodeStrategy,
  'storage.k8s.io/VolumeAttachment': volumeAttachmentStrategy,
  'apiextensions.k8s.io/CustomResourceDefinition': crdStrategy,
};

/** The strategy of a kind (of one version, when a served version has its own); an unknown kind gets ObjectMeta checks only (DNS-1123 subdomain names). */
export function strategyFor(group: string, kind: string, version?: string): Strategy {
  return (version ? strategies[`${group}/${version}/${kind}`] : undefined) ?? strategies[`${group}/${kind}`] ?? metaOnly();
}
