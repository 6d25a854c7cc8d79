// The pod network between nodes (flannel's role inside every agent): host-gw routes to nodes on a directly
// connected subnet, VXLAN (`skiff.1`) to the rest.
export { runPodNetwork, syncPodNetwork } from './podnet.ts';
export type { PodNetworkOptions } from './podnet.ts';
export { planPodNetwork, peersOf, routingKey, vtepOf, VXLAN_DEVICE, VXLAN_MAC_ANNOTATION, VXLAN_PORT, VXLAN_VNI } from './plan.ts';
export type { Peer, PodNetPlan, RouteWant, VxlanPeer } from './plan.ts';
export { createKernel } from './kernel.ts';
