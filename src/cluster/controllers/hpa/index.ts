// The HorizontalPodAutoscaler controller room: the control loop, kube's replica calculator and behavior rules.
export { createHorizontalPodAutoscalerController, controllerName, formatMilli, type HpaControllerOptions } from './controller.ts';
export type { ResourceMetricsSource } from './metrics.ts';
