// The node IPAM controller (kube-controller-manager --allocate-node-cidrs with the range allocator): every
// Node without spec.podCIDR gets the next free subnet of the cluster CIDR; a deleted Node's subnet goes back.
// The subnets Nodes already hold (given by their kubelets, or before a restart) are marked used first.
import type { Node as KNode } from 'kubernetes-types/core/v1.js';
import type { Controller, ControllerContext, ReconcileResult } from '../../client/types.ts';
import { createWorkQueue, runWorkers } from '../../client/index.ts';
import type { KObject } from '../../types/meta.ts';
import { R } from '../../types/gvr.ts';
import { isStatusError } from '../../types/status-error.ts';
import { logger } from '../../../lib/log.ts';
import { createCidrSet } from './cidrset.ts';

type Node = KNode & KObject;

export interface NodeIpamOptions {
  /** the cluster's pod addresses (kube: --cluster-cidr; k3s' default 10.42.0.0/16) */
  clusterCIDR?: string;
  /** each node's share (kube: --node-cidr-mask-size, 24) */
  nodeMaskSize?: number;
}

export const DEFAULT_CLUSTER_CIDR = '10.42.0.0/16';

export function createNodeIpamController(ctx: ControllerContext, opts: NodeIpamOptions = {}): Controller {
  const name = 'node-ipam-controller';
  const log = logger(name);
  const clusterCIDR = opts.clusterCIDR ?? DEFAULT_CLUSTER_CIDR;
  const cidrs = createCidrSet(clusterCIDR, opts.nodeMaskSize ?? 24);
  const events = ctx.recorder('cidrAllocator');
  const nodes = ctx.informers.informer<Node>(R.nodes);
  const queue = createWorkQueue({ name });
  /** subnets handed out whose Node in the cache may not show them yet: node name → CIDR */
  const given = new Map<string, string>();

  const noteHeld = (n: Node) => {
    const cidr = n.spec?.podCIDR;
    if (cidr && !cidrs.occupy(cidr)) log.debug('a node holds a podCIDR outside the cluster CIDR', { node: n.metadata?.name, podCIDR: cidr, clusterCIDR });
  };
  nodes.on({
    add: (n) => { noteHeld(n); if (!n.spec?.podCIDR) queue.add(n.metadata!.name!); },
    update: (_, n) => { noteHeld(n); if (!n.spec?.podCIDR) queue.add(n.metadata!.name!); },
    delete: (n) => {
      const nodeName = n.metadata!.name!;
      // both: a Node deleted before the cache saw our patch holds only the one we gave
      for (const cidr of new Set([n.spec?.podCIDR, given.get(nodeName)])) if (cidr) cidrs.release(cidr);
      given.delete(nodeName);
      // nodes waiting for a subnet try again now rather than at their next retry
      for (const w of nodes.list()) if (!w.spec?.podCIDR && w.metadata?.name !== nodeName) queue.add(w.metadata!.name!);
    },
  });

  async function reconcileNode(nodeName: string): Promise<ReconcileResult> {
    const node = nodes.get(nodeName);
    if (!node) return;
    if (node.spec?.podCIDR) {
      const mine = given.get(nodeName);
      // someone else set it first (the kubelet's --pod-cidr): ours goes back
      if (mine && mine !== node.spec.podCIDR) cidrs.release(mine);
      given.delete(nodeName);
      return;
    }
    let cidr = given.get(nodeName);
    if (!cidr) {
      cidr = cidrs.allocate();
      if (!cidr) {
        events.event(node, 'Normal', 'CIDRNotAvailable', `Node ${nodeName} status is now: CIDRNotAvailable`);
        log.warn('no pod CIDR left for a node', { node: nodeName, clusterCIDR, used: cidrs.used });
        return { requeueAfterMs: 30_000 };
      }
      given.set(nodeName, cidr);
    }
    try {
      // the resourceVersion makes this a compare-and-swap: a Node changed since the cache saw it is looked at again
      await ctx.client.patch(R.nodes, undefined, nodeName, 'merge', {
        metadata: { resourceVersion: node.metadata?.resourceVersion }, spec: { podCIDR: cidr, podCIDRs: [cidr] },
      });
      log.info('pod CIDR assigned', { node: nodeName, podCIDR: cidr });
    } catch (err) {
      if (isStatusError(err, 'NotFound')) {
        cidrs.release(cidr);
        given.delete(nodeName);
        return;
      }
      throw err; // Conflict and the rest: retried with back-off, the same CIDR kept for this node
    }
  }

  return {
    name,
    async run(signal) {
      try {
        await ctx.informers.waitForSync(signal);
      } catch {
        return;
      }
      // every held subnet is known before the first one is handed out
      for (const n of nodes.list()) noteHeld(n);
      for (const n of nodes.list()) if (!n.spec?.podCIDR) queue.add(n.metadata!.name!);
      await runWorkers(queue, 1, reconcileNode, signal, name);
    },
  };
}
