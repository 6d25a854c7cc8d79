// The routes between nodes, kept by every agent (flannel's job): it watches the Nodes and, for each other node
// with a podCIDR and an InternalIP, keeps a route to that pod CIDR — via the node IP when it is on a directly
// connected subnet (host-gw), else through the VXLAN device `skiff.1` (VNI 1, port 8472, no learning, static
// neighbour + FDB entries from the peer's `skiff.io/vxlan-mac` annotation, which each agent publishes for its
// own device). Level-triggered: any Node change, and a resync every 30 s, compare the kernel with the plan.
// What it installed is kept in a state file, so only its own entries are ever removed (node-1 of `skiff up`
// shares the host's namespace with other clusters), and they survive an agent restart untouched.
import { readFile } from 'node:fs/promises';
import type { Node as KNode } from 'kubernetes-types/core/v1.js';
import type { ApiClient } from '../client/types.ts';
import { createInformerFactory } from '../client/index.ts';
import type { KObject } from '../types/meta.ts';
import { R } from '../types/gvr.ts';
import { writeFileAtomic } from '../../lib/atomic.ts';
import { errnoCode } from '../../lib/errors.ts';
import { logger } from '../../lib/log.ts';
import { createKernel, type Kernel } from './kernel.ts';
import { peersOf, planPodNetwork, routingKey, vtepOf, VXLAN_MAC_ANNOTATION, type PodNetPlan, type Reach, type RouteWant, type VxlanPeer } from './plan.ts';

const log = logger('podnet');

type Node = KNode & KObject;

export interface PodNetworkOptions {
  client: ApiClient;
  nodeName: string;
  nodeIP: string;
  podCIDR: string;
  /** what this agent installed (JSON), e.g. <agent root>/podnet.json */
  stateFile: string;
  signal: AbortSignal;
  /** work in this named network namespace instead of our own (tests) */
  netns?: string;
  resyncMs?: number;
}

interface Installed { routes: RouteWant[]; vxlan: VxlanPeer[] }

const sameRoute = (a: RouteWant, b: RouteWant) => a.dst === b.dst && a.via === b.via && (a.dev ?? '') === (b.dev ?? '');
const samePeer = (a: VxlanPeer, b: VxlanPeer) => a.mac === b.mac && a.nodeIP === b.nodeIP && a.vtep === b.vtep;

async function loadInstalled(path: string): Promise<Installed> {
  try {
    const s = JSON.parse(await readFile(path, 'utf8')) as Partial<Installed>;
    return { routes: s.routes ?? [], vxlan: s.vxlan ?? [] };
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return { routes: [], vxlan: [] };
    throw err;
  }
}

/** one pass: plan from the Nodes, then make the kernel match; returns the plan and what is installed now */
export async function syncPodNetwork(o: Omit<PodNetworkOptions, 'signal' | 'resyncMs'>, kernel: Kernel, nodes: Node[], installed: Installed): Promise<{ plan: PodNetPlan; installed: Installed }> {
  const peers = peersOf(nodes, o.nodeName);
  const reach = new Map<string, Reach>();
  for (const p of peers) if (!reach.has(p.ip)) reach.set(p.ip, await kernel.reach(p.ip));
  const plan = planPodNetwork(peers, (ip) => reach.get(ip)!, { ip: o.nodeIP, podCIDR: o.podCIDR });
  if (plan.needsVxlan) await publishVxlanMac(o, nodes, await kernel.ensureVxlan(o.nodeIP, vtepOf(o.podCIDR)));
  if (plan.vxlan.length || installed.vxlan.length) {
    const [fdb, neigh] = await Promise.all([kernel.fdb(), kernel.neighbours()]);
    for (const p of plan.vxlan) {
      if (!fdb.some((f) => f.mac === p.mac && f.nodeIP === p.nodeIP) || !neigh.some((n) => n.vtep === p.vtep && n.mac === p.mac)) await kernel.addPeer(p);
    }
    for (const p of installed.vxlan) {
      if (plan.vxlan.some((w) => samePeer(w, p))) continue;
      if (!plan.vxlan.some((w) => w.vtep === p.vtep)) await kernel.deleteNeighbour(p.vtep);
      if (!plan.vxlan.some((w) => w.mac === p.mac && w.nodeIP === p.nodeIP)) await kernel.deleteFdb(p.mac, p.nodeIP);
    }
  }
  const current = await kernel.routes();
  for (const r of plan.routes) if (!current.some((c) => sameRoute(c, r))) await kernel.replaceRoute(r);
  for (const r of installed.routes) {
    // a route we made that is no longer wanted (one the plan replaced for the same destination is gone already)
    if (!plan.routes.some((w) => sameRoute(w, r)) && current.some((c) => sameRoute(c, r))) await kernel.deleteRoute(r);
  }
  const now: Installed = { routes: plan.routes, vxlan: plan.vxlan };
  if (JSON.stringify(now) !== JSON.stringify(installed)) await writeFileAtomic(o.stateFile, `${JSON.stringify(now)}\n`);
  return { plan, installed: now };
}

async function publishVxlanMac(o: Pick<PodNetworkOptions, 'client' | 'nodeName'>, nodes: Node[], mac: string): Promise<void> {
  const self = nodes.find((n) => n.metadata?.name === o.nodeName);
  // the kubelet registers the Node; until then there is nothing to annotate (its add event brings us back)
  if (!self || self.metadata?.annotations?.[VXLAN_MAC_ANNOTATION] === mac) return;
  await o.client.patch(R.nodes, undefined, o.nodeName, 'merge', { metadata: { annotations: { [VXLAN_MAC_ANNOTATION]: mac } } });
  log.info('published the VXLAN device MAC', { node: o.nodeName, mac });
}

/** the kernel with `reach` answers kept for `ttlMs` (one `ip route get` per peer per pass adds up with many nodes) */
function withReachCache(kernel: Kernel, ttlMs: number): Kernel {
  const cache = new Map<string, { reach: Reach; at: number }>();
  return {
    ...kernel,
    async reach(ip) {
      const hit = cache.get(ip);
      if (hit && Date.now() - hit.at < ttlMs) return hit.reach;
      const reach = await kernel.reach(ip);
      cache.set(ip, { reach, at: Date.now() });
      return reach;
    },
  };
}

/** Keeps the routes to the other nodes' pods until `signal` aborts (they stay after: pods outlive the agent). */
export async function runPodNetwork(o: PodNetworkOptions): Promise<void> {
  const resync = o.resyncMs ?? 30_000;
  const kernel = withReachCache(createKernel(o.netns), resync);
  const informers = createInformerFactory(o.client);
  const nodes = informers.informer<Node>(R.nodes);
  let wake: (() => void) | undefined;
  let dirty = true;
  const kick = () => { dirty = true; wake?.(); };
  // every kubelet posts its Node's status every 10 s: only changes to what routes depend on start a pass
  nodes.on({ add: kick, update: (old, cur) => { if (routingKey(old) !== routingKey(cur)) kick(); }, delete: kick });
  informers.start(o.signal);
  try {
    await informers.waitForSync(o.signal);
  } catch {
    return; // stopped before the first list
  }
  let installed = await loadInstalled(o.stateFile);
  let lastSkipped = '';
  while (!o.signal.aborted) {
    let waitMs = resync;
    if (dirty) {
      dirty = false;
      try {
        const r = await syncPodNetwork(o, kernel, nodes.list(), installed);
        installed = r.installed;
        const skipped = r.plan.skipped.map((s) => `${s.name}: ${s.why}`).join('; ');
        if (skipped && skipped !== lastSkipped) log.warn('some nodes are not routed yet', { skipped });
        lastSkipped = skipped;
      } catch (err) {
        log.warn('updating the routes to other nodes failed; retrying', { err: (err as Error).message });
        dirty = true;
        waitMs = 5000;
      }
    }
    // until a Node changes (a failed pass waits its 5 s regardless), or the resync is due
    if (!dirty || waitMs !== resync) {
      await new Promise<void>((ok) => {
        const done = () => { clearTimeout(timer); o.signal.removeEventListener('abort', done); ok(); };
        const timer = setTimeout(() => { dirty = true; done(); }, waitMs);
        if (waitMs === resync) wake = done;
        o.signal.addEventListener('abort', done, { once: true });
      });
      wake = undefined;
    }
    // events come in bursts (every kubelet's status beat): one pass for a burst
    await new Promise((ok) => setTimeout(ok, 100));
  }
}
