// The kubelet room's front door: a node agent that runs the pods bound to its node through the engine's
// RuntimeService (types/runtime.ts) and reports them to the API server.
export { runKubelet } from './kubelet.ts';
export type { KubeletOptions } from './kubelet.ts';
export { KUBELET_VERSION } from './node.ts';
