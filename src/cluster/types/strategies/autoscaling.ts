// HorizontalPodAutoscaler (autoscaling/v2, stored; autoscaling/v1 served next to it): defaults and validation
// as kube's pkg/apis/autoscaling does them. v1 is validated as kube validates it: converted to the v2 shape first,
// so the messages name v2's field paths (kube validates its internal type).
import type { HPAScalingRules, HorizontalPodAutoscaler, MetricSpec } from 'kubernetes-types/autoscaling/v2.js';
import type { HorizontalPodAutoscaler as HpaV1 } from 'kubernetes-types/autoscaling/v1.js';
import type { KObject } from '../meta.ts';
import { invalid, notSupported, required, type FieldError } from '../status-error.ts';
import { hpaFromV1 } from '../conversion/autoscaling.ts';
import { eachInvalid, nameIsPathSegment } from './names.ts';
import { validateObjectMeta, validateObjectMetaUpdate } from './metadata.ts';
import type { Strategy } from './types.ts';

const withUpdate = (validate: (o: KObject) => FieldError[]): Strategy['validateUpdate'] => (o, old) => [...validateObjectMetaUpdate(o.metadata, old.metadata), ...validate(o)];

function scaleUpDefaults(r: HPAScalingRules | undefined): HPAScalingRules {
  const out: HPAScalingRules = { ...(r ?? {}) };
  out.stabilizationWindowSeconds ??= 0;
  out.selectPolicy ??= 'Max';
  out.policies ??= [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }];
  return out;
}

function scaleDownDefaults(r: HPAScalingRules | undefined): HPAScalingRules {
  const out: HPAScalingRules = { ...(r ?? {}) };
  // the window stays unset: the controller's --horizontal-pod-autoscaler-downscale-stabilization applies (kube)
  out.selectPolicy ??= 'Max';
  out.policies ??= [{ type: 'Percent', value: 100, periodSeconds: 15 }];
  return out;
}

const metricTypes = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];
const targetTypes = ['AverageValue', 'Utilization', 'Value'];

function validateMetric(m: MetricSpec, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!metricTypes.includes(m.type)) return [notSupported(`${field}.type`, m.type, metricTypes)];
  const source = m.type === 'Resource' ? m.resource : m.type === 'ContainerResource' ? m.containerResource : m.type === 'Pods' ? m.pods : m.type === 'Object' ? m.object : m.external;
  const key = m.type === 'Resource' ? 'resource' : m.type === 'ContainerResource' ? 'containerResource' : m.type.toLowerCase();
  if (!source) return [required(`${field}.${key}`, `must populate information for the given metric source`)];
  const target = source.target;
  if (!target) errs.push(required(`${field}.${key}.target`));
  else {
    if (!targetTypes.includes(target.type)) errs.push(notSupported(`${field}.${key}.target.type`, target.type, targetTypes));
    if (target.averageUtilization != null && target.averageUtilization < 1) errs.push(invalid(`${field}.${key}.target.averageUtilization`, target.averageUtilization, 'must be greater than 0'));
  }
  if ((m.type === 'Resource' || m.type === 'ContainerResource') && !(source as { name?: string }).name) errs.push(required(`${field}.${key}.name`));
  return errs;
}

/** kube's validateScalingRules: windows within an hour, a known select policy, at least one valid policy */
function validateRules(r: HPAScalingRules | undefined, field: string): FieldError[] {
  if (!r) return [];
  const errs: FieldError[] = [];
  const w = r.stabilizationWindowSeconds;
  if (w != null && w < 0) errs.push(invalid(`${field}.stabilizationWindowSeconds`, w, 'must be greater than or equal to zero'));
  if (w != null && w > 3600) errs.push(invalid(`${field}.stabilizationWindowSeconds`, w, 'must be less than or equal to 3600'));
  if (r.selectPolicy != null && !['Disabled', 'Max', 'Min'].includes(r.selectPolicy)) errs.push(notSupported(`${field}.selectPolicy`, r.selectPolicy, ['Disabled', 'Max', 'Min']));
  if (!r.policies?.length) errs.push(required(`${field}.policies`, 'must specify at least one Policy'));
  for (const [i, p] of (r.policies ?? []).entries()) {
    const f = `${field}.policies[${i}]`;
    if (p.type !== 'Pods' && p.type !== 'Percent') errs.push(notSupported(`${f}.type`, p.type, ['Percent', 'Pods']));
    if (!(p.value > 0)) errs.push(invalid(`${f}.value`, p.value, 'must be greater than zero'));
    if (!(p.periodSeconds > 0)) errs.push(invalid(`${f}.periodSeconds`, p.periodSeconds, 'must be greater than zero'));
    if (p.periodSeconds > 1800) errs.push(invalid(`${f}.periodSeconds`, p.periodSeconds, 'must be less than or equal to 1800'));
  }
  return errs;
}

function validateHPA(o: KObject): FieldError[] {
  const h = o as HorizontalPodAutoscaler;
  const errs = validateObjectMeta(h.metadata, nameIsPathSegment);
  const s = h.spec;
  if (!s) return [...errs, required('spec')];
  const ref = s.scaleTargetRef;
  if (!ref?.kind) errs.push(required('spec.scaleTargetRef.kind'));
  else errs.push(...eachInvalid('spec.scaleTargetRef.kind', ref.kind, nameIsPathSegment(ref.kind, false)));
  if (!ref?.name) errs.push(required('spec.scaleTargetRef.name'));
  else errs.push(...eachInvalid('spec.scaleTargetRef.name', ref.name, nameIsPathSegment(ref.name, false)));
  if (s.minReplicas != null && s.minReplicas < 1) errs.push(invalid('spec.minReplicas', s.minReplicas, 'must be greater than or equal to 1'));
  if (s.maxReplicas < 1) errs.push(invalid('spec.maxReplicas', s.maxReplicas, 'must be greater than 0'));
  if (s.minReplicas != null && s.maxReplicas < s.minReplicas) errs.push(invalid('spec.maxReplicas', s.maxReplicas, 'must be greater than or equal to `minReplicas`'));
  for (const [i, m] of (s.metrics ?? []).entries()) errs.push(...validateMetric(m, `spec.metrics[${i}]`));
  if (s.behavior) {
    errs.push(...validateRules(s.behavior.scaleUp, 'spec.behavior.scaleUp'));
    errs.push(...validateRules(s.behavior.scaleDown, 'spec.behavior.scaleDown'));
  }
  return errs;
}

export const hpaStrategy: Strategy = {
  defaults(o) {
    const s = (o as HorizontalPodAutoscaler).spec;
    if (!s) return;
    s.minReplicas ??= 1;
    if (!s.metrics?.length) s.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];
    if (s.behavior) {
      s.behavior.scaleUp = scaleUpDefaults(s.behavior.scaleUp);
      s.behavior.scaleDown = scaleDownDefaults(s.behavior.scaleDown);
    }
  },
  validate: validateHPA,
  validateUpdate: withUpdate(validateHPA),
};

/** autoscaling/v1: minReplicas defaults to 1 (the cpu target's default is applied in conversion, as kube does) */
export const hpaV1Strategy: Strategy = {
  defaults(o) {
    const s = (o as HpaV1).spec;
    if (s) s.minReplicas ??= 1;
  },
  validate: (o) => validateHPA(hpaFromV1(o)),
  validateUpdate: (o, old) => [...validateObjectMetaUpdate(o.metadata, old.metadata), ...validateHPA(hpaFromV1(o))],
};
