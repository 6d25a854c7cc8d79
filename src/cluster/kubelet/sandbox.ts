// The PodSandboxConfig the kubelet asks for (kuberuntime_sandbox.go generatePodSandboxConfig): hostname,
// DNS by dnsPolicy, host ports, the log directory /var/log/pods/<ns>_<name>_<uid> (under the agent's root),
// namespaces, sysctls and the pod cgroup's resources.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodSandboxConfig, PortMapping } from '../../engine/types/runtime.ts';
import { podLabels } from './labels.ts';
import { podResources } from './resources.ts';
import { seccompOf } from './security.ts';

export interface DnsSettings {
  /** the node's resolv.conf (dnsPolicy Default, and ClusterFirst until cluster DNS exists) */
  resolvConf: string;
  /** cluster DNS servers (issue 13); empty: ClusterFirst falls back to the node's resolver as the kubelet does */
  clusterDNS: string[];
  clusterDomain: string;
}

export interface ResolvConf { servers: string[]; searches: string[]; options: string[] }

export function parseResolvConf(text: string): ResolvConf {
  const r: ResolvConf = { servers: [], searches: [], options: [] };
  for (const line of text.split('\n')) {
    const [key, ...rest] = line.replace(/[#;].*$/, '').trim().split(/\s+/);
    if (key === 'nameserver' && rest[0]) r.servers.push(rest[0]);
    else if (key === 'search' || key === 'domain') r.searches = rest;
    else if (key === 'options') r.options.push(...rest);
  }
  return r;
}

/** the pod's DNS (kubelet's dns.GetPodDNS): dnsPolicy Default / ClusterFirst / ClusterFirstWithHostNet / None, plus dnsConfig */
export async function podDns(pod: Pod, s: DnsSettings): Promise<ResolvConf> {
  const host = parseResolvConf(await readFile(s.resolvConf, 'utf8').catch(() => ''));
  const policy = pod.spec?.dnsPolicy ?? 'ClusterFirst';
  const ns = pod.metadata?.namespace ?? 'default';
  let r: ResolvConf;
  const clusterFirst = policy === 'ClusterFirst' ? !pod.spec?.hostNetwork : policy === 'ClusterFirstWithHostNet';
  if (policy === 'None') r = { servers: [], searches: [], options: [] };
  else if (clusterFirst && s.clusterDNS.length) {
    const d = s.clusterDomain;
    r = { servers: s.clusterDNS, searches: [`${ns}.svc.${d}`, `svc.${d}`, d, ...host.searches], options: ['ndots:5'] };
  } else r = host;
  const extra = pod.spec?.dnsConfig;
  if (extra) {
    r = {
      servers: [...new Set([...r.servers, ...(extra.nameservers ?? [])])] as string[],
      searches: [...new Set([...r.searches, ...(extra.searches ?? [])])] as string[],
      options: [...r.options.filter((o) => !(extra.options ?? []).some((x) => o.split(':')[0] === x.name)), ...(extra.options ?? []).map((o) => (o.value ? `${o.name}:${o.value}` : (o.name ?? '')))],
    };
  }
  return fitLimits(r);
}

/** the kubelet's resolver limits (formDNSConfigFitsLimits): 3 nameservers, 32 search domains of 2048 characters */
const MAX_NAMESERVERS = 3;
const MAX_SEARCHES = 32;
const MAX_SEARCH_CHARS = 2048;

function fitLimits(r: ResolvConf): ResolvConf {
  const searches = r.searches.filter((s) => s !== '.').slice(0, MAX_SEARCHES);
  while (searches.length && searches.join(' ').length > MAX_SEARCH_CHARS) searches.pop();
  return { servers: r.servers.slice(0, MAX_NAMESERVERS), searches, options: r.options };
}

export const podLogDir = (logRoot: string, pod: Pod) => join(logRoot, `${pod.metadata?.namespace}_${pod.metadata?.name}_${pod.metadata?.uid}`);

export async function sandboxConfig(pod: Pod, attempt: number, logRoot: string, dns: DnsSettings): Promise<PodSandboxConfig> {
  const ref = { name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? 'default', uid: pod.metadata?.uid ?? '' };
  const ports: PortMapping[] = [];
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort) continue;
      ports.push({ protocol: (p.protocol ?? 'TCP') as PortMapping['protocol'], containerPort: p.containerPort, hostPort: p.hostPort, ...(p.hostIP ? { hostIp: p.hostIP } : {}) });
    }
  }
  const sc = pod.spec?.securityContext ?? {};
  const sysctls = Object.fromEntries((sc.sysctls ?? []).map((s) => [s.name, s.value]));
  const seccomp = seccompOf(sc.seccompProfile);
  const hostname = pod.spec?.hostNetwork ? undefined : (pod.spec?.hostname ?? pod.metadata?.name ?? '').slice(0, 63);
  const cfg: PodSandboxConfig = {
    metadata: { ...ref, attempt },
    hostname: hostname ?? '',
    logDirectory: podLogDir(logRoot, pod),
    dnsConfig: await podDns(pod, dns),
    portMappings: ports,
    labels: { ...(pod.metadata?.labels ?? {}), ...podLabels(ref) },
    annotations: { ...(pod.metadata?.annotations ?? {}) },
    linux: {
      securityContext: {
        namespaceOptions: { network: pod.spec?.hostNetwork ? 'NODE' : 'POD', pid: pod.spec?.hostPID ? 'NODE' : pod.spec?.shareProcessNamespace ? 'POD' : 'CONTAINER', ipc: pod.spec?.hostIPC ? 'NODE' : 'POD' },
        ...(sc.runAsUser !== undefined ? { runAsUser: sc.runAsUser } : {}),
        ...(sc.runAsGroup !== undefined ? { runAsGroup: sc.runAsGroup } : {}),
        ...(sc.supplementalGroups ? { supplementalGroups: sc.supplementalGroups } : {}),
        // the pod-level profile (the kubelet's generatePodSandboxLinuxConfig); none: the runtime's unconfined
        ...(seccomp ? { seccompProfile: seccomp } : {}),
      },
      sysctls,
      resources: podResources(pod),
    },
  };
  return cfg;
}
