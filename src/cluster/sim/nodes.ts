// `skiff sim nodes`: N simulated kubelets in one process. Each registers its Node (reusing one that exists),
// holds a Lease in kube-node-lease, heart-beats, and reports the pods bound to it Running and Ready (one pod
// watch for all of them). Stopping does NOT deregister: the nodes stay behind as dead nodes, so the node
// lifecycle controller can be seen at work.
import type { Node as KNode, Pod as KPod } from 'kubernetes-types/core/v1.js';
import type { ApiClient, ReconcileResult } from '../client/types.ts';
import { createInformerFactory } from '../client/informer.ts';
import { createWorkQueue, runWorkers } from '../client/workqueue.ts';
import { R } from '../types/gvr.ts';
import { objectKey, splitKey, type KObject } from '../types/meta.ts';

type Node = KNode & KObject;
type Pod = KPod & KObject;
import { isStatusError } from '../types/status-error.ts';
import { finishedStatus, simAnnotations, isReportedRunning, leaseObject, leaseRenewal, nodeIpOf, nodeObject, podCidrOf, podIpOf, runningStatus, slotOfCidr, nodeConditions } from './objects.ts';

export interface SimNodesOptions {
  client: ApiClient;
  count: number;
  prefix: string;
  cpu: string;
  memory: string;
  maxPods?: number;
  signal: AbortSignal;
  log?: (line: string) => void;
  /** Lease renewal period (kubelet: 10 s) */
  leaseIntervalMs?: number;
  /** Ready condition heartbeat period */
  statusIntervalMs?: number;
  now?: () => Date;
}

interface SimNode {
  name: string;
  slot: number;
  hostIP: string;
  podCIDR: string;
  /** pod uid → host number in the node's /24 */
  ips: Map<string, number>;
  since: Date;
}

/** writes in flight at once, for registration, heartbeats and pod status */
const concurrency = 32;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => { clearTimeout(t); signal.removeEventListener('abort', done); resolve(); };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });

async function eachLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

export async function runSimNodes(o: SimNodesOptions): Promise<void> {
  const { client, signal } = o;
  const log = o.log ?? (() => {});
  const now = o.now ?? (() => new Date());
  const maxPods = o.maxPods ?? 110;
  const names = Array.from({ length: o.count }, (_, i) => `${o.prefix}-${i}`);

  // the API server may not be up yet (started together): retry the first call until it answers
  let existing: Node[] = [];
  for (let delay = 200; !signal.aborted; delay = Math.min(delay * 2, 5000)) {
    try {
      existing = (await client.list<Node>(R.nodes, undefined)).items;
      break;
    } catch (err) {
      log(`waiting for the API server: ${message(err)}`);
      await sleep(delay, signal);
    }
  }
  if (signal.aborted) return;

  // a node keeps its podCIDR (immutable once set); new ones take the lowest /24 no other node has
  const byName = new Map(existing.map((n) => [n.metadata?.name ?? '', n]));
  const taken = new Set(existing.map((n) => slotOfCidr(n.spec?.podCIDR)).filter((s): s is number => s !== undefined));
  let free = 0;
  const nodes = new Map<string, SimNode>();
  for (const name of names) {
    let slot = slotOfCidr(byName.get(name)?.spec?.podCIDR);
    if (slot === undefined) {
      while (taken.has(free)) free++;
      slot = free;
      taken.add(slot);
    }
    nodes.set(name, { name, slot, hostIP: nodeIpOf(slot), podCIDR: byName.get(name)?.spec?.podCIDR ?? podCidrOf(slot), ips: new Map(), since: now() });
  }

  async function register(n: SimNode) {
    const desired = nodeObject({ name: n.name, slot: n.slot, cpu: o.cpu, memory: o.memory, maxPods }, now());
    let node: Node;
    try {
      const cur = await client.get<Node>(R.nodes, undefined, n.name);
      const spec = cur.spec?.podCIDR ? {} : { spec: desired.spec };
      node = await client.patch<Node>(R.nodes, undefined, n.name, 'merge', { metadata: { labels: desired.metadata?.labels, annotations: desired.metadata?.annotations }, ...spec });
    } catch (err) {
      if (!isStatusError(err, 'NotFound')) throw err;
      node = await client.create<Node>(R.nodes, undefined, { ...desired, status: undefined } as KObject);
    }
    n.since = now();
    await client.patch(R.nodes, undefined, n.name, 'merge', { status: { ...desired.status, conditions: nodeConditions(now(), n.since) } }, { subresource: 'status' });
    try {
      await client.create(R.leases, 'kube-node-lease', leaseObject({ name: n.name, uid: node.metadata?.uid }, now()) as KObject);
    } catch (err) {
      if (!isStatusError(err, 'AlreadyExists')) throw err;
      await client.patch(R.leases, 'kube-node-lease', n.name, 'merge', { spec: { ...leaseObject({ name: n.name }, now()).spec } });
    }
  }

  async function registerWithRetry(n: SimNode) {
    for (let delay = 500; !signal.aborted; delay = Math.min(delay * 2, 10_000)) {
      try {
        return await register(n);
      } catch (err) {
        log(`registering node ${n.name} failed (retrying): ${message(err)}`);
        await sleep(delay, signal);
      }
    }
  }

  await eachLimit([...nodes.values()], concurrency, registerWithRetry);
  if (signal.aborted) return;
  log(`registered ${nodes.size} node(s): ${names[0]}${names.length > 1 ? `…${names.at(-1)}` : ''}`);

  /** every interval, run beat for each node; a node that vanished (NotFound) registers again */
  async function heartbeat(intervalMs: number, what: string, beat: (n: SimNode) => Promise<void>) {
    while (!signal.aborted) {
      await sleep(intervalMs, signal);
      if (signal.aborted) return;
      let failed = 0;
      let last = '';
      await eachLimit([...nodes.values()], concurrency, async (n) => {
        try {
          await beat(n);
        } catch (err) {
          if (isStatusError(err, 'NotFound')) return registerWithRetry(n);
          failed++;
          last = message(err);
        }
      });
      if (failed) log(`${what}: ${failed} node(s) failed: ${last}`);
    }
  }

  const renewLeases = heartbeat(o.leaseIntervalMs ?? 10_000, 'lease renewal', (n) =>
    client.patch(R.leases, 'kube-node-lease', n.name, 'merge', leaseRenewal(now())).then(() => {}));
  const postStatus = heartbeat(o.statusIntervalMs ?? 15_000, 'node status', (n) =>
    client.patch(R.nodes, undefined, n.name, 'merge', { status: { conditions: nodeConditions(now(), n.since) } }, { subresource: 'status' }).then(() => {}));

  const informers = createInformerFactory(client);
  const pods = informers.informer<Pod>(R.pods);
  const queue = createWorkQueue({ name: 'sim-kubelet' });
  const ours = (p: Pod) => !!p.spec?.nodeName && nodes.has(p.spec.nodeName);
  pods.on({
    add: (p) => { if (ours(p)) queue.add(objectKey(p)); },
    update: (_old, p) => { if (ours(p)) queue.add(objectKey(p)); },
    delete: (p) => { if (ours(p)) nodes.get(p.spec!.nodeName!)!.ips.delete(p.metadata?.uid ?? ''); },
  });

  function allocateIp(n: SimNode, uid: string): string {
    let host = n.ips.get(uid);
    if (host === undefined) {
      const used = new Set(n.ips.values());
      host = 2;
      while (used.has(host) && host < 254) host++;
      n.ips.set(uid, host);
    }
    return podIpOf(n.podCIDR, host);
  }

  /** a pod annotated to finish (Job pods on sim nodes) exits once its time is up */
  async function finishIfDue(pod: Pod, namespace: string | undefined, name: string): Promise<ReconcileResult> {
    const after = Number(pod.metadata?.annotations?.[simAnnotations.succeedAfter]);
    if (!Number.isFinite(after) || !pod.status?.startTime) return;
    const dueMs = Date.parse(pod.status.startTime) + after * 1000 - now().getTime();
    if (dueMs > 0) return { requeueAfterMs: dueMs };
    const code = Number(pod.metadata?.annotations?.[simAnnotations.exitCode] ?? 0) || 0;
    await client.patch(R.pods, namespace, name, 'merge', { status: finishedStatus(pod, code, now()) }, { subresource: 'status' });
  }

  async function syncPod(key: string): Promise<ReconcileResult> {
    const pod = pods.get(key);
    if (!pod || !ours(pod)) return;
    const n = nodes.get(pod.spec!.nodeName!)!;
    const uid = pod.metadata?.uid ?? '';
    const { namespace, name } = splitKey(key);
    try {
      if (pod.metadata?.deletionTimestamp) {
        // the kubelet's final delete: the containers are gone (there were none)
        await client.delete(R.pods, namespace, name, { gracePeriodSeconds: 0, preconditions: { uid } });
        n.ips.delete(uid);
        return;
      }
      if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return;
      if (isReportedRunning(pod)) {
        const host = Number(pod.status!.podIP!.split('.').at(-1));
        if (!n.ips.has(uid) && pod.status!.podIP!.startsWith(n.podCIDR.replace(/0\/24$/, ''))) n.ips.set(uid, host);
        return finishIfDue(pod, namespace, name);
      }
      const status = runningStatus(pod, n.hostIP, allocateIp(n, uid), now());
      await client.patch(R.pods, namespace, name, 'merge', { status }, { subresource: 'status' });
    } catch (err) {
      if (isStatusError(err, 'NotFound') || isStatusError(err, 'Conflict')) return; // gone, or replaced by a new pod of that name
      throw err;
    }
  }

  informers.start(signal);
  await Promise.all([runWorkers(queue, concurrency, syncPod, signal, 'sim-kubelet'), renewLeases, postStatus]);
  log(`stopped; ${nodes.size} node(s) left registered (they will go NotReady)`);
}
