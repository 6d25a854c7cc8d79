// The replicaset room: the ReplicaSet and ReplicationController controllers (one loop over two kinds).
export { createReplicaSetController, createReplicationControllerController, burstReplicas } from './controller.ts';
export { rankPodsForDeletion, podFromTemplate } from './pods.ts';
export type { PodObject } from './pods.ts';
