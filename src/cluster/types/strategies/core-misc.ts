// The smaller core/v1 kinds: Namespace, ConfigMap, Secret, ServiceAccount, Node, Event (and events.k8s.io Event).
// Defaults from core/v1 defaults.go and the kinds' REST strategies; validation from core/validation.
import type { ConfigMap, Event, Namespace, Node, Secret } from 'kubernetes-types/core/v1.js';
import type { Event as EventV1 } from 'kubernetes-types/events/v1.js';
import type { KObject } from '../meta.ts';
import { forbidden, invalid, notSupported, required, tooLong, type FieldError } from '../status-error.ts';
import { eachInvalid, isConfigMapKey, isQualifiedName, nameIsDNSLabel, nameIsDNSSubdomain } from './names.ts';
import { immutable, validateObjectMeta, validateObjectMetaUpdate } from './metadata.ts';
import type { Strategy } from './types.ts';

const maxSecretSize = 1024 * 1024;
const standardFinalizers = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

/** ObjectMeta only, with a kind's name rule: for kinds Kubernetes barely validates. */
export function metaOnly(nameCheck = nameIsDNSSubdomain): Strategy {
  return {
    defaults() {},
    validate: (o) => validateObjectMeta(o.metadata, nameCheck),
    validateUpdate: (o, old) => [...validateObjectMetaUpdate(o.metadata, old.metadata), ...validateObjectMeta(o.metadata, nameCheck)],
  };
}

export const namespaceStrategy: Strategy = {
  defaults(o) {
    const ns = o as Namespace;
    ns.metadata ??= {};
    // SetDefaults_Namespace: every namespace carries its name as a label (for namespaceSelectors)
    if (ns.metadata.name) (ns.metadata.labels ??= {})['kubernetes.io/metadata.name'] = ns.metadata.name;
    if (!ns.metadata.resourceVersion) {
      // PrepareForCreate: a new namespace is Active and has the `kubernetes` finalizer (it may be removed later
      // through /finalize, so only a create adds it)
      ns.spec ??= {};
      ns.spec.finalizers ??= [];
      if (!ns.spec.finalizers.includes('kubernetes')) ns.spec.finalizers.push('kubernetes');
      ns.status = { ...(ns.status ?? {}), phase: 'Active' };
    }
  },
  validate(o) {
    const ns = o as Namespace;
    const errs = validateObjectMeta(ns.metadata, nameIsDNSLabel);
    for (const [i, f] of (ns.spec?.finalizers ?? []).entries()) {
      const msgs = isQualifiedName(f);
      errs.push(...eachInvalid(`spec.finalizers[${i}]`, f, msgs));
      if (msgs.length === 0 && !f.includes('/') && !standardFinalizers.has(f)) {
        errs.push(invalid(`spec.finalizers[${i}]`, f, 'name is neither a standard finalizer name nor is it fully qualified'));
      }
    }
    return errs;
  },
  validateUpdate: (o, old) => [...validateObjectMetaUpdate(o.metadata, old.metadata), ...namespaceStrategy.validate(o)],
};

function validateDataKeys(data: Record<string, string> | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const key of Object.keys(data ?? {})) errs.push(...eachInvalid(`${field}[${key}]`, key, isConfigMapKey(key)));
  return errs;
}

function validateConfigMap(o: KObject): FieldError[] {
  const cm = o as ConfigMap;
  const errs = [...validateObjectMeta(cm.metadata, nameIsDNSSubdomain), ...validateDataKeys(cm.data, 'data'), ...validateDataKeys(cm.binaryData, 'binaryData')];
  let size = 0;
  for (const [k, v] of Object.entries(cm.data ?? {})) size += Buffer.byteLength(k) + Buffer.byteLength(v);
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) {
    size += Buffer.byteLength(k) + Math.floor((v.length * 3) / 4);
    if (cm.data && k in cm.data) errs.push(invalid(`binaryData[${k}]`, k, 'duplicate of key present in data'));
  }
  if (size > maxSecretSize) errs.push(tooLong('', '', maxSecretSize));
  return errs;
}

/** An `immutable: true` ConfigMap or Secret keeps its data and stays immutable. */
function validateImmutableData(o: KObject, old: KObject): FieldError[] {
  if ((old as { immutable?: boolean }).immutable !== true) return [];
  const errs: FieldError[] = [];
  if ((o as { immutable?: boolean }).immutable !== true) errs.push(forbidden('immutable', 'field is immutable when `immutable` is set'));
  for (const f of ['data', 'binaryData', 'stringData']) {
    if (immutable(f, o[f], old[f]).length > 0) errs.push(forbidden(f, 'field is immutable when `immutable` is set'));
  }
  return errs;
}

export const configMapStrategy: Strategy = {
  defaults() {},
  validate: validateConfigMap,
  validateUpdate: (o, old) => [...validateObjectMetaUpdate(o.metadata, old.metadata), ...validateConfigMap(o), ...validateImmutableData(o, old)],
};

function validateSecret(o: KObject): FieldError[] {
  const s = o as Secret;
  const errs = [...validateObjectMeta(s.metadata, nameIsDNSSubdomain), ...validateDataKeys(s.data, 'data')];
  let size = 0;
  for (const [k, v] of Object.entries(s.data ?? {})) size += Buffer.byteLength(k) + Math.floor((v.length * 3) / 4);
  if (size > maxSecretSize) errs.push(tooLong('data', '', maxSecretSize));
  const data = s.data ?? {};
  const needKey = (key: string) => {
    if (!(key in data)) errs.push(required(`data[${key}]`));
  };
  switch (s.type) {
    case 'kubernetes.io/service-account-token':
      if (!s.metadata?.annotations?.['kubernetes.io/service-account.name']) errs.push(required('metadata.annotations[kubernetes.io/service-account.name]'));
      break;
    case 'kubernetes.io/dockercfg':
      needKey('.dockercfg');
      break;
    case 'kubernetes.io/dockerconfigjson':
      needKey('.dockerconfigjson');
      break;
    case 'kubernetes.io/basic-auth':
      if (!('username' in data) && !('password' in data)) errs.push(required('data[username]', 'must contain at least one of username or password'));
      break;
    case 'kubernetes.io/ssh-auth':
      needKey('ssh-privatekey');
      break;
    case 'kubernetes.io/tls':
      needKey('tls.crt');
      needKey('tls.key');
      break;
  }
  return errs;
}

export const secretStrategy: Strategy = {
  defaults(o) {
    const s = o as Secret;
    s.type ||= 'Opaque';
    // stringData is write-only: it lands base64-encoded in data (the Secret REST strategy does this on write)
    if (s.stringData) {
      s.data ??= {};
      for (const [k, v] of Object.entries(s.stringData)) s.data[k] = Buffer.from(v).toString('base64');
      delete s.stringData;
    }
  },
  validate: validateSecret,
  validateUpdate: (o, old) => [
    ...validateObjectMetaUpdate(o.metadata, old.metadata),
    ...validateSecret(o),
    ...immutable('type', (o as Secret).type, (old as Secret).type),
    ...validateImmutableData(o, old),
  ],
};

function validateNode(o: KObject): FieldError[] {
  const n = o as Node;
  const errs = validateObjectMeta(n.metadata, nameIsDNSSubdomain);
  const effects = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
  for (const [i, t] of (n.spec?.taints ?? []).entries()) {
    errs.push(...eachInvalid(`spec.taints[${i}].key`, t.key, isQualifiedName(t.key)));
    if (!t.effect) errs.push(required(`spec.taints[${i}].effect`));
    else if (!effects.includes(t.effect)) errs.push(notSupported(`spec.taints[${i}].effect`, t.effect, effects));
  }
  return errs;
}

export const nodeStrategy: Strategy = {
  defaults(o) {
    const n = o as Node;
    // SetDefaults_NodeStatus: allocatable defaults to capacity
    if (n.status?.capacity && !n.status.allocatable) n.status.allocatable = { ...n.status.capacity };
  },
  validate: validateNode,
  validateUpdate: (o, old) => [...validateObjectMetaUpdate(o.metadata, old.metadata), ...validateNode(o)],
};

function validateEvent(o: KObject): FieldError[] {
  const e = o as unknown as Event;
  const errs = validateObjectMeta(e.metadata, nameIsDNSSubdomain);
  const ns = e.metadata?.namespace;
  const io = e.involvedObject;
  if (io?.namespace && ns && io.namespace !== ns) errs.push(invalid('involvedObject.namespace', io.namespace, 'does not match event.namespace'));
  if (e.type && e.type !== 'Normal' && e.type !== 'Warning') errs.push(notSupported('type', e.type, ['Normal', 'Warning']));
  return errs;
}

export const eventStrategy: Strategy = {
  defaults() {},
  validate: validateEvent,
  validateUpdate: (o, old) => [...validateObjectMetaUpdate(o.metadata, old.metadata), ...validateEvent(o)],
};

function validateEventV1(o: KObject): FieldError[] {
  const e = o as unknown as EventV1;
  const errs = validateObjectMeta(e.metadata, nameIsDNSSubdomain);
  const ns = e.metadata?.namespace;
  if (e.regarding?.namespace && ns && e.regarding.namespace !== ns) errs.push(invalid('regarding.namespace', e.regarding.namespace, 'does not match event.namespace'));
  if (e.type && e.type !== 'Normal' && e.type !== 'Warning') errs.push(notSupported('type', e.type, ['Normal', 'Warning']));
  if (!e.eventTime) errs.push(required('eventTime'));
  if (!e.reportingController) errs.push(required('reportingController'));
  if (!e.reportingInstance) errs.push(required('reportingInstance'));
  if (!e.action) errs.push(required('action'));
  if (!e.reason) errs.push(required('reason'));
  return errs;
}

export const eventV1Strategy: Strategy = {
  defaults() {},
  validate: validateEventV1,
  validateUpdate: (o, old) => [...validateObjectMetaUpdate(o.metadata, old.metadata), ...validateEventV1(o)],
};
