// The network room's front door: networks, container sandboxes (CNI), published ports (nftables DNAT).
export { createNetworkService, DEFAULT_BIP, DEFAULT_BRIDGE } from './service.ts';
export type { NetworkEngine, NetworkServiceOptions } from './service.ts';
export type { ContainerAccess, DnsControl } from './context.ts';
export { nftTableName } from './nft.ts';
export { parseAddressPool, type AddressPool } from './records.ts';
