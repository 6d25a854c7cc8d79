// What the runtime keeps of a sandbox or container lives in the engine container's labels, so every answer
// (listPodSandbox, containerStatus, …) is derived from the engine's records: an agent or daemon that
// restarts finds its pods again (re-adoption) with nothing held only in memory.
//
//   io.skiff.cri.kind            sandbox | container
//   io.skiff.cri.sandbox-id      the pod's sandbox (containers)
//   io.skiff.cri.metadata        JSON: CRI metadata (name, uid, namespace, attempt | name, attempt)
//   io.skiff.cri.label.<k>       the CRI labels, one engine label each (docker ps --filter label=… sees them)
//   io.skiff.cri.annotation.<k>  the CRI annotations
//   io.skiff.cri.sandbox         JSON: what later calls need of the sandbox config (sandboxes)
//   io.skiff.cri.container       JSON: image spec, mounts, log path (containers)
import type * as Cri from '../types/runtime.ts';

export const PREFIX = 'io.skiff.cri.';
export const KIND = `${PREFIX}kind`;
export const SANDBOX_ID = `${PREFIX}sandbox-id`;
export const METADATA = `${PREFIX}metadata`;
export const SANDBOX = `${PREFIX}sandbox`;
export const CONTAINER = `${PREFIX}container`;
const LABEL = `${PREFIX}label.`;
const ANNOTATION = `${PREFIX}annotation.`;

/** The parts of a PodSandboxConfig the runtime needs after runPodSandbox (containers join by it). */
export interface SandboxFacts {
  hostname: string;
  logDirectory: string;
  hostNetwork: boolean;
  /** the pod shares one PID namespace (shareProcessNamespace) */
  sharedPid: boolean;
  hostPid: boolean;
  hostIpc: boolean;
  runtimeHandler: string;
  /** the pod's cgroup (pod-cgroup.ts); '' on sandboxes made before pods had one */
  cgroupParent?: string;
}

/** The parts of a ContainerConfig its status reports. */
export interface ContainerFacts {
  image: Cri.ImageSpec;
  mounts: Cri.CriMount[];
  logPath: string;
  resources?: Cri.LinuxContainerResources;
}

export function encodeLabels(labels: Record<string, string>, annotations: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) out[LABEL + k] = v;
  for (const [k, v] of Object.entries(annotations)) out[ANNOTATION + k] = v;
  return out;
}

function withPrefix(labels: Record<string, string>, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  return out;
}

export const criLabels = (labels: Record<string, string>) => withPrefix(labels, LABEL);
export const criAnnotations = (labels: Record<string, string>) => withPrefix(labels, ANNOTATION);

export function parseJson<T>(labels: Record<string, string>, key: string, fallback: T): T {
  const text = labels[key];
  if (!text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback; // a hand-edited label: the record stays usable
  }
}

/** every key/value of `selector` is among `labels` (CRI's labelSelector) */
export const matchesSelector = (labels: Record<string, string>, selector: Record<string, string> | undefined) =>
  !selector || Object.entries(selector).every(([k, v]) => labels[k] === v);

/** Engine container names as dockershim made them: k8s_POD_<pod>_<ns>_<uid>_<attempt>, k8s_<ctr>_<pod>_… */
export function sandboxName(m: Cri.PodSandboxMetadata): string {
  return `k8s_POD_${m.name}_${m.namespace}_${m.uid}_${m.attempt}`;
}

export function containerName(c: Cri.ContainerMetadata, pod: Cri.PodSandboxMetadata): string {
  return `k8s_${c.name}_${pod.name}_${pod.namespace}_${pod.uid}_${c.attempt}`;
}
