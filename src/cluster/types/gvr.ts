// The resources skiff serves, as GVR constants for the client (`client.list(R.pods, ns)`).
import type { GVR } from './meta.ts';

const core = (resource: string): GVR => ({ group: '', version: 'v1', resource });
const g = (group: string, version: string, resource: string): GVR => ({ group, version, resource });

export const R = {
  namespaces: core('namespaces'),
  pods: core('pods'),
  services: core('services'),
  endpoints: core('endpoints'),
  configmaps: core('configmaps'),
  secrets: core('secrets'),
  nodes: core('nodes'),
  events: core('events'),
  serviceaccounts: core('serviceaccounts'),
  replicationcontrollers: core('replicationcontrollers'),
  persistentvolumes: core('persistentvolumes'),
  persistentvolumeclaims: core('persistentvolumeclaims'),
  deployments: g('apps', 'v1', 'deployments'),
  replicasets: g('apps', 'v1', 'replicasets'),
  daemonsets: g('apps', 'v1', 'daemonsets'),
  statefulsets: g('apps', 'v1', 'statefulsets'),
  controllerrevisions: g('apps', 'v1', 'controllerrevisions'),
  leases: g('coordination.k8s.io', 'v1', 'leases'),
  endpointslices: g('discovery.k8s.io', 'v1', 'endpointslices'),
  ingresses: g('networking.k8s.io', 'v1', 'ingresses'),
  ingressclasses: g('networking.k8s.io', 'v1', 'ingressclasses'),
  horizontalpodautoscalers: g('autoscaling', 'v2', 'horizontalpodautoscalers'),
  jobs: g('batch', 'v1', 'jobs'),
  cronjobs: g('batch', 'v1', 'cronjobs'),
  eventsV1: g('events.k8s.io', 'v1', 'events'),
  storageclasses: g('storage.k8s.io', 'v1', 'storageclasses'),
} as const satisfies Record<string, GVR>;
