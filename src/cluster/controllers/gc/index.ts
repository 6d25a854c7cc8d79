// The garbage collector's front door.
export { createGarbageCollector } from './controller.ts';
export type { GarbageCollectorOptions } from './controller.ts';
export { gcResources, foregroundFinalizer, orphanFinalizer } from './graph.ts';
