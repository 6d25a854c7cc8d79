// The sim room's front door: simulated nodes (kubelets without containers) for tests and benchmarks.
export { runSimNodes } from './nodes.ts';
export type { SimNodesOptions } from './nodes.ts';
export { nodeObject, leaseObject, runningStatus, isReportedRunning, podCidrOf, nodeIpOf } from './objects.ts';
export type { SimNodeSpec } from './objects.ts';
