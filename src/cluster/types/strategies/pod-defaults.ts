// Pod and pod template defaults, as k8s.io/kubernetes/pkg/apis/core/v1/defaults.go sets them (SetDefaults_PodSpec,
// _Pod, _Container, _Probe, _Volume ...), plus what the Pod admission chain adds to a bare Pod (service account,
// priority 0 without a class; the Priority admission plugin resolves a named or global-default class).
import type { Container, Pod, PodSpec, PodStatus, PodTemplateSpec, Probe, Volume, EnvVar } from 'kubernetes-types/core/v1.js';
import { podQOSClass } from '../pod.ts';

type Obj = Record<string, unknown>;

/** `:latest` or no tag → Always; any other tag or a digest → IfNotPresent (parsers.ParseImageName). */
export function defaultPullPolicy(image: string | undefined): 'Always' | 'IfNotPresent' {
  const ref = image ?? '';
  if (ref.includes('@')) return 'IfNotPresent';
  const lastSlash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  const tag = colon > lastSlash ? ref.slice(colon + 1) : 'latest';
  return tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultProbe(p: Probe | undefined): void {
  if (!p) return;
  p.timeoutSeconds ??= 1;
  p.periodSeconds ??= 10;
  p.successThreshold ??= 1;
  p.failureThreshold ??= 3;
  if (p.httpGet) {
    p.httpGet.path ||= '/';
    p.httpGet.scheme ||= 'HTTP';
  }
}

function defaultEnv(env: EnvVar[] | undefined): void {
  for (const e of env ?? []) {
    const ref = e.valueFrom?.fieldRef;
    if (ref) ref.apiVersion ||= 'v1';
  }
}

export function defaultContainer(c: Container): void {
  c.imagePullPolicy ||= defaultPullPolicy(c.image);
  c.terminationMessagePath ||= '/dev/termination-log';
  c.terminationMessagePolicy ||= 'File';
  c.resources ??= {};
  for (const p of c.ports ?? []) p.protocol ||= 'TCP';
  defaultEnv(c.env);
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  for (const h of [c.lifecycle?.postStart, c.lifecycle?.preStop]) {
    if (h?.httpGet) {
      h.httpGet.path ||= '/';
      h.httpGet.scheme ||= 'HTTP';
    }
  }
}

const volumeSources = [
  'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi', 'glusterfs',
  'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile', 'configMap',
  'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected', 'portworxVolume', 'scaleIO', 'storageos', 'csi',
  'ephemeral', 'image',
] as const;

export const volumeSourceNames: readonly string[] = volumeSources;

function defaultVolume(v: Volume): void {
  const o = v as unknown as Obj;
  if (!volumeSources.some((k) => o[k] !== undefined && o[k] !== null)) v.emptyDir = {};
  // 0644: the mode Kubernetes gives projected files unless told otherwise
  if (v.secret) v.secret.defaultMode ??= 420;
  if (v.configMap) v.configMap.defaultMode ??= 420;
  if (v.downwardAPI) {
    v.downwardAPI.defaultMode ??= 420;
    for (const item of v.downwardAPI.items ?? []) if (item.fieldRef) item.fieldRef.apiVersion ||= 'v1';
  }
  if (v.projected) v.projected.defaultMode ??= 420;
  if (v.hostPath) v.hostPath.type ??= '';
}

/** SetDefaults_PodSpec and friends: what every pod spec (pods and templates) gets. */
export function defaultPodSpec(spec: PodSpec | undefined): void {
  if (!spec) return;
  spec.dnsPolicy ||= 'ClusterFirst';
  spec.restartPolicy ||= 'Always';
  spec.securityContext ??= {};
  spec.terminationGracePeriodSeconds ??= 30;
  spec.schedulerName ||= 'default-scheduler';
  for (const c of spec.containers ?? []) defaultContainer(c);
  for (const c of spec.initContainers ?? []) defaultContainer(c);
  for (const c of spec.ephemeralContainers ?? []) defaultContainer(c as Container);
  for (const v of spec.volumes ?? []) defaultVolume(v);
  if (spec.hostNetwork) {
    // with the host's network a container port is a host port
    for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
      for (const p of c.ports ?? []) p.hostPort ??= p.containerPort;
    }
  }
}

export function defaultPodTemplate(t: PodTemplateSpec | undefined): void {
  if (t) defaultPodSpec(t.spec);
}

/** A missing request takes the limit (SetDefaults_Pod), for pods only, as Kubernetes does. */
function requestsFromLimits(c: Container): void {
  const limits = c.resources?.limits;
  if (!limits || Object.keys(limits).length === 0) return;
  c.resources ??= {};
  const req = (c.resources.requests ??= {});
  for (const [k, v] of Object.entries(limits)) if (req[k] === undefined) req[k] = v;
}

/** A Pod: spec defaults, SetDefaults_Pod, and the admission plugins' ServiceAccount and Priority. */
export function defaultPod(pod: Pod): void {
  const spec = pod.spec;
  if (spec) {
    for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) requestsFromLimits(c);
    defaultPodSpec(spec);
    spec.enableServiceLinks ??= true;
    // ServiceAccount admission: the namespace's `default` account unless one is named
    spec.serviceAccountName ||= spec.serviceAccount || 'default';
    spec.serviceAccount = spec.serviceAccountName;
    // Priority admission: no priorityClassName and no global default class → 0
    if (!spec.priorityClassName) spec.priority ??= 0;
    spec.preemptionPolicy ||= 'PreemptLowerPriority';
  }
  // PrepareForCreate: a new pod starts Pending with its QoS class (the REST layer keeps status on updates)
  if (!pod.status?.phase) {
    const status = { ...(pod.status ?? {}), phase: 'Pending' };
    (pod as { status?: PodStatus }).status = status;
    try {
      status.qosClass = podQOSClass(pod);
    } catch {
      // bad quantities are reported by validation
    }
  }
}
