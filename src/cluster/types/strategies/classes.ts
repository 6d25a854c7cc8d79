// PriorityClass (scheduling.k8s.io/v1), RuntimeClass (node.k8s.io/v1) and the CSI kinds CSIDriver, CSINode and
// VolumeAttachment (storage.k8s.io/v1): defaults and validation as pkg/apis/{scheduling,node,storage}/validation
// word them. The built-in system-*-critical classes are the only `system-` names allowed.
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import type { RuntimeClass } from 'kubernetes-types/node/v1.js';
import type { CSIDriver, CSINode, VolumeAttachment } from 'kubernetes-types/storage/v1.js';
import type { KObject } from '../meta.ts';
import { duplicate, forbidden, invalid, notSupported, required, tooLong, type FieldError } from '../status-error.ts';
import { eachInvalid, isDNS1123Label, isDNS1123Subdomain, nameIsDNSSubdomain } from './names.ts';
import { deepEqual, immutable, validateLabels, validateObjectMeta, validateObjectMetaUpdate } from './metadata.ts';
import type { Strategy } from './types.ts';

const as = <T>(o: KObject) => o as unknown as T;

/** scheduling.SystemPriorityClasses: made at server start, the only classes whose name starts with system- */
export const SYSTEM_PRIORITY_CLASSES: PriorityClass[] = [
  { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'system-node-critical' }, value: 2000001000, globalDefault: false,
    description: 'Used for system critical pods that must not be moved from their current node.', preemptionPolicy: 'PreemptLowerPriority' },
  { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'system-cluster-critical' }, value: 2000000000, globalDefault: false,
    description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.', preemptionPolicy: 'PreemptLowerPriority' },
];
/** scheduling.HighestUserDefinablePriority */
export const HIGHEST_USER_PRIORITY = 1000000000;

/** IsKnownSystemPriorityClass's verdict: undefined when it is one, else why not */
function systemClassError(pc: PriorityClass): string | undefined {
  const known = SYSTEM_PRIORITY_CLASSES.find((s) => s.metadata?.name === pc.metadata?.name);
  if (!known) return `${pc.metadata?.name} is not a known system priority class`;
  if (known.value !== pc.value) return `value of ${known.metadata?.name} PriorityClass must be ${known.value}`;
  if ((known.globalDefault ?? false) !== (pc.globalDefault ?? false)) return `globalDefault of ${known.metadata?.name} PriorityClass must be ${known.globalDefault}`;
  return undefined;
}

const preemptionPolicies = ['PreemptLowerPriority', 'Never'];

function validatePriorityClass(pc: PriorityClass): FieldError[] {
  const errs = validateObjectMeta(pc.metadata, nameIsDNSSubdomain);
  const name = pc.metadata?.name ?? '';
  if (name.startsWith('system-')) {
    const why = systemClassError(pc);
    if (why) errs.push(forbidden('metadata.name', `priority class names with 'system-' prefix are reserved for system use only. error: ${why}`));
  } else if (pc.value > HIGHEST_USER_PRIORITY) {
    errs.push(forbidden('value', `maximum allowed value of a user defined priority is ${HIGHEST_USER_PRIORITY}`));
  }
  if (pc.preemptionPolicy !== undefined) {
    if (!pc.preemptionPolicy) errs.push(required('preemptionPolicy'));
    else if (!preemptionPolicies.includes(pc.preemptionPolicy)) errs.push(notSupported('preemptionPolicy', pc.preemptionPolicy, preemptionPolicies));
  }
  return errs;
}

export const priorityClassStrategy: Strategy = {
  defaults(o) {
    const pc = as<PriorityClass>(o);
    pc.preemptionPolicy ??= 'PreemptLowerPriority';
  },
  validate: (o) => validatePriorityClass(as<PriorityClass>(o)),
  validateUpdate(o, old) {
    const pc = as<PriorityClass>(o);
    const was = as<PriorityClass>(old);
    const errs = validateObjectMetaUpdate(pc.metadata, was.metadata);
    if (pc.value !== was.value) errs.push(forbidden('value', 'may not be changed in an update.'));
    errs.push(...immutable('preemptionPolicy', pc.preemptionPolicy, was.preemptionPolicy));
    return errs;
  },
};

export const runtimeClassStrategy: Strategy = {
  defaults() {},
  validate(o) {
    const rc = as<RuntimeClass>(o);
    const errs = [...validateObjectMeta(rc.metadata, nameIsDNSSubdomain), ...eachInvalid('handler', rc.handler ?? '', isDNS1123Label(rc.handler ?? ''))];
    if (rc.scheduling?.nodeSelector) errs.push(...validateLabels(rc.scheduling.nodeSelector, 'scheduling.nodeSelector'));
    return errs;
  },
  validateUpdate(o, old) {
    const rc = as<RuntimeClass>(o);
    return [...validateObjectMetaUpdate(rc.metadata, old.metadata), ...immutable('handler', rc.handler, as<RuntimeClass>(old).handler)];
  },
};

/** ValidateCSIDriverName */
function validateCsiDriverName(name: string | undefined, field: string): FieldError[] {
  if (!name) return [required(field)];
  const errs: FieldError[] = [];
  if (name.length > 63) errs.push(tooLong(field, name, 63));
  errs.push(...eachInvalid(field, name, isDNS1123Subdomain(name.toLowerCase())));
  return errs;
}

const lifecycleModes = ['Persistent', 'Ephemeral'];
const fsGroupPolicies = ['None', 'File', 'ReadWriteOnceWithFSType'];

function validateCsiDriver(d: CSIDriver): FieldError[] {
  const errs = validateCsiDriverName(d.metadata?.name, 'name');
  const s = d.spec ?? {};
  for (const f of ['attachRequired', 'podInfoOnMount', 'storageCapacity', 'requiresRepublish'] as const) if (s[f] == null) errs.push(required(`spec.${f}`));
  if (s.fsGroupPolicy && !fsGroupPolicies.includes(s.fsGroupPolicy)) errs.push(notSupported('spec.fsGroupPolicy', s.fsGroupPolicy, fsGroupPolicies));
  for (const [i, m] of (s.volumeLifecycleModes ?? []).entries()) if (!lifecycleModes.includes(m)) errs.push(notSupported(`spec.volumeLifecycleModes[${i}]`, m, lifecycleModes));
  const audiences = new Set<string>();
  for (const [i, t] of (s.tokenRequests ?? []).entries()) {
    if (audiences.has(t.audience)) errs.push(duplicate(`spec.tokenRequests[${i}].audience`, t.audience));
    audiences.add(t.audience);
    if (t.expirationSeconds != null && t.expirationSeconds < 600) errs.push(invalid(`spec.tokenRequests[${i}].expirationSeconds`, t.expirationSeconds, 'may not specify a duration less than 10 minutes'));
  }
  return errs;
}

export const csiDriverStrategy: Strategy = {
  defaults(o) {
    const s = (as<CSIDriver>(o).spec ??= {});
    s.attachRequired ??= true;
    s.podInfoOnMount ??= false;
    s.storageCapacity ??= false;
    s.fsGroupPolicy ??= 'ReadWriteOnceWithFSType';
    s.requiresRepublish ??= false;
    s.seLinuxMount ??= false;
    if (!s.volumeLifecycleModes?.length) s.volumeLifecycleModes = ['Persistent'];
  },
  validate: (o) => validateCsiDriver(as<CSIDriver>(o)),
  validateUpdate(o, old) {
    const d = as<CSIDriver>(o).spec;
    const was = as<CSIDriver>(old).spec;
    return [...validateObjectMetaUpdate(o.metadata, old.metadata), ...validateCsiDriver(as<CSIDriver>(o)),
      ...immutable('spec.attachRequired', d?.attachRequired, was?.attachRequired),
      ...immutable('spec.fsGroupPolicy', d?.fsGroupPolicy, was?.fsGroupPolicy),
      ...immutable('spec.volumeLifecycleModes', d?.volumeLifecycleModes, was?.volumeLifecycleModes)];
  },
};

function validateCsiNode(n: CSINode): FieldError[] {
  const errs = validateObjectMeta(n.metadata, nameIsDNSSubdomain);
  const names = new Set<string>();
  for (const [i, d] of (n.spec?.drivers ?? []).entries()) {
    const f = `spec.drivers[${i}]`;
    errs.push(...validateCsiDriverName(d.name, `${f}.name`));
    if (d.name && names.has(d.name)) errs.push(duplicate(`${f}.name`, d.name));
    names.add(d.name);
    if (!d.nodeID) errs.push(required(`${f}.nodeID`));
    else if (d.nodeID.length > 192) errs.push(tooLong(`${f}.nodeID`, d.nodeID, 192));
  }
  return errs;
}

export const csiNodeStrategy: Strategy = {
  defaults() {},
  validate: (o) => validateCsiNode(as<CSINode>(o)),
  validateUpdate: (o, old) => [...validateObjectMetaUpdate(o.metadata, old.metadata), ...validateCsiNode(as<CSINode>(o))],
};

function validateVolumeAttachment(va: VolumeAttachment): FieldError[] {
  const errs = [...validateObjectMeta(va.metadata, nameIsDNSSubdomain), ...validateCsiDriverName(va.spec?.attacher, 'spec.attacher')];
  const src = va.spec?.source ?? {};
  const sources = [src.persistentVolumeName, src.inlineVolumeSpec].filter((x) => x != null && x !== '').length;
  if (sources !== 1) errs.push(required('spec.source', 'must specify exactly one of inlineVolumeSpec and persistentVolumeName'));
  if (!va.spec?.nodeName) errs.push(required('spec.nodeName'));
  else errs.push(...eachInvalid('spec.nodeName', va.spec.nodeName, isDNS1123Subdomain(va.spec.nodeName)));
  return errs;
}

export const volumeAttachmentStrategy: Strategy = {
  defaults() {},
  validate: (o) => validateVolumeAttachment(as<VolumeAttachment>(o)),
  validateUpdate(o, old) {
    const errs = [...validateObjectMetaUpdate(o.metadata, old.metadata), ...validateVolumeAttachment(as<VolumeAttachment>(o))];
    if (!deepEqual(o.spec, old.spec)) errs.push(invalid('spec', o.spec, 'field is immutable'));
    return errs;
  },
};
