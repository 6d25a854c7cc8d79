// The ingress room: the built-in Ingress controller that `skiff server` runs (networking.k8s.io/v1).
export { startIngress } from './controller.ts';
export type { IngressOptions, RunningIngress } from './controller.ts';
export { className, controllerId } from './routes.ts';
export { serviceName, serviceNamespace } from './publish.ts';
