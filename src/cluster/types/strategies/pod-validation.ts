// Pod spec validation as pkg/apis/core/validation's ValidatePodSpec does it, with its field paths and messages:
// containers, ports, env, resources, volumes, policies, tolerations; and ValidatePodUpdate's rule that a pod's
// spec is fixed but for images, activeDeadlineSeconds, added tolerations and scheduling gates removal.
import type { Container, Pod, PodSpec, PodTemplateSpec, ResourceRequirements, Toleration, Volume } from 'kubernetes-types/core/v1.js';
import { duplicate, forbidden, invalid, notSupported, required, type FieldError } from '../status-error.ts';
import { compareQuantity, quantitySign } from '../quantity.ts';
import { eachInvalid, inclusiveRange, isDNS1123Label, isDNS1123Subdomain, isEnvVarName, isQualifiedName, isValidPortName, isValidPortNum, nameIsDNSSubdomain } from './names.ts';
import { deepEqual, validateAnnotations, validateLabels, validateObjectMeta, validateObjectMetaUpdate } from './metadata.ts';
import { volumeSourceNames } from './pod-defaults.ts';
import { cloneJson } from '../clone.ts';
import { validateEphemeralContainersUpdate, validateEphemeralOnly } from './pod-ephemeral.ts';

const protocols = ['SCTP', 'TCP', 'UDP'];
const standardResource = /^(cpu|memory|ephemeral-storage|storage|hugepages-.+|pods)$/;

function validateResources(r: ResourceRequirements | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const parsedOk = new Set<string>();
  for (const kind of ['limits', 'requests'] as const) {
    for (const [name, q] of Object.entries(r?.[kind] ?? {})) {
      const path = `${field}.${kind}[${name}]`;
      if (!name.includes('/') && !standardResource.test(name)) errs.push(invalid(path, name, 'must be a standard resource type or fully qualified'));
      try {
        if (quantitySign(q) < 0) errs.push(invalid(path, String(q), 'must be greater than or equal to 0'));
        else parsedOk.add(`${kind}/${name}`);
      } catch (e) {
        errs.push(invalid(path, q, (e as Error).message));
      }
    }
  }
  for (const [name, q] of Object.entries(r?.requests ?? {})) {
    const limit = r?.limits?.[name];
    if (limit === undefined || !parsedOk.has(`requests/${name}`) || !parsedOk.has(`limits/${name}`)) continue;
    if (compareQuantity(q, limit) > 0) errs.push(invalid(`${field}.requests[${name}]`, String(q), `must be less than or equal to ${name} limit of ${limit}`));
  }
  return errs;
}

function validateContainer(c: Container, field: string, volumes: Set<string>, init: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (!c.image) errs.push(required(`${field}.image`));
  const portNames = new Set<string>();
  for (const [i, p] of (c.ports ?? []).entries()) {
    const pf = `${field}.ports[${i}]`;
    if (p.name) {
      errs.push(...eachInvalid(`${pf}.name`, p.name, isValidPortName(p.name)));
      if (portNames.has(p.name)) errs.push(duplicate(`${pf}.name`, p.name));
      portNames.add(p.name);
    }
    if (!p.containerPort) errs.push(required(`${pf}.containerPort`));
    else errs.push(...eachInvalid(`${pf}.containerPort`, p.containerPort, isValidPortNum(p.containerPort)));
    if (p.hostPort) errs.push(...eachInvalid(`${pf}.hostPort`, p.hostPort, isValidPortNum(p.hostPort)));
    if (!p.protocol) errs.push(required(`${pf}.protocol`));
    else if (!protocols.includes(p.protocol)) errs.push(notSupported(`${pf}.protocol`, p.protocol, protocols));
  }
  for (const [i, e] of (c.env ?? []).entries()) {
    const ef = `${field}.env[${i}]`;
    if (!e.name) errs.push(required(`${ef}.name`));
    else errs.push(...eachInvalid(`${ef}.name`, e.name, isEnvVarName(e.name)));
    if (e.valueFrom && e.value) errs.push(invalid(`${ef}.valueFrom`, '', 'may not be specified when `value` is not empty'));
  }
  errs.push(...validateResources(c.resources, `${field}.resources`));
  for (const [i, m] of (c.volumeMounts ?? []).entries()) {
    const mf = `${field}.volumeMounts[${i}]`;
    if (!m.name) errs.push(required(`${mf}.name`));
    // Kubernetes says `Not found: "x"`; the FieldError contract has no NotFound type, Invalid carries the same facts
    else if (!volumes.has(m.name)) errs.push(invalid(`${mf}.name`, m.name, 'not found'));
    if (!m.mountPath) errs.push(required(`${mf}.mountPath`));
  }
  const policies = ['Always', 'IfNotPresent', 'Never'];
  if (!c.imagePullPolicy) errs.push(required(`${field}.imagePullPolicy`));
  else if (!policies.includes(c.imagePullPolicy)) errs.push(notSupported(`${field}.imagePullPolicy`, c.imagePullPolicy, policies));
  if (c.terminationMessagePolicy && !['File', 'FallbackToLogsOnError'].includes(c.terminationMessagePolicy)) {
    errs.push(invalid(`${field}.terminationMessagePolicy`, c.terminationMessagePolicy, 'must be one of File or FallbackToLogsOnError'));
  }
  if (init && c.restartPolicy !== undefined && c.restartPolicy !== 'Always') errs.push(notSupported(`${field}.restartPolicy`, c.restartPolicy, ['Always']));
  if (!init && c.restartPolicy !== undefined) errs.push(forbidden(`${field}.restartPolicy`, 'may not be set for non-init containers'));
  return errs;
}

function validateVolumes(volumes: Volume[] | undefined, field: string): { errs: FieldError[]; names: Set<string> } {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  for (const [i, v] of (volumes ?? []).entries()) {
    const vf = `${field}[${i}]`;
    if (!v.name) errs.push(required(`${vf}.name`));
    else {
      errs.push(...eachInvalid(`${vf}.name`, v.name, isDNS1123Label(v.name)));
      if (names.has(v.name)) errs.push(duplicate(`${vf}.name`, v.name));
      names.add(v.name);
    }
    const sources = volumeSourceNames.filter((k) => (v as unknown as Record<string, unknown>)[k] != null);
    if (sources.length === 0) errs.push(required(vf, 'must specify a volume type'));
    else if (sources.length > 1) errs.push(forbidden(`${vf}.${sources[1]}`, 'may not specify more than 1 volume type'));
  }
  return { errs, names };
}

function validateTolerations(tols: Toleration[] | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [i, t] of (tols ?? []).entries()) {
    const tf = `${field}[${i}]`;
    if (t.key) errs.push(...eachInvalid(`${tf}.key`, t.key, isQualifiedName(t.key)));
    if (!t.key && t.operator !== 'Exists') errs.push(invalid(`${tf}.operator`, t.operator ?? '', 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    if (t.tolerationSeconds != null && t.effect !== 'NoExecute') errs.push(invalid(`${tf}.effect`, t.effect ?? '', 'effect must be \'NoExecute\' when `tolerationSeconds` is set'));
    if (t.operator && t.operator !== 'Equal' && t.operator !== 'Exists') errs.push(notSupported(`${tf}.operator`, t.operator, ['Equal', 'Exists']));
    if (t.operator === 'Exists' && t.value) errs.push(invalid(`${tf}.operator`, t.value, 'value must be empty when `operator` is \'Exists\''));
    if (t.effect && !['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(t.effect)) errs.push(notSupported(`${tf}.effect`, t.effect, ['NoExecute', 'NoSchedule', 'PreferNoSchedule']));
  }
  return errs;
}

/** ValidatePodSpec at `field` (`spec` for a pod, `spec.template.spec` for a template). */
export function validatePodSpec(spec: PodSpec | undefined, field: string): FieldError[] {
  if (!spec) return [required(field)];
  const { errs, names: volumes } = validateVolumes(spec.volumes, `${field}.volumes`);
  const names = new Set<string>();
  const checkName = (c: Container, cf: string) => {
    if (!c.name) errs.push(required(`${cf}.name`));
    else {
      errs.push(...eachInvalid(`${cf}.name`, c.name, isDNS1123Label(c.name)));
      if (names.has(c.name)) errs.push(duplicate(`${cf}.name`, c.name));
      names.add(c.name);
    }
  };
  for (const [i, c] of (spec.initContainers ?? []).entries()) {
    checkName(c, `${field}.initContainers[${i}]`);
    errs.push(...validateContainer(c, `${field}.initContainers[${i}]`, volumes, true));
  }
  if (!spec.containers || spec.containers.length === 0) errs.push(required(`${field}.containers`));
  for (const [i, c] of (spec.containers ?? []).entries()) {
    checkName(c, `${field}.containers[${i}]`);
    errs.push(...validateContainer(c, `${field}.containers[${i}]`, volumes, false));
  }
  // ephemeral containers: the common checks, a name unique across every kind of container, their own rules
  const podContainers = new Set(names);
  for (const [i, c] of (spec.ephemeralContainers ?? []).entries()) {
    const cf = `${field}.ephemeralContainers[${i}]`;
    checkName(c as Container, cf);
    errs.push(...validateContainer(c as Container, cf, volumes, false), ...validateEphemeralOnly(c, cf, podContainers));
  }
  const restart = ['Always', 'OnFailure', 'Never'];
  if (!spec.restartPolicy) errs.push(required(`${field}.restartPolicy`));
  else if (!restart.includes(spec.restartPolicy)) errs.push(notSupported(`${field}.restartPolicy`, spec.restartPolicy, restart));
  const dns = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
  if (!spec.dnsPolicy) errs.push(required(`${field}.dnsPolicy`));
  else if (!dns.includes(spec.dnsPolicy)) errs.push(notSupported(`${field}.dnsPolicy`, spec.dnsPolicy, dns));
  if (spec.dnsPolicy === 'None' && !spec.dnsConfig) errs.push(required(`${field}.dnsConfig`, 'must provide `dnsConfig` when `dnsPolicy` is None'));
  errs.push(...validateLabels(spec.nodeSelector, `${field}.nodeSelector`));
  if (spec.serviceAccountName) errs.push(...eachInvalid(`${field}.serviceAccountName`, spec.serviceAccountName, nameIsDNSSubdomain(spec.serviceAccountName, false)));
  if (spec.nodeName) errs.push(...eachInvalid(`${field}.nodeName`, spec.nodeName, isDNS1123Subdomain(spec.nodeName)));
  if (spec.hostname) errs.push(...eachInvalid(`${field}.hostname`, spec.hostname, isDNS1123Label(spec.hostname)));
  if (spec.subdomain) errs.push(...eachInvalid(`${field}.subdomain`, spec.subdomain, isDNS1123Label(spec.subdomain)));
  if (spec.activeDeadlineSeconds != null && (spec.activeDeadlineSeconds < 1 || spec.activeDeadlineSeconds > 2147483647)) {
    errs.push(invalid(`${field}.activeDeadlineSeconds`, spec.activeDeadlineSeconds, inclusiveRange(1, 2147483647)));
  }
  errs.push(...validateTolerations(spec.tolerations, `${field}.tolerations`));
  return errs;
}

/** ValidatePodTemplateSpec: template labels/annotations and its pod spec. */
export function validatePodTemplate(t: PodTemplateSpec | undefined, field: string): FieldError[] {
  if (!t) return [required(field)];
  return [
    ...validateLabels(t.metadata?.labels, `${field}.metadata.labels`),
    ...validateAnnotations(t.metadata?.annotations, `${field}.metadata.annotations`),
    ...validatePodSpec(t.spec, `${field}.spec`),
  ];
}

export function validatePod(pod: Pod): FieldError[] {
  return [...validateObjectMeta(pod.metadata, nameIsDNSSubdomain), ...validatePodSpec(pod.spec, 'spec')];
}

const podUpdateMessage =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** ValidatePodEphemeralContainersUpdate: the pod as any update, and its old ephemeral containers untouched */
export function validatePodEphemeralUpdate(pod: Pod, old: Pod): FieldError[] {
  return [...validateObjectMetaUpdate(pod.metadata, old.metadata), ...validatePod(pod), ...validateEphemeralContainersUpdate(pod, old)];
}

/** ValidatePodUpdate: the old spec with the allowed changes applied must equal the new one. */
export function validatePodUpdate(pod: Pod, old: Pod): FieldError[] {
  const errs = [...validateObjectMetaUpdate(pod.metadata, old.metadata), ...validatePod(pod)];
  const next = pod.spec;
  const prev = old.spec;
  if (!next || !prev) return errs;
  const allowed: PodSpec = cloneJson(prev);
  const images = (to: Container[] | undefined, from: Container[] | undefined) => {
    if (to && from && to.length === from.length) to.forEach((c, i) => (c.image = from[i].image));
  };
  images(allowed.containers, next.containers);
  images(allowed.initContainers, next.initContainers);
  if (prev.activeDeadlineSeconds == null || (next.activeDeadlineSeconds != null && next.activeDeadlineSeconds <= prev.activeDeadlineSeconds)) {
    allowed.activeDeadlineSeconds = next.activeDeadlineSeconds;
  }
  const oldTols = prev.tolerations ?? [];
  if (oldTols.every((t) => (next.tolerations ?? []).some((n) => deepEqual(n, t)))) allowed.tolerations = next.tolerations;
  if ((prev.terminationGracePeriodSeconds ?? 0) < 0 && next.terminationGracePeriodSeconds === 1) allowed.terminationGracePeriodSeconds = 1;
  // scheduling gates may only be removed
  const gates = next.schedulingGates ?? [];
  if (gates.every((g) => (prev.schedulingGates ?? []).some((o) => o.name === g.name))) allowed.schedulingGates = next.schedulingGates;
  // the binding subresource sets nodeName on an unbound pod; a plain update may also carry it there
  if (!prev.nodeName && next.nodeName) allowed.nodeName = next.nodeName;
  if (!deepEqual(allowed, next)) errs.push(forbidden('spec', podUpdateMessage));
  return errs;
}
