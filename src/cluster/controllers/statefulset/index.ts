// The statefulset room: the StatefulSet controller (ordered pods with stable names and claims, rolling updates).
export { createStatefulSetController } from './controller.ts';
export { podName, claimName, parentAndOrdinal, podNameLabel, podIndexLabel } from './identity.ts';
