// Pod sandboxes and their containers over the engine's containers room: a sandbox is a pause container on
// the pod network; a pod container is an engine container joining its namespaces. Every answer is read
// from the engine's records (labels.ts), so a restarted agent or daemon sees the same pods.
import type { ContainerRecord, Engine } from '../types.ts';
import type * as Cri from '../types/runtime.ts';
import { invalidArgument, isKind, notFound } from '../../lib/errors.ts';
import { logger } from '../../lib/log.ts';
import { KIND, SANDBOX_ID, criLabels, matchesSelector } from './labels.ts';
import { PAUSE_IMAGE, ensurePauseImage } from './pause-image.ts';
import { podContainerSpec, sandboxFacts, sandboxSpec } from './container-spec.ts';
import { podCgroupPath, removePodCgroup, setUpPodCgroup } from './pod-cgroup.ts';
import { podMetadataOf, sandboxFactsOf, sandboxState, toContainer, toContainerStatus, toPodSandbox, toPodSandboxStatus } from './status.ts';

const log = logger('runtime');

export interface PodDeps {
  engine: Engine;
  /** the pod network's name, made on first use */
  podNetwork(): Promise<string>;
  /** the cgroup the pods' cgroups sit under (`kubepods`) */
  cgroupRoot: string;
}

const orNull = <T>(p: Promise<T>): Promise<T | null> => p.catch((err) => {
  if (isKind(err, 'NotFound')) return null;
  throw err;
});

/** The engine record of a sandbox; NotFound when it is none (or another kind of container). */
export async function findSandbox(d: PodDeps, id: string): Promise<ContainerRecord> {
  const rec = await orNull(d.engine.containers.get(id));
  if (!rec || rec.spec.labels[KIND] !== 'sandbox') throw notFound(`pod sandbox ${id} not found`);
  return rec;
}

export async function findContainer(d: PodDeps, id: string): Promise<ContainerRecord> {
  const rec = await orNull(d.engine.containers.get(id));
  if (!rec || rec.spec.labels[KIND] !== 'container') throw notFound(`container ${id} not found`);
  return rec;
}

const listKind = (d: PodDeps, kind: 'sandbox' | 'container', more: string[] = []) =>
  d.engine.containers.list({ all: true, filters: { label: [`${KIND}=${kind}`, ...more] } });

/** A sandbox id as CRI filters give it: the full id or a unique prefix. */
const idMatches = (rec: ContainerRecord, id: string | undefined) => !id || rec.id.startsWith(id);

export async function runPodSandbox(d: PodDeps, config: Cri.PodSandboxConfig, runtimeHandler = ''): Promise<string> {
  if (runtimeHandler && !['crun', 'runc'].includes(runtimeHandler)) throw invalidArgument(`unknown runtime handler ${JSON.stringify(runtimeHandler)}: crun or runc`);
  const cgroup = podCgroupPath(d.cgroupRoot, config);
  const facts = sandboxFacts(config, runtimeHandler, cgroup);
  const [, network] = await Promise.all([
    ensurePauseImage(d.engine.images), facts.hostNetwork ? 'host' : d.podNetwork(), setUpPodCgroup(cgroup, config.linux.resources),
  ]);
  const spec = sandboxSpec(config, facts, PAUSE_IMAGE, network);
  if (runtimeHandler) spec.host.runtime = runtimeHandler;
  let id = '';
  try {
    id = (await d.engine.containers.create(spec)).id;
    await d.engine.containers.start(id);
  } catch (err) {
    // a sandbox that did not come up leaves nothing behind (its name is free for the retry)
    if (id) await d.engine.containers.remove(id, { force: true }).catch((e) => log.warn('could not remove a sandbox that failed to start', { id, err: e }));
    await removePodCgroup(cgroup);
    throw err;
  }
  return id;
}

/** The pod's containers (by the sandbox-id label). */
const podContainers = (d: PodDeps, sandboxId: string) => listKind(d, 'container', [`${SANDBOX_ID}=${sandboxId}`]);

export async function stopPodSandbox(d: PodDeps, id: string): Promise<void> {
  const sb = await orNull(findSandbox(d, id));
  if (!sb) return;
  // containers first (the kubelet has stopped them gracefully already; what is left is killed), then the
  // pause container, whose exit tears the pod's network down and releases its address
  await Promise.all((await podContainers(d, sb.id)).map((c) => orNull(d.engine.containers.stop(c.id, { timeoutSec: 0 }))));
  await orNull(d.engine.containers.stop(sb.id, { timeoutSec: 10 }));
}

export async function removePodSandbox(d: PodDeps, id: string): Promise<void> {
  const sb = await orNull(findSandbox(d, id));
  if (!sb) return;
  await Promise.all((await podContainers(d, sb.id)).map((c) => orNull(d.engine.containers.remove(c.id, { force: true }))));
  await orNull(d.engine.containers.remove(sb.id, { force: true }));
  const cgroup = sandboxFactsOf(sb).cgroupParent;
  if (cgroup) await removePodCgroup(cgroup);
}

export async function podSandboxStatus(d: PodDeps, id: string): Promise<Cri.PodSandboxStatus> {
  const sb = await findSandbox(d, id);
  return toPodSandboxStatus(sb, d.engine.networks.containerState(sb.id));
}

export async function listPodSandbox(d: PodDeps, f: Cri.PodSandboxFilter = {}): Promise<Cri.PodSandbox[]> {
  const all = await listKind(d, 'sandbox');
  return all
    .filter((r) => idMatches(r, f.id) && (!f.state || sandboxState(r) === f.state) && matchesSelector(criLabels(r.spec.labels), f.labelSelector))
    .map(toPodSandbox);
}

export async function createContainer(d: PodDeps, sandboxId: string, config: Cri.ContainerConfig): Promise<string> {
  const sb = await findSandbox(d, sandboxId);
  const spec = podContainerSpec(sb.id, podMetadataOf(sb), sandboxFactsOf(sb), config);
  const runtime = sandboxFactsOf(sb).runtimeHandler;
  if (runtime) spec.host.runtime = runtime;
  const rec = await d.engine.containers.create(spec);
  return rec.id;
}

export async function startContainer(d: PodDeps, id: string): Promise<void> {
  const c = await findContainer(d, id);
  await d.engine.containers.start(c.id);
}

export async function stopContainer(d: PodDeps, id: string, timeoutSec: number): Promise<void> {
  const c = await findContainer(d, id);
  await d.engine.containers.stop(c.id, { timeoutSec: Math.max(0, timeoutSec) });
}

export async function removeContainer(d: PodDeps, id: string): Promise<void> {
  const c = await orNull(findContainer(d, id));
  if (!c) return;
  await orNull(d.engine.containers.remove(c.id, { force: true }));
}

export async function listContainers(d: PodDeps, f: Cri.ContainerFilter = {}): Promise<Cri.Container[]> {
  const all = await listKind(d, 'container', f.podSandboxId?.length === 64 ? [`${SANDBOX_ID}=${f.podSandboxId}`] : []);
  return all.map(toContainer).filter((c) =>
    (!f.id || c.id.startsWith(f.id)) && (!f.state || c.state === f.state) &&
    (!f.podSandboxId || c.podSandboxId.startsWith(f.podSandboxId)) && matchesSelector(c.labels, f.labelSelector));
}

export async function containerStatus(d: PodDeps, id: string): Promise<Cri.ContainerStatus> {
  return toContainerStatus(await findContainer(d, id));
}

export async function updateContainerResources(d: PodDeps, id: string, r: Cri.LinuxContainerResources): Promise<void> {
  const c = await findContainer(d, id);
  await d.engine.containers.update(c.id, {
    ...(r.memoryLimitInBytes ? { memory: r.memoryLimitInBytes } : {}),
    ...(r.memorySwapLimitInBytes ? { memorySwap: r.memorySwapLimitInBytes } : {}),
    ...(r.cpuShares ? { cpuShares: r.cpuShares } : {}),
    ...(r.cpuQuota ? { cpuQuota: r.cpuQuota } : {}),
    ...(r.cpuPeriod ? { cpuPeriod: r.cpuPeriod } : {}),
    ...(r.cpusetCpus ? { cpusetCpus: r.cpusetCpus } : {}),
    ...(r.cpusetMems ? { cpusetMems: r.cpusetMems } : {}),
  });
}
