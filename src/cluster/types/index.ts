// The types room: Kubernetes object shapes, the table of served kinds, defaults and validation, API errors.
export * from './meta.ts';
export * from './status-error.ts';
export type { ResourceSpec, Subresource } from './resource.ts';
export { resources, findResource, findByKind, gvrOf } from './registry.ts';
export { R } from './gvr.ts';
export * from './labels.ts';
export { parseQuantity, cpuMillis, memoryBytes, isValidQuantity, quantitySign, compareQuantity, formatCpu, formatMemory, formatQuantity } from './quantity.ts';
export { getPodCondition, isPodReady, isPodTerminal, isPodActive, isPodAvailable, controllerOf, podRequests, podQOSClass } from './pod.ts';
export type { PodRequests, QOSClass } from './pod.ts';
export { STORAGE, localPathStorageClass } from './storage.ts';
