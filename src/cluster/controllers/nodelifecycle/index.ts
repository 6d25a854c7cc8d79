// The node lifecycle room: heartbeats → node conditions and taints, taint-based eviction, and GC of pods left
// on dead or deleted nodes.
export { createNodeLifecycleController } from './controller.ts';
export type { NodeLifecycleOptions } from './controller.ts';
export { evictionVerdict } from './eviction.ts';
