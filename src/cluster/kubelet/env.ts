// A container's environment as the kubelet makes it (kubelet_pods.go makeEnvironmentVariables): envFrom
// sources first (with their prefix), then env in order, each value expanded against the variables defined
// before it ($(VAR), $$ for a literal $); valueFrom reads the pod's fields, its resources, ConfigMaps and
// Secrets. A missing required source is a CreateContainerConfigError with Kubernetes' own message.
import type { Container, EnvVar, PersistentVolume, Pod } from 'kubernetes-types/core/v1.js';
import { cpuMillis, memoryBytes, parseQuantity } from '../types/quantity.ts';

/** ConfigMap / Secret data by namespace and name (Secrets decoded); undefined when it does not exist */
export interface SourceLookup {
  configMap(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  secret(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  /** the PersistentVolume a claim is bound to; throws (with the kubelet's words) while it is missing or unbound */
  claimedVolume(namespace: string, claimName: string): Promise<PersistentVolume>;
  /** a token bound to the pod for its ServiceAccount (projected serviceAccountToken; kubelet/tokens.ts) */
  serviceAccountToken(pod: Pod, audience: string | undefined, expirationSeconds: number): Promise<string>;
}

/** a setting the container cannot start without: shown as CreateContainerConfigError */
export class ContainerConfigError extends Error {}

/** the node's allocatable cpu/memory: what a limit that is not set means to resourceFieldRef */
export interface NodeAllocatable { cpu: string; memory: string }

/** Kubernetes' expansion: $(NAME) → its value when defined (else left as written), $$ → $ */
export function expandVars(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (ch !== '$' || i + 1 >= input.length) { out += ch; continue; }
    const next = input[i + 1];
    if (next === '$') { out += '$'; i++; continue; }
    if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close < 0) { out += input.slice(i); break; }
      const name = input.slice(i + 2, close);
      const v = lookup(name);
      out += v ?? `$(${name})`;
      i = close;
      continue;
    }
    out += ch;
  }
  return out;
}

/** a downward-API field path's value (env fieldRef and downwardAPI volume items share it) */
export function podFieldValue(pod: Pod, path: string): string {
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (m) return (pod.metadata?.[m[1] as 'labels' | 'annotations'] ?? {})[m[2]] ?? '';
  switch (path) {
    case 'metadata.name': return pod.metadata?.name ?? '';
    case 'metadata.namespace': return pod.metadata?.namespace ?? '';
    case 'metadata.uid': return pod.metadata?.uid ?? '';
    case 'metadata.labels': return formatMap(pod.metadata?.labels);
    case 'metadata.annotations': return formatMap(pod.metadata?.annotations);
    case 'spec.nodeName': return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName': return pod.spec?.serviceAccountName ?? '';
    case 'status.hostIP': return pod.status?.hostIP ?? '';
    case 'status.hostIPs': return (pod.status?.hostIPs ?? []).map((x) => x.ip).join(',');
    case 'status.podIP': return pod.status?.podIP ?? '';
    case 'status.podIPs': return (pod.status?.podIPs ?? []).map((x) => x.ip).join(',');
  }
  throw new ContainerConfigError(`unsupported fieldRef fieldPath: ${path}`);
}

/** labels/annotations as the downward API writes them: k="v" lines, sorted */
export function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {}).sort().map((k) => `${k}=${JSON.stringify(m![k])}`).join('\n');
}

/** resourceFieldRef: limits default to the node's allocatable; rounded up in units of the divisor */
export function resourceFieldValue(pod: Pod, container: Container | undefined, resource: string, divisor: string | undefined, node: NodeAllocatable): string {
  if (!container) throw new ContainerConfigError(`resourceFieldRef: no container in pod ${pod.metadata?.name}`);
  const [kind, name] = resource.split('.', 2) as ['limits' | 'requests', string];
  const own = container.resources?.[kind]?.[name];
  // a limit that is not set is the node's allocatable (MergeContainerResourceLimits)
  const q = own ?? (kind === 'limits' && (name === 'cpu' || name === 'memory') ? node[name] : undefined);
  if (q === undefined) return '0';
  if (name === 'cpu') {
    const div = divisor ? cpuMillis(divisor) : 1000;
    return String(Math.ceil(cpuMillis(q) / div));
  }
  const div = divisor ? parseQuantity(divisor) : 1;
  return String(Math.ceil((name === 'memory' ? memoryBytes(q) : parseQuantity(q)) / div));
}

/** C_IDENTIFIER-ish rule of envFrom: keys that are not valid names are skipped (the kubelet warns) */
const validEnvName = (k: string) => /^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(k);

export interface EnvResult { env: Array<{ name: string; value: string }>; skipped: string[] }

/** The container's environment in the order Kubernetes gives it (first definition's position, last value). */
export async function containerEnv(pod: Pod, container: Container, lookup: SourceLookup, node: NodeAllocatable, serviceEnv: Array<{ name: string; value: string }> = []): Promise<EnvResult> {
  const ns = pod.metadata?.namespace ?? 'default';
  // service links first: anything the pod sets itself wins
  const vars = new Map<string, string>(serviceEnv.map((e) => [e.name, e.value]));
  const skipped: string[] = [];
  for (const from of container.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    const isSecret = !!from.secretRef;
    if (!ref?.name) continue;
    const data = isSecret ? await lookup.secret(ns, ref.name) : await lookup.configMap(ns, ref.name);
    if (!data) {
      if (ref.optional) continue;
      throw new ContainerConfigError(`${isSecret ? 'secret' : 'configmap'} "${ref.name}" not found`);
    }
    for (const [k, v] of Object.entries(data)) {
      const key = (from.prefix ?? '') + k;
      if (!validEnvName(key)) { skipped.push(key); continue; }
      vars.set(key, v);
    }
  }
  for (const e of container.env ?? []) {
    const v = await envValue(pod, container, e, vars, lookup, node, ns);
    if (v !== undefined) vars.set(e.name, v);
  }
  return { env: [...vars].map(([name, value]) => ({ name, value })), skipped };
}

async function envValue(pod: Pod, container: Container, e: EnvVar, vars: Map<string, string>, lookup: SourceLookup, node: NodeAllocatable, ns: string): Promise<string | undefined> {
  const from = e.valueFrom;
  if (!from) return expandVars(e.value ?? '', (n) => vars.get(n));
  if (from.fieldRef) return podFieldValue(pod, from.fieldRef.fieldPath);
  if (from.resourceFieldRef) {
    const c = from.resourceFieldRef.containerName ? [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].find((x) => x.name === from.resourceFieldRef!.containerName) : container;
    return resourceFieldValue(pod, c, from.resourceFieldRef.resource, from.resourceFieldRef.divisor as string | undefined, node);
  }
  const ref = from.configMapKeyRef ?? from.secretKeyRef;
  if (!ref) return '';
  const isSecret = !!from.secretKeyRef;
  const name = ref.name ?? '';
  const data = isSecret ? await lookup.secret(ns, name) : await lookup.configMap(ns, name);
  if (!data) {
    if (ref.optional) return undefined;
    throw new ContainerConfigError(`${isSecret ? 'secret' : 'configmap'} "${name}" not found`);
  }
  if (!(ref.key in data)) {
    if (ref.optional) return undefined;
    throw new ContainerConfigError(`couldn't find key ${ref.key} in ${isSecret ? 'Secret' : 'ConfigMap'} ${ns}/${name}`);
  }
  return data[ref.key];
}

/** command and args with $(VAR) expanded against the final environment */
export function expandCommand(words: string[] | undefined, env: Array<{ name: string; value: string }>): string[] {
  const m = new Map(env.map((e) => [e.name, e.value]));
  return (words ?? []).map((w) => expandVars(w, (n) => m.get(n)));
}
