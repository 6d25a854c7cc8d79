// What the kubelet writes on the runtime's objects so that it can find them again (after its own restart
// too): the labels kuberuntime uses, and annotations that carry what a restarted kubelet needs to stop a
// container well (grace period, preStop hook) and count restarts.
export const L = {
  podName: 'io.kubernetes.pod.name',
  podNamespace: 'io.kubernetes.pod.namespace',
  podUid: 'io.kubernetes.pod.uid',
  containerName: 'io.kubernetes.container.name',
} as const;
export const A = {
  restartCount: 'io.kubernetes.container.restartCount',
  hash: 'io.kubernetes.container.hash',
  terminationGrace: 'io.kubernetes.pod.terminationGracePeriod',
  preStop: 'io.kubernetes.container.preStopHandler',
  terminationMessagePath: 'io.kubernetes.container.terminationMessagePath',
  terminationMessagePolicy: 'io.kubernetes.container.terminationMessagePolicy',
} as const;

export interface PodRef { name: string; namespace: string; uid: string }

export const podLabels = (p: PodRef): Record<string, string> => ({ [L.podName]: p.name, [L.podNamespace]: p.namespace, [L.podUid]: p.uid });
