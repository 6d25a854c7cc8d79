// The service proxy's front door (kube-proxy's role in every agent): nftables rules for ClusterIPs,
// NodePorts and external/LoadBalancer addresses from watched Services and EndpointSlices.
export { runServiceProxy, proxyTableName } from './proxier.ts';
export type { ServiceProxyOptions, SyncReport } from './proxier.ts';
