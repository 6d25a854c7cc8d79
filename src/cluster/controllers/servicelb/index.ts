// The servicelb room: LoadBalancer Services get addresses from the server's --lb-pool.
export { createServiceLbController, controllerName, wantsAddress } from './controller.ts';
export { parseLbPool, ipv4ToInt, intToIpv4 } from './pool.ts';
export type { LbPool } from './pool.ts';
