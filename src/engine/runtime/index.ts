// The runtime room's front door: the kubelet's seam (types/runtime.ts, CRI-shaped) implemented over an
// engine's rooms. `skiff agent` composes it:
//
//   const engine = await createEngine({ root, runRoot });
//   const { runtime, images, events } = createRuntimeService(engine, { podCIDR: '10.244.1.0/24', bridge: 'skpods0' });
//   await runtime.runPodSandbox(config)  …  // the kubelet holds only `runtime`, `images` and `events`
//
// Nothing is kept only in memory: sandboxes and containers are engine containers whose labels carry the
// CRI metadata (labels.ts), so a new engine + runtime on the same root answers for the pods already there.
import type { Engine } from '../types.ts';
import type * as Cri from '../types/runtime.ts';
import { podNetwork } from './pod-network.ts';
import * as pods from './pods.ts';
import { attach, connectInNetns, exec, execSync } from './streams.ts';
import { containerStats, podSandboxStats, type CpuReadings } from './stats.ts';
import { createCriImageService } from './images.ts';
import { runtimeEvents } from './events.ts';
import { isKind } from '../../lib/errors.ts';
import { KIND, SANDBOX_ID, matchesSelector, criLabels } from './labels.ts';
import { sandboxIdOf } from './status.ts';

export { PAUSE_IMAGE } from './pause-image.ts';

/** the pod network's bridge when none is named */
export const DEFAULT_POD_BRIDGE = 'skpods0';

export interface RuntimeOptions {
  /** the node's pod CIDR (its pods' addresses), e.g. 10.244.1.0/24 */
  podCIDR: string;
  /** the pod network's Linux bridge (default skpods0): one per agent on a host */
  bridge?: string;
  /** the cluster's pod CIDR (every node's, e.g. 10.244.0.0/16): pod traffic to it is not masqueraded, so
   *  pods on other nodes see pod IPs; traffic elsewhere is */
  clusterCIDR?: string;
  /** the pod network's engine name (default k8s-pods) */
  networkName?: string;
  /** the cgroup pods' cgroups go under, relative to each hierarchy's root (default kubepods) */
  cgroupRoot?: string;
}

export interface CriServices {
  runtime: Cri.RuntimeService;
  images: Cri.ImageService;
  /** container and sandbox events as they happen (the kubelet's evented PLEG) */
  events: Cri.RuntimeEvents;
}

export function createRuntimeService(engine: Engine, opts: RuntimeOptions): CriServices {
  const d: pods.PodDeps = {
    engine,
    podNetwork: podNetwork(engine.networks, { name: opts.networkName ?? 'k8s-pods', podCIDR: opts.podCIDR, bridge: opts.bridge ?? DEFAULT_POD_BRIDGE, clusterCIDR: opts.clusterCIDR }),
    cgroupRoot: opts.cgroupRoot ?? 'kubepods',
  };
  const cpu: CpuReadings = new Map();
  const running = async (id: string) => (await pods.findContainer(d, id)).id;

  const runtime: Cri.RuntimeService = {
    async version() {
      const info = await engine.info();
      return { version: '0.1.0', runtimeName: 'skiff', runtimeVersion: `${info.serverVersion} (${info.runtime})`, runtimeApiVersion: 'v1' };
    },
    async status() {
      let network: { ok: boolean; message?: string } = { ok: true };
      try {
        await d.podNetwork();
      } catch (err) {
        network = { ok: false, message: (err as Error).message };
      }
      return {
        conditions: [
          { type: 'RuntimeReady', status: true },
          network.ok ? { type: 'NetworkReady', status: true } : { type: 'NetworkReady', status: false, reason: 'NetworkPluginNotReady', message: network.message },
        ],
      };
    },
    runPodSandbox: (config, handler) => pods.runPodSandbox(d, config, handler),
    stopPodSandbox: (id) => pods.stopPodSandbox(d, id),
    removePodSandbox: (id) => pods.removePodSandbox(d, id),
    podSandboxStatus: (id) => pods.podSandboxStatus(d, id),
    listPodSandbox: (f) => pods.listPodSandbox(d, f),
    createContainer: (sandboxId, config) => pods.createContainer(d, sandboxId, config),
    startContainer: (id) => pods.startContainer(d, id),
    stopContainer: (id, t) => pods.stopContainer(d, id, t),
    removeContainer: (id) => pods.removeContainer(d, id),
    listContainers: (f) => pods.listContainers(d, f),
    containerStatus: (id) => pods.containerStatus(d, id),
    updateContainerResources: (id, r) => pods.updateContainerResources(d, id, r),
    // the kubelet's rotation: it renames the file, then conmon opens a fresh one at the same path
    reopenContainerLog: async (id) => engine.containers.reopenLog(await running(id)),
    execSync: async (id, cmd, timeout) => execSync(engine, await running(id), cmd, timeout),
    exec: async (req) => exec(engine, { ...req, containerId: await running(req.containerId) }),
    attach: async (req) => attach(engine, { ...req, containerId: await running(req.containerId) }),
    async portForward(sandboxId, port) {
      const sb = await pods.findSandbox(d, sandboxId);
      const net = engine.networks.containerState(sb.id);
      return connectInNetns(net?.sandboxKey ?? '', port);
    },
    async containerStats(id) {
      return containerStats(engine, await pods.findContainer(d, id), cpu);
    },
    async listContainerStats(f = {}) {
      const all = await engine.containers.list({ all: false, filters: { label: [`${KIND}=container`] } });
      const chosen = all.filter((c) => (!f.id || c.id.startsWith(f.id)) && (!f.podSandboxId || sandboxIdOf(c).startsWith(f.podSandboxId)) && matchesSelector(criLabels(c.spec.labels), f.labelSelector));
      const out = await Promise.all(chosen.map((c) => containerStats(engine, c, cpu).catch((err) => {
        if (isKind(err, 'NotFound')) return null; // removed meanwhile
        throw err;
      })));
      return out.filter((s) => s !== null);
    },
    async podSandboxStats(id) {
      const sb = await pods.findSandbox(d, id);
      const members = await engine.containers.list({ all: true, filters: { label: [`${SANDBOX_ID}=${sb.id}`] } });
      return podSandboxStats(engine, sb, members, cpu);
    },
  };
  return { runtime, images: createCriImageService(engine), events: runtimeEvents(engine.events) };
}
