// The endpointslice room: the EndpointSlice controller and the labels it puts on the slices it manages.
export { createEndpointSliceController, serviceNameLabel, managedByLabel, controllerName } from './controller.ts';
export { maxEndpointsPerSlice, desiredGroups, planSlices } from './slices.ts';
