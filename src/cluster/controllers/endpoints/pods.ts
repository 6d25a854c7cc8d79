// What both endpoint controllers ask of a pod (k8s.io/endpointslice/util and podutil.FindPort): may it back a
// service, which port does a service port reach on it, and which services select it.
import type { Pod as KPod, Service as KService, ServicePort } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../../types/meta.ts';
import type { Informer } from '../../client/types.ts';
import { isPodTerminal } from '../../types/pod.ts';
import { objectKey } from '../../types/meta.ts';

/** kubernetes-types shapes as informer objects (KObject's index signature) */
export type Pod = KPod & KObject;
export type Service = KService & KObject;

/** ShouldPodBeInEndpoints: not Succeeded/Failed, has an IP, and not terminating unless those are included. */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  if (isPodTerminal(pod)) return false;
  if (!pod.status?.podIP && !pod.status?.podIPs?.length) return false;
  if (!includeTerminating && pod.metadata?.deletionTimestamp) return false;
  return true;
}

/** podutil.FindPort: a numeric targetPort as is, a named one through the pod's container ports (same protocol). */
export function findPort(pod: Pod, sp: ServicePort): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  const protocol = sp.protocol ?? 'TCP';
  const sidecars = (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always');
  for (const c of [...(pod.spec?.containers ?? []), ...sidecars]) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
  }
  return undefined;
}

/** A service the endpoint controllers manage: it has a selector (an omitted and an empty map are alike in JSON). */
export const hasSelector = (svc: Service) => Object.keys(svc.spec?.selector ?? {}).length > 0;

export const selects = (svc: Service, pod: Pod): boolean => {
  const sel = svc.spec?.selector ?? {};
  const labels = pod.metadata?.labels ?? {};
  return hasSelector(svc) && Object.entries(sel).every(([k, v]) => labels[k] === v);
};

/** Keys of the services in the pod's namespace whose selector matches it. */
export function servicesOf(services: Informer<Service>, pod: Pod): string[] {
  return services.list(pod.metadata?.namespace).filter((s) => selects(s, pod)).map(objectKey);
}

/** The pod fields an endpoint depends on: when none changed, an update needs no resync. */
export const endpointRelevant = (pod: Pod) =>
  JSON.stringify([
    pod.metadata?.labels, pod.metadata?.deletionTimestamp, pod.status?.podIP, pod.status?.podIPs, pod.status?.phase,
    pod.status?.conditions?.find((c) => c.type === 'Ready')?.status, pod.spec?.nodeName, pod.spec?.hostname, pod.spec?.subdomain,
  ]);

/** The hostname a pod publishes under a (headless) service: spec.hostname when spec.subdomain names it. */
export function podHostname(pod: Pod, svc: Service): string | undefined {
  const h = pod.spec?.hostname;
  return h && pod.spec?.subdomain === svc.metadata?.name && pod.metadata?.namespace === svc.metadata?.namespace ? h : undefined;
}

/** The latest change among the pods' readiness and the service's creation: the last-change-trigger-time. */
export function lastChangeTime(svc: Service, pods: Pod[]): string | undefined {
  let latest = svc.metadata?.creationTimestamp ?? '';
  for (const p of pods) {
    const t = p.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime ?? p.metadata?.creationTimestamp ?? '';
    if (Date.parse(t) > Date.parse(latest || '1970-01-01T00:00:00Z')) latest = t;
  }
  return latest || undefined;
}

export const triggerTimeAnnotation = 'endpoints.kubernetes.io/last-change-trigger-time';
export const headlessLabel = 'service.kubernetes.io/headless';
