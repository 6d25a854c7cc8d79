// The disruption room: the controller that keeps PodDisruptionBudget status (what the eviction API decides by).
export { createDisruptionController, disruptionControllerName, deletionTimeoutMs } from './controller.ts';
export { expectedPods, scaledValue } from './expected.ts';
