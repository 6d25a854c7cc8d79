// Which runtime objects a pod's URL means. The kubelet labels what it makes as Kubernetes' kubelet does
// (io.kubernetes.pod.namespace / .name on sandboxes and containers; CRI metadata names the container and
// its attempt), so the server finds a pod's sandbox and containers through the RuntimeService alone.
import type { RuntimeService } from '../../../engine/types/runtime.ts';

export interface PodContainer {
  name: string;
  id: string;
  attempt: number;
  createdAt: number;
  running: boolean;
}

export interface PodRuntimeView {
  /** the pod's current (newest) sandbox */
  sandboxId: string;
  /** every container of the pod the runtime still has, newest attempt first per name */
  containers: PodContainer[];
}

export type PodLookup = (namespace: string, name: string) => Promise<PodRuntimeView | undefined>;

export const POD_NAMESPACE_LABEL = 'io.kubernetes.pod.namespace';
export const POD_NAME_LABEL = 'io.kubernetes.pod.name';

export function lookupByLabels(runtime: RuntimeService): PodLookup {
  return async (namespace, name) => {
    const labelSelector = { [POD_NAMESPACE_LABEL]: namespace, [POD_NAME_LABEL]: name };
    const sandboxes = await runtime.listPodSandbox({ labelSelector });
    if (!sandboxes.length) return undefined;
    const sandbox = [...sandboxes].sort((a, b) => Number(b.state === 'SANDBOX_READY') - Number(a.state === 'SANDBOX_READY') || b.createdAt - a.createdAt)[0];
    const lists = await Promise.all(sandboxes.map((s) => runtime.listContainers({ podSandboxId: s.id })));
    const containers = lists.flat()
      .map((c) => ({ name: c.metadata.name, id: c.id, attempt: c.metadata.attempt, createdAt: c.createdAt, running: c.state === 'CONTAINER_RUNNING' }))
      .sort((a, b) => b.attempt - a.attempt || b.createdAt - a.createdAt);
    return { sandboxId: sandbox.id, containers };
  };
}

/** The container a request means: the newest attempt, or with `previous` the one before it */
export function pickContainer(view: PodRuntimeView, name: string, previous: boolean): PodContainer | undefined {
  const attempts = view.containers.filter((c) => c.name === name);
  return previous ? attempts[1] : attempts[0];
}
