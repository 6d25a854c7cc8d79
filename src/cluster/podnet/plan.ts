// What the routes between nodes should be (flannel's host-gw and vxlan backends, chosen per peer): a peer
// whose InternalIP is on a directly connected subnet is reached by a plain route via that IP; any other peer
// through the VXLAN device, via its VTEP address (the network address of its pod CIDR, as flannel does) with
// a static neighbour entry (VTEP → the peer's device MAC) and FDB entry (MAC → the peer's node IP). Pure.
import type { Node } from 'kubernetes-types/core/v1.js';
import { intToIpv4, parseCidr4 } from '../../lib/ipv4.ts';

/** the Node annotation carrying a node's VXLAN device MAC (flannel: flannel.alpha.coreos.com/backend-data) */
export const VXLAN_MAC_ANNOTATION = 'skiff.io/vxlan-mac';
export const VXLAN_DEVICE = 'skiff.1';
export const VXLAN_VNI = 1;
export const VXLAN_PORT = 8472;

export interface Peer {
  name: string;
  ip: string;
  podCIDR: string;
  vxlanMac?: string;
}

export interface RouteWant {
  dst: string;
  via: string;
  /** the VXLAN device (onlink); absent: the kernel's route to `via` */
  dev?: string;
}

export interface VxlanPeer {
  mac: string;
  nodeIP: string;
  vtep: string;
}

export interface PodNetPlan {
  routes: RouteWant[];
  vxlan: VxlanPeer[];
  /** some peer is reached through VXLAN (this node needs its device, and its MAC published) */
  needsVxlan: boolean;
  /** peers left out for now, with why */
  skipped: { name: string; why: string }[];
}

/** how this node reaches a peer's node IP: on-link, through a gateway, not at all, or it is our own address */
export type Reach = 'direct' | 'routed' | 'unreachable' | 'local';

/** the VTEP address of a node: its pod CIDR's network address */
export const vtepOf = (podCIDR: string) => intToIpv4(parseCidr4(podCIDR, 'podCIDR').base);

/** the other nodes that have an InternalIP and a podCIDR */
export function peersOf(nodes: Node[], self: string): Peer[] {
  return nodes.flatMap((n) => {
    const name = n.metadata?.name ?? '';
    const ip = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
    const podCIDR = n.spec?.podCIDR;
    if (name === self || !ip || !podCIDR || !/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(podCIDR)) return [];
    return [{ name, ip, podCIDR, vxlanMac: n.metadata?.annotations?.[VXLAN_MAC_ANNOTATION] }];
  }).sort((a, b) => a.name.localeCompare(b.name));
}

/** what of a Node the routes depend on: a Node update that leaves this alone (a status beat) needs no pass */
export function routingKey(n: Node): string {
  const ip = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  return JSON.stringify([n.metadata?.name, ip, n.spec?.podCIDR, n.metadata?.annotations?.[VXLAN_MAC_ANNOTATION]]);
}

export function planPodNetwork(peers: Peer[], reach: (ip: string) => Reach, self: { ip: string; podCIDR: string }): PodNetPlan {
  const plan: PodNetPlan = { routes: [], vxlan: [], needsVxlan: false, skipped: [] };
  for (const p of peers) {
    if (p.podCIDR === self.podCIDR) {
      plan.skipped.push({ name: p.name, why: `it has this node's pod CIDR ${p.podCIDR}` });
      continue;
    }
    if (p.ip === self.ip) {
      plan.skipped.push({ name: p.name, why: `it has this node's IP ${p.ip}` });
      continue;
    }
    const r = reach(p.ip);
    if (r === 'direct') {
      plan.routes.push({ dst: p.podCIDR, via: p.ip });
    } else if (r === 'unreachable') {
      plan.skipped.push({ name: p.name, why: `no route to its node IP ${p.ip}` });
    } else if (r === 'local') {
      // two agents in one network namespace (tests): their pod bridges are both here already
      plan.skipped.push({ name: p.name, why: `its node IP ${p.ip} is an address of this host` });
    } else {
      plan.needsVxlan = true;
      if (!p.vxlanMac) {
        plan.skipped.push({ name: p.name, why: `it has not published its VXLAN MAC (${VXLAN_MAC_ANNOTATION}) yet` });
        continue;
      }
      const vtep = vtepOf(p.podCIDR);
      plan.vxlan.push({ mac: p.vxlanMac, nodeIP: p.ip, vtep });
      plan.routes.push({ dst: p.podCIDR, via: vtep, dev: VXLAN_DEVICE });
    }
  }
  return plan;
}
