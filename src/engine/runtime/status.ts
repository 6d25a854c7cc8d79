// Engine records → CRI answers (pure): states, unix-ns times, exit reasons, metadata from the labels.
import type { ContainerRecord, ContainerNetworkState } from '../types.ts';
import type * as Cri from '../types/runtime.ts';
import { CONTAINER, METADATA, SANDBOX, SANDBOX_ID, criAnnotations, criLabels, parseJson, type ContainerFacts, type SandboxFacts } from './labels.ts';

/** RFC 3339 with up to 9 fraction digits → unix ns (0 for docker's zero time). */
export function isoToNs(iso: string): number {
  if (!iso || iso.startsWith('0001-')) return 0;
  const m = /^(.*?)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(iso);
  if (!m) return (Date.parse(iso) || 0) * 1e6;
  const ms = Date.parse(m[1] + m[3]);
  if (!Number.isFinite(ms)) return 0;
  return ms * 1e6 + Number((m[2] ?? '').padEnd(9, '0').slice(0, 9));
}

export const sandboxFactsOf = (rec: ContainerRecord) => parseJson<SandboxFacts>(rec.spec.labels, SANDBOX, {
  hostname: '', logDirectory: '', hostNetwork: false, sharedPid: false, hostPid: false, hostIpc: false, runtimeHandler: '',
});

export const podMetadataOf = (rec: ContainerRecord) => parseJson<Cri.PodSandboxMetadata>(rec.spec.labels, METADATA, { name: rec.name, uid: '', namespace: '', attempt: 0 });
export const containerMetadataOf = (rec: ContainerRecord) => parseJson<Cri.ContainerMetadata>(rec.spec.labels, METADATA, { name: rec.name, attempt: 0 });
export const containerFactsOf = (rec: ContainerRecord) => parseJson<ContainerFacts>(rec.spec.labels, CONTAINER, { image: { image: rec.imageRef }, mounts: [], logPath: rec.logPath });
export const sandboxIdOf = (rec: ContainerRecord) => rec.spec.labels[SANDBOX_ID] ?? '';

const isUp = (rec: ContainerRecord) => rec.state.status === 'running' || rec.state.status === 'paused' || rec.state.status === 'restarting';

export function sandboxState(rec: ContainerRecord): Cri.PodSandboxState {
  return isUp(rec) ? 'SANDBOX_READY' : 'SANDBOX_NOTREADY';
}

export function toPodSandbox(rec: ContainerRecord): Cri.PodSandbox {
  return {
    id: rec.id, metadata: podMetadataOf(rec), state: sandboxState(rec), createdAt: isoToNs(rec.created),
    labels: criLabels(rec.spec.labels), annotations: criAnnotations(rec.spec.labels),
  };
}

export function toPodSandboxStatus(rec: ContainerRecord, net: ContainerNetworkState | undefined): Cri.PodSandboxStatus {
  const f = sandboxFactsOf(rec);
  const mode = (host: boolean, shared: boolean): Cri.NamespaceMode => (host ? 'NODE' : shared ? 'POD' : 'CONTAINER');
  return {
    ...toPodSandbox(rec),
    network: { ip: isUp(rec) ? net?.endpoints[0]?.ipv4Address ?? '' : '', additionalIps: [] },
    linux: { namespaces: { options: { network: f.hostNetwork ? 'NODE' : 'POD', pid: mode(f.hostPid, f.sharedPid), ipc: f.hostIpc ? 'NODE' : 'POD' } } },
    ...(f.runtimeHandler ? { runtimeHandler: f.runtimeHandler } : {}),
  };
}

/** A created container whose start failed is reported exited (it never will run), as containerd does. */
function containerState(rec: ContainerRecord): Cri.ContainerState {
  if (isUp(rec)) return 'CONTAINER_RUNNING';
  if (rec.state.status === 'created') return rec.state.error ? 'CONTAINER_EXITED' : 'CONTAINER_CREATED';
  if (rec.state.status === 'exited' || rec.state.status === 'dead') return 'CONTAINER_EXITED';
  return 'CONTAINER_UNKNOWN';
}

export function toContainer(rec: ContainerRecord): Cri.Container {
  return {
    id: rec.id, podSandboxId: sandboxIdOf(rec), metadata: containerMetadataOf(rec), image: containerFactsOf(rec).image,
    imageRef: rec.imageId, state: containerState(rec), createdAt: isoToNs(rec.created),
    labels: criLabels(rec.spec.labels), annotations: criAnnotations(rec.spec.labels),
  };
}

/** Kubernetes' words for how a container ended (dockershim's and containerd's). */
function reasonOf(rec: ContainerRecord, state: Cri.ContainerState): { reason: string; message: string } {
  if (state !== 'CONTAINER_EXITED') return { reason: '', message: '' };
  if (rec.state.oomKilled) return { reason: 'OOMKilled', message: '' };
  if (rec.state.error) return { reason: 'ContainerCannotRun', message: rec.state.error };
  return { reason: rec.state.exitCode === 0 ? 'Completed' : 'Error', message: '' };
}

export function toContainerStatus(rec: ContainerRecord): Cri.ContainerStatus {
  const state = containerState(rec);
  const f = containerFactsOf(rec);
  const createdAt = isoToNs(rec.created);
  const finishedAt = isoToNs(rec.state.finishedAt);
  return {
    id: rec.id, metadata: containerMetadataOf(rec), state, createdAt,
    startedAt: isoToNs(rec.state.startedAt),
    // a start that failed has no finish time of its own: its creation stands in (never 1970)
    finishedAt: finishedAt || (state === 'CONTAINER_EXITED' ? createdAt : 0),
    exitCode: state === 'CONTAINER_EXITED' ? rec.state.exitCode : 0,
    image: f.image, imageRef: rec.imageId, ...reasonOf(rec, state),
    labels: criLabels(rec.spec.labels), annotations: criAnnotations(rec.spec.labels),
    mounts: f.mounts, logPath: rec.logPath,
    ...(f.resources ? { resources: { linux: f.resources } } : {}),
  };
}
