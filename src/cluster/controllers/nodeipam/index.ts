// Node IPAM: each Node's spec.podCIDR from the cluster CIDR (kube-controller-manager --allocate-node-cidrs).
export { createNodeIpamController, DEFAULT_CLUSTER_CIDR } from './controller.ts';
export type { NodeIpamOptions } from './controller.ts';
export { createCidrSet } from './cidrset.ts';
export type { CidrSet } from './cidrset.ts';
