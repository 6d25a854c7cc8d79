// The deployment room: the Deployment controller (it sizes ReplicaSets; the ReplicaSet controller makes pods).
export { createDeploymentController } from './controller.ts';
export { computeHash, hashLabel, revisionAnnotation, revisionHistoryAnnotation, desiredReplicasAnnotation, maxReplicasAnnotation, equalIgnoreHash } from './replicasets.ts';
export type { Deployment, ReplicaSet } from './replicasets.ts';
