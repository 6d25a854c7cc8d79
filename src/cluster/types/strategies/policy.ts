// The policy kinds: policy/v1 PodDisruptionBudget and core ResourceQuota, LimitRange and PodTemplate.
// Defaults from core/v1 defaults.go (SetDefaults_LimitRangeItem), validation from pkg/apis/{core,policy}/validation.
import type { LimitRange, PodTemplate, ResourceQuota } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type { KObject } from '../meta.ts';
import { compareQuantity, cpuMillis, isValidQuantity, quantitySign } from '../quantity.ts';
import { forbidden, invalid, notSupported, required, type FieldError } from '../status-error.ts';
import { validateLabelSelector } from './apps.ts';
import { eachInvalid, intOrPercent, isQualifiedName, nameIsDNSSubdomain } from './names.ts';
import { validateObjectMeta, validateObjectMetaUpdate } from './metadata.ts';
import { defaultPodTemplate } from './pod-defaults.ts';
import { validatePodTemplate } from './pod-validation.ts';
import type { Strategy } from './types.ts';

type Quantities = Record<string, string | number>;

const withUpdate = (validate: (o: KObject) => FieldError[]) => (o: KObject, old: KObject) =>
  [...validateObjectMetaUpdate(o.metadata, old.metadata), ...validate(o)];

// --- PodDisruptionBudget ------------------------------------------------------------------------------------

const evictionPolicies = ['AlwaysAllow', 'IfHealthyBudget'];

function validatePdb(o: KObject): FieldError[] {
  const pdb = o as PodDisruptionBudget;
  const s = pdb.spec ?? {};
  const errs = validateObjectMeta(pdb.metadata, nameIsDNSSubdomain);
  if (s.minAvailable !== undefined && s.maxUnavailable !== undefined) errs.push(invalid('spec', s, 'minAvailable and maxUnavailable cannot be both set'));
  errs.push(...intOrPercent('spec.minAvailable', s.minAvailable, true), ...intOrPercent('spec.maxUnavailable', s.maxUnavailable, true));
  if (s.selector) errs.push(...validateLabelSelector(s.selector, 'spec.selector'));
  if (s.unhealthyPodEvictionPolicy !== undefined && !evictionPolicies.includes(s.unhealthyPodEvictionPolicy)) {
    errs.push(notSupported('spec.unhealthyPodEvictionPolicy', s.unhealthyPodEvictionPolicy, evictionPolicies));
  }
  return errs;
}

export const podDisruptionBudgetStrategy: Strategy = { defaults() {}, validate: validatePdb, validateUpdate: withUpdate(validatePdb) };

// --- ResourceQuota ------------------------------------------------------------------------------------------

const standardQuotaResources = new Set([
  'pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets', 'configmaps', 'persistentvolumeclaims',
  'services.nodeports', 'services.loadbalancers', 'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory',
  'requests.storage', 'requests.ephemeral-storage', 'limits.cpu', 'limits.memory', 'limits.ephemeral-storage',
]);
const integerQuotaResources = new Set(['pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets', 'configmaps', 'persistentvolumeclaims', 'services.nodeports', 'services.loadbalancers']);
const quotaScopes = ['BestEffort', 'CrossNamespacePodAffinity', 'NotBestEffort', 'NotTerminating', 'PriorityClass', 'Terminating'];

/** ValidateNonnegativeQuantity, with apimachinery's parse error for a value that is no quantity */
function quantityErrors(field: string, v: unknown): FieldError[] {
  if (!isValidQuantity(v)) return [invalid(field, v, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTPE]*[-+]?[0-9]*)$'")];
  return quantitySign(v as string) < 0 ? [invalid(field, v, 'must be greater than or equal to 0')] : [];
}

function validateQuotaHard(hard: Quantities | undefined): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(hard ?? {})) {
    const f = `spec.hard[${k}]`;
    errs.push(...eachInvalid(f, k, isQualifiedName(k)));
    if (!k.includes('/') && !standardQuotaResources.has(k) && !k.startsWith('requests.hugepages-')) errs.push(invalid(f, k, 'must be a standard resource for quota'));
    const q = quantityErrors(f, v);
    errs.push(...q);
    if (q.length === 0 && (integerQuotaResources.has(k) || k.startsWith('count/')) && cpuMillis(v) % 1000 !== 0) errs.push(invalid(f, v, 'must be an integer'));
  }
  return errs;
}

function validateQuota(o: KObject): FieldError[] {
  const rq = o as ResourceQuota;
  const errs = [...validateObjectMeta(rq.metadata, nameIsDNSSubdomain), ...validateQuotaHard(rq.spec?.hard as Quantities)];
  const scopes = rq.spec?.scopes ?? [];
  for (const s of scopes) if (!quotaScopes.includes(s)) errs.push(invalid('spec.scopes', scopes, 'unsupported scope'));
  if ((scopes.includes('Terminating') && scopes.includes('NotTerminating')) || (scopes.includes('BestEffort') && scopes.includes('NotBestEffort'))) {
    errs.push(invalid('spec.scopes', scopes, 'conflicting scopes'));
  }
  for (const [i, e] of (rq.spec?.scopeSelector?.matchExpressions ?? []).entries()) {
    const f = `spec.scopeSelector.matchExpressions[${i}]`;
    if (!quotaScopes.includes(e.scopeName)) errs.push(invalid(`${f}.scopeName`, e.scopeName, 'unsupported scope'));
    if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(e.operator)) errs.push(notSupported(`${f}.operator`, e.operator, ['DoesNotExist', 'Exists', 'In', 'NotIn']));
    else if ((e.operator === 'In' || e.operator === 'NotIn') && !e.values?.length) errs.push(required(`${f}.values`, 'must be at least one value when `operator` is \'In\' or \'NotIn\' for scope selector'));
    else if ((e.operator === 'Exists' || e.operator === 'DoesNotExist') && e.values?.length) errs.push(invalid(`${f}.values`, e.values, 'must be no value when `operator` is \'Exist\' or \'DoesNotExist\' for scope selector'));
  }
  return errs;
}

export const resourceQuotaStrategy: Strategy = { defaults() {}, validate: validateQuota, validateUpdate: withUpdate(validateQuota) };

// --- LimitRange ---------------------------------------------------------------------------------------------

const limitTypes = ['Container', 'PersistentVolumeClaim', 'Pod'];

function defaultLimitRange(o: KObject): void {
  for (const item of (o as LimitRange).spec?.limits ?? []) {
    if (item.type !== 'Container') continue;
    const def = (item.default ??= {});
    const req = (item.defaultRequest ??= {});
    // no default limit but a max: the max; no default request: the default limit, else the min
    for (const [k, v] of Object.entries(item.max ?? {})) def[k] ??= v;
    for (const [k, v] of Object.entries(def)) req[k] ??= v;
    for (const [k, v] of Object.entries(item.min ?? {})) req[k] ??= v;
  }
}

function validateLimitRange(o: KObject): FieldError[] {
  const lr = o as LimitRange;
  const errs = validateObjectMeta(lr.metadata, nameIsDNSSubdomain);
  for (const [i, item] of (lr.spec?.limits ?? []).entries()) {
    const p = `spec.limits[${i}]`;
    if (!limitTypes.includes(item.type)) errs.push(notSupported(`${p}.type`, item.type, limitTypes));
    if (item.type === 'Pod') {
      if (Object.keys(item.default ?? {}).length) errs.push(forbidden(`${p}.default`, "may not be specified when `type` is 'Pod'"));
      if (Object.keys(item.defaultRequest ?? {}).length) errs.push(forbidden(`${p}.defaultRequest`, "may not be specified when `type` is 'Pod'"));
    }
    const lists: [string, Quantities | undefined][] = [['max', item.max], ['min', item.min], ['default', item.default], ['defaultRequest', item.defaultRequest], ['maxLimitRequestRatio', item.maxLimitRequestRatio]];
    let bad = false;
    for (const [name, list] of lists) {
      for (const [k, v] of Object.entries(list ?? {})) {
        const qe = quantityErrors(`${p}.${name}[${k}]`, v);
        if (qe.length) bad = true;
        errs.push(...qe);
      }
    }
    if (bad) continue;
    const names = new Set(lists.flatMap(([, l]) => Object.keys(l ?? {})));
    for (const k of names) {
      const [max, min, def, defReq, ratio] = lists.map(([, l]) => l?.[k]);
      const gt = (a: unknown, b: unknown) => a !== undefined && b !== undefined && compareQuantity(a as string, b as string) > 0;
      if (gt(min, max)) errs.push(invalid(`${p}.min[${k}]`, min, `min value ${min} is greater than max value ${max}`));
      if (gt(min, defReq)) errs.push(invalid(`${p}.defaultRequest[${k}]`, defReq, `min value ${min} is greater than default request value ${defReq}`));
      if (gt(defReq, max)) errs.push(invalid(`${p}.defaultRequest[${k}]`, defReq, `default request value ${defReq} is greater than max value ${max}`));
      if (gt(defReq, def)) errs.push(invalid(`${p}.defaultRequest[${k}]`, defReq, `default request value ${defReq} is greater than default limit value ${def}`));
      if (gt(min, def)) errs.push(invalid(`${p}.default[${k}]`, def, `min value ${min} is greater than default value ${def}`));
      if (gt(def, max)) errs.push(invalid(`${p}.default[${k}]`, def, `default value ${def} is greater than max value ${max}`));
      if (ratio !== undefined) {
        if (compareQuantity(ratio as string, 1) < 0) errs.push(invalid(`${p}.maxLimitRequestRatio[${k}]`, ratio, `ratio ${ratio} is less than 1`));
        if (max !== undefined && min !== undefined && cpuMillis(min) > 0) {
          const maxRatio = cpuMillis(max) / cpuMillis(min);
          if (cpuMillis(ratio) / 1000 > maxRatio) errs.push(invalid(`${p}.maxLimitRequestRatio[${k}]`, ratio, `ratio ${ratio} is greater than max/min = ${maxRatio.toFixed(6)}`));
        }
      }
    }
  }
  return errs;
}

export const limitRangeStrategy: Strategy = { defaults: defaultLimitRange, validate: validateLimitRange, validateUpdate: withUpdate(validateLimitRange) };

// --- PodTemplate --------------------------------------------------------------------------------------------

function validatePodTemplateObject(o: KObject): FieldError[] {
  const pt = o as PodTemplate;
  return [...validateObjectMeta(pt.metadata, nameIsDNSSubdomain), ...validatePodTemplate(pt.template, 'template')];
}

export const podTemplateStrategy: Strategy = {
  defaults: (o) => defaultPodTemplate((o as PodTemplate).template),
  validate: validatePodTemplateObject,
  validateUpdate: withUpdate(validatePodTemplateObject),
};
