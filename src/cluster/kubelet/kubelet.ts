// The kubelet: registers the Node and keeps its Lease and status, watches the pods bound to this node
// (a field-selected informer) and syncs each in its own turn of a work queue. The runtime's container events
// (evented PLEG) wake a pod the moment one of its containers stops or goes; a relist of the runtime (every
// second without events, every 10 s with them: the safety net; the first one a second after the start) wakes
// the pods whose containers changed unseen, and sweeps what no pod owns any more.
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { PersistentVolumeClaim, Pod as KPod, Service } from 'kubernetes-types/core/v1.js';
import type { ContainerEvent, ImageService, RuntimeEvents, RuntimeService } from '../../engine/types/runtime.ts';
import type { ApiClient } from '../client/types.ts';
import { createInformerFactory } from '../client/informer.ts';
import { createWorkQueue, runWorkers } from '../client/workqueue.ts';
import { createEventRecorder } from '../client/events.ts';
import { R } from '../types/gvr.ts';
import { objectKey, type KObject } from '../types/meta.ts';
import { isStatusError } from '../types/status-error.ts';
import { logger } from '../../lib/log.ts';
import { createBackoff } from './backoff.ts';
import { createProber, probeLabel } from './probes.ts';
import { L } from './labels.ts';
import { hostCapacity, nodeConditions, nodeObject, registerNode, renewLease } from './node.ts';
import { syncPod, type WorkerDeps } from './pod-worker.ts';
import { removePodDir } from './volumes.ts';
import { claimedVolume } from './claims.ts';
import { createTokenManager } from './tokens.ts';
import type { SourceLookup } from './env.ts';
import type { Waiting } from './status.ts';
import { createEndpointDrain, defaultDrain, podUidsOf, slicesByPodUid, type DrainOptions, type Slice } from './endpoint-drain.ts';

type Pod = KPod & KObject;
const log = logger('kubelet');
const debugTiming = process.env.SKIFF_LOG === 'debug';

export interface KubeletOptions {
  client: ApiClient;
  runtime: RuntimeService;
  images: ImageService;
  /** the runtime's container events (optional): exits wake their pod at once instead of at the next relist */
  events?: RuntimeEvents;
  nodeName: string;
  nodeIP: string;
  podCIDR?: string;
  /** the kubelet's own state: <root>/pods/<uid>/…, <root>/logs/pods/<ns>_<name>_<uid>/… */
  root: string;
  signal: AbortSignal;
  /** the port its HTTPS server (logs, exec, stats) listens on, written into the Node */
  kubeletPort?: number;
  maxPods?: number;
  resolvConf?: string;
  clusterDNS?: string[];
  clusterDomain?: string;
  /** the Lease's leaseDurationSeconds (kubelet nodeLeaseDurationSeconds, 40); it is renewed every quarter of
   * it (nodeLeaseRenewIntervalFraction 0.25), so it must be shorter than the server's node-monitor-grace-period
   * for a live node never to look quiet */
  leaseDurationSeconds?: number;
  /** overrides the quarter of leaseDurationSeconds (tests) */
  leaseIntervalMs?: number;
  statusIntervalMs?: number;
  relistIntervalMs?: number;
  resyncIntervalMs?: number;
  /** pods synced at once */
  workers?: number;
  /** how a deleted pod leaves the Services' data path before SIGTERM (false: not at all, as Kubernetes) */
  endpointDrain?: Partial<DrainOptions> | false;
}

const sleep = (ms: number, signal: AbortSignal) => new Promise<void>((ok) => {
  if (signal.aborted) return ok();
  const t = setTimeout(done, ms);
  function done() { clearTimeout(t); signal.removeEventListener('abort', done); ok(); }
  signal.addEventListener('abort', done, { once: true });
});
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** the API client with list/watch of pods narrowed to this node (the informer lists all it is given) */
function podsOfNode(client: ApiClient, nodeName: string): ApiClient {
  const sel = `spec.nodeName=${nodeName}`;
  const isPods = (r: { group: string; resource: string }) => r.group === '' && r.resource === 'pods';
  return {
    ...client,
    list: (r, ns, o) => client.list(r, ns, isPods(r) ? { ...o, fieldSelector: sel } : o),
    watch: (r, ns, o, s) => client.watch(r, ns, isPods(r) ? { ...o, fieldSelector: sel } : o, s),
  };
}

/** what of a pod the kubelet acts on (not its status, which it writes itself) */
const wants = (p: Pod) => JSON.stringify([p.metadata?.uid, p.spec, p.metadata?.labels, p.metadata?.annotations, p.metadata?.deletionTimestamp, p.metadata?.deletionGracePeriodSeconds,
  // a readiness gate's condition, set by another controller, changes Ready (kubelet's HandlePodReconcile)
  (p.spec?.readinessGates ?? []).map((g) => p.status?.conditions?.find((c) => c.type === g.conditionType)?.status)]);

function sourceLookup(client: ApiClient, nodeName: string): SourceLookup {
  const get = async (r: typeof R.configmaps, ns: string, name: string, decode: boolean) => {
    try {
      const o = await client.get<KObject & { data?: Record<string, string>; binaryData?: Record<string, string> }>(r, ns, name);
      const data = Object.fromEntries(Object.entries(o.data ?? {}).map(([k, v]) => [k, decode ? Buffer.from(v, 'base64').toString('utf8') : v]));
      if (!decode) for (const [k, v] of Object.entries(o.binaryData ?? {})) data[k] = Buffer.from(v, 'base64').toString('latin1');
      if (decode) for (const [k, v] of Object.entries((o as { stringData?: Record<string, string> }).stringData ?? {})) data[k] = v;
      return data;
    } catch (err) {
      if (isStatusError(err, 'NotFound')) return undefined;
      throw err;
    }
  };
  const tokens = createTokenManager(client);
  return {
    configMap: (ns, n) => get(R.configmaps, ns, n, false), secret: (ns, n) => get(R.secrets, ns, n, true), claimedVolume: (ns, n) => claimedVolume(client, nodeName, ns, n),
    serviceAccountToken: (pod, audience, exp) => tokens.get(pod, audience, exp),
  };
}


export async function runKubelet(o: KubeletOptions): Promise<void> {
  const { client, runtime, signal } = o;
  const podsDir = join(o.root, 'pods');
  const logRoot = join(o.root, 'logs', 'pods');
  await mkdir(podsDir, { recursive: true });
  await mkdir(logRoot, { recursive: true });
  const cap = await hostCapacity(o.root, o.maxPods ?? 110);
  const spec = { name: o.nodeName, nodeIP: o.nodeIP, podCIDR: o.podCIDR, root: o.root, kubeletPort: o.kubeletPort ?? 10250, maxPods: o.maxPods ?? 110 };
  const since = new Map<string, string>();
  const leaseSeconds = o.leaseDurationSeconds ?? 40;

  // register, retrying until the API server answers
  for (let delay = 500; !signal.aborted; delay = Math.min(delay * 2, 10_000)) {
    try {
      await registerNode(client, await nodeObject(spec, runtime, cap), await nodeConditions(runtime, since, new Date()), new Date(), leaseSeconds);
      log.info('node registered', { node: o.nodeName, ip: o.nodeIP, podCIDR: o.podCIDR });
      break;
    } catch (err) {
      log.warn('registering the node failed (retrying)', { node: o.nodeName, err: message(err), in_ms: delay });
      await sleep(delay, signal);
    }
  }
  if (signal.aborted) return;

  /** fn every ms (the first time after firstMs) until the signal */
  async function every(ms: number, what: string, fn: () => Promise<unknown>, firstMs = ms) {
    for (let wait = firstMs; !signal.aborted; wait = ms) {
      await sleep(wait, signal);
      if (signal.aborted) return;
      try {
        await fn();
      } catch (err) {
        if (isStatusError(err, 'NotFound')) {
          // the Node (or its Lease) was deleted: register again
          await registerNode(client, await nodeObject(spec, runtime, cap), await nodeConditions(runtime, since, new Date()), new Date(), leaseSeconds).catch((e: unknown) => log.warn('re-registering failed', { err: message(e) }));
        } else log.warn(`${what} failed`, { err: message(err) });
      }
    }
  }
  const lease = every(o.leaseIntervalMs ?? leaseSeconds * 250, 'lease renewal', () => renewLease(client, o.nodeName, new Date()));
  const status = every(o.statusIntervalMs ?? 10_000, 'node status', async () =>
    client.patch(R.nodes, undefined, o.nodeName, 'merge', { status: { conditions: await nodeConditions(runtime, since, new Date()) } }, { subresource: 'status' }));

  const informers = createInformerFactory(podsOfNode(client, o.nodeName));
  const pods = informers.informer<Pod>(R.pods);
  const services = informers.informer<Service & KObject>(R.services);
  const slices = informers.informer<Slice>(R.endpointslices);
  slices.addIndex(slicesByPodUid, podUidsOf);
  const queue = createWorkQueue({ name: 'kubelet' });
  const recorder = createEventRecorder(client, 'kubelet', () => new Date());
  pods.addIndex('uid', (p) => [p.metadata?.uid ?? '']);
  pods.addIndex('claim', (p) => (p.spec?.volumes ?? []).flatMap((v) => (v.persistentVolumeClaim ? [`${p.metadata?.namespace}/${v.persistentVolumeClaim.claimName}`] : [])));
  // a claim that gets bound wakes the pods waiting to mount it (instead of their FailedMount retry)
  const claims = informers.informer<PersistentVolumeClaim & KObject>(R.persistentvolumeclaims);
  claims.on({ update: (old, c) => { if (old.spec?.volumeName !== c.spec?.volumeName || old.status?.phase !== c.status?.phase) for (const p of pods.byIndex('claim', objectKey(c))) queue.add(objectKey(p)); } });
  // when each new pod reached this kubelet (debug timing of its first sync; pods known at the start are not new)
  const firstSeen = new Map<string, number>();
  const noteSeen = (p: Pod) => { if (debugTiming && pods.hasSynced() && !p.status?.startTime) firstSeen.set(p.metadata?.uid ?? '', performance.now()); };
  pods.on({
    add: (p) => { noteSeen(p); queue.add(objectKey(p)); },
    // our own status writes come back as updates: only a change of what the pod asks for wakes its worker
    update: (old, p) => { if (wants(old) !== wants(p)) queue.add(objectKey(p)); },
    delete: (p) => { firstSeen.delete(p.metadata?.uid ?? ''); queue.add(objectKey(p)); },
  });
  const prober = createProber({
    runtime,
    onChange: (key) => queue.add(key),
    onFailure: (key, container, kind, r) => {
      const p = pods.get(key);
      if (p && !r.ok) recorder.event(p, 'Warning', 'Unhealthy', `${probeLabel(kind)} probe failed: ${r.output}`);
    },
  });
  const waiting = new Map<string, Map<string, Waiting>>();
  const deps: WorkerDeps = {
    client, runtime, images: o.images, recorder, lookup: sourceLookup(client, o.nodeName), prober,
    restartBackoff: createBackoff(), pullBackoff: createBackoff(), pullErrors: new Map(),
    nodeIP: o.nodeIP, node: { cpu: cap.cpu, memory: cap.memory }, memoryCapacity: cap.memoryBytes,
    podsDir, logRoot, waiting,
    drain: o.endpointDrain === false ? undefined : createEndpointDrain(slices, { ...defaultDrain, ...o.endpointDrain }),
    services: (ns) => {
      const master = services.get('default/kubernetes');
      return [...services.list(ns), ...(master && ns !== 'default' ? [master] : [])];
    },
    dns: { resolvConf: o.resolvConf ?? '/etc/resolv.conf', clusterDNS: o.clusterDNS ?? [], clusterDomain: o.clusterDomain ?? 'cluster.local' },
  };

  async function sync(key: string) {
    const pod = pods.get(key);
    if (!pod || pod.spec?.nodeName !== o.nodeName) return; // gone: the relist sweeps what it left
    const seen = firstSeen.get(pod.metadata?.uid ?? '');
    if (seen === undefined) return syncPod(deps, pod);
    // a new pod's first turn (SKIFF_LOG=debug): how long it waited for a worker, then how long the sync took
    firstSeen.delete(pod.metadata?.uid ?? '');
    const t = performance.now();
    try {
      return await syncPod(deps, pod);
    } finally {
      log.debug('pod first sync', { pod: key, queued_ms: Math.round(t - seen), sync_ms: Math.round(performance.now() - t) });
    }
  }

  /** PLEG: which pods' containers changed since the last look; and pods no API object owns any more */
  let last = new Map<string, string>();
  async function relist() {
    // the first one waits for the pods' initial list: only then is a pod without an object an orphan
    if (!pods.hasSynced()) await informers.waitForSync(signal).catch(() => undefined); // stopped meanwhile: the check below returns
    const [sandboxes, containers] = await Promise.all([runtime.listPodSandbox(), runtime.listContainers()]);
    const now = new Map<string, string>();
    for (const s of sandboxes) { const u = s.labels[L.podUid]; if (u) now.set(u, `${now.get(u) ?? ''}|${s.id}:${s.state}`); }
    for (const c of containers) { const u = c.labels[L.podUid]; if (u) now.set(u, `${now.get(u) ?? ''}|${c.id}:${c.state}`); }
    if (!pods.hasSynced()) return;
    for (const [uid, fp] of now) {
      const owner = pods.byIndex('uid', uid)[0];
      // an orphan goes whether or not its containers changed: a finished pod is deleted at once (grace 0,
      // no deletionTimestamp for its sync to see) while its stopped sandbox and pod cgroup stay as they were
      if (!owner) await sweepOrphan(uid, sandboxes.filter((s) => s.labels[L.podUid] === uid).map((s) => s.id), containers.filter((c) => c.labels[L.podUid] === uid).map((c) => c.id));
      else if (last.get(uid) !== fp) queue.add(objectKey(owner));
    }
    last = now;
  }
  async function sweepOrphan(uid: string, sandboxIds: string[], containerIds: string[]) {
    log.info('removing the containers of a pod that no longer exists', { uid });
    for (const id of sandboxIds) {
      await runtime.stopPodSandbox(id);
      await runtime.removePodSandbox(id);
    }
    // the sandbox's removal took its containers; one without a sandbox would otherwise come back each relist
    for (const id of containerIds) await runtime.removeContainer(id);
    await removePodDir(join(podsDir, uid));
    waiting.delete(uid);
  }
  // evented PLEG: a container that stops or goes (an exit, a kill, an OOM, `docker rm` on the node) wakes its
  // pod now; creates and starts are the kubelet's own doing, seen by the sync that made them
  const wake = (e: ContainerEvent) => {
    if (e.type !== 'CONTAINER_STOPPED_EVENT' && e.type !== 'CONTAINER_DELETED_EVENT') return;
    const owner = pods.hasSynced() ? pods.byIndex('uid', e.labels[L.podUid] ?? '')[0] : undefined;
    if (owner) queue.add(objectKey(owner));
  };
  const unsubscribe = o.events?.containerEvents(wake);
  // the first relist soon after the start: what a pod deleted while the agent was away left goes then
  const relistMs = o.relistIntervalMs ?? (o.events ? 10_000 : 1000);
  const pleg = every(relistMs, 'runtime relist', relist, Math.min(relistMs, 1000));
  // periodic resync: volumes follow their sources, waiting containers are looked at again
  const resync = every(o.resyncIntervalMs ?? 10_000, 'resync', async () => { for (const p of pods.list()) queue.add(objectKey(p)); });

  informers.start(signal);
  await Promise.all([runWorkers(queue, o.workers ?? 8, sync, signal, 'kubelet'), lease, status, pleg, resync]);
  unsubscribe?.();
  prober.stop();
  await recorder.flush().catch(() => {}); // best effort on the way out
  log.info('kubelet stopped (pods keep running)', { node: o.nodeName });
}
