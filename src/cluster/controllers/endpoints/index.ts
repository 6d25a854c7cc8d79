// The endpoints room: the Endpoints controller, and the pod → endpoint rules the EndpointSlice controller shares.
export { createEndpointsController, endpointsManagedByLabel, endpointsControllerName, isApiServerService } from './controller.ts';
export { computeSubsets, maxEndpointsCapacity } from './subsets.ts';
export { shouldPodBeInEndpoints, findPort, hasSelector, selects, servicesOf, endpointRelevant, podHostname, lastChangeTime, triggerTimeAnnotation, headlessLabel } from './pods.ts';
export type { Pod, Service } from './pods.ts';
