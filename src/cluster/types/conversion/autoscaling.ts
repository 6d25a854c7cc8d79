// autoscaling/v1 ⇄ autoscaling/v2 HorizontalPodAutoscaler, as kube converts them (pkg/apis/autoscaling/v1/
// conversion.go): v1 has one field for a cpu utilization target; every other metric, the current metrics, the
// conditions and the behavior ride in annotations (the metrics in v1's own v2beta1-shaped MetricSpec, the behavior
// as kube's internal type marshals it: Go field names). v2 is the stored version; v1 is converted in and out.
import type { HorizontalPodAutoscaler as HpaV1 } from 'kubernetes-types/autoscaling/v1.js';
import type { HorizontalPodAutoscaler as HpaV2, HorizontalPodAutoscalerBehavior, HorizontalPodAutoscalerCondition, MetricSpec, MetricStatus } from 'kubernetes-types/autoscaling/v2.js';
import type { KObject } from '../meta.ts';

export const METRIC_SPECS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics';
export const METRIC_STATUSES_ANNOTATION = 'autoscaling.alpha.kubernetes.io/current-metrics';
export const CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
export const BEHAVIOR_ANNOTATION = 'autoscaling.alpha.kubernetes.io/behavior';
const roundTrip = [METRIC_SPECS_ANNOTATION, METRIC_STATUSES_ANNOTATION, CONDITIONS_ANNOTATION, BEHAVIOR_ANNOTATION];

/** autoscaling/v1 formerly defaulted this in the controller; v2 writes it down */
export const DEFAULT_CPU_UTILIZATION = 80;

type Sel = MetricSpec extends { pods?: infer P } ? NonNullable<P> extends { metric: { selector?: infer S } } ? S : never : never;
type Ref = { apiVersion?: string; kind: string; name: string };

/** autoscaling/v1's MetricSpec (the v2beta1 shape) */
interface V1MetricSpec {
  type: string;
  object?: { target: Ref; metricName: string; targetValue: string; selector?: Sel; averageValue?: string };
  pods?: { metricName: string; targetAverageValue: string; selector?: Sel };
  resource?: { name: string; targetAverageUtilization?: number; targetAverageValue?: string };
  containerResource?: { name: string; container: string; targetAverageUtilization?: number; targetAverageValue?: string };
  external?: { metricName: string; metricSelector?: Sel; targetValue?: string; targetAverageValue?: string };
}

/** autoscaling/v1's MetricStatus (the v2beta1 shape) */
interface V1MetricStatus {
  type: string;
  object?: { target: Ref; metricName: string; currentValue: string; selector?: Sel; averageValue?: string };
  pods?: { metricName: string; currentAverageValue: string; selector?: Sel };
  resource?: { name: string; currentAverageUtilization?: number; currentAverageValue: string };
  containerResource?: { name: string; container: string; currentAverageUtilization?: number; currentAverageValue: string };
  external?: { metricName: string; metricSelector?: Sel; currentValue: string; currentAverageValue?: string };
}

const clone = <T>(v: T): T => structuredClone(v);
/** drops undefined fields so converted objects compare and serialize as kube's (omitempty) */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** the target type a v2beta1 target implies: utilization, else average value, else value */
function targetOf(t: { averageUtilization?: number; averageValue?: string; value?: string }) {
  const type = t.averageUtilization !== undefined ? 'Utilization' : t.averageValue !== undefined ? 'AverageValue' : 'Value';
  return compact({ type, averageUtilization: t.averageUtilization, averageValue: t.averageValue, value: t.value });
}

function metricSpecToV1(m: MetricSpec): V1MetricSpec {
  switch (m.type) {
    case 'Object': {
      const o = m.object!;
      return { type: m.type, object: compact({ target: o.describedObject, metricName: o.metric.name, targetValue: o.target.value!, selector: o.metric.selector, averageValue: o.target.averageValue }) };
    }
    case 'Pods': return { type: m.type, pods: compact({ metricName: m.pods!.metric.name, targetAverageValue: m.pods!.target.averageValue!, selector: m.pods!.metric.selector }) };
    case 'Resource': return { type: m.type, resource: compact({ name: m.resource!.name, targetAverageUtilization: m.resource!.target.averageUtilization, targetAverageValue: m.resource!.target.averageValue }) };
    case 'ContainerResource': {
      const c = m.containerResource!;
      return { type: m.type, containerResource: compact({ name: c.name, container: c.container, targetAverageUtilization: c.target.averageUtilization, targetAverageValue: c.target.averageValue }) };
    }
    case 'External': {
      const e = m.external!;
      return { type: m.type, external: compact({ metricName: e.metric.name, metricSelector: e.metric.selector, targetValue: e.target.value, targetAverageValue: e.target.averageValue }) };
    }
    default: return { type: m.type };
  }
}

function metricSpecFromV1(m: V1MetricSpec): MetricSpec {
  switch (m.type) {
    case 'Object': {
      const o = m.object!;
      return { type: m.type, object: { describedObject: o.target, metric: compact({ name: o.metricName, selector: o.selector }), target: targetOf({ value: o.targetValue, averageValue: o.averageValue }) } };
    }
    case 'Pods': return { type: m.type, pods: { metric: compact({ name: m.pods!.metricName, selector: m.pods!.selector }), target: { type: 'AverageValue', averageValue: m.pods!.targetAverageValue } } };
    case 'Resource': return { type: m.type, resource: { name: m.resource!.name, target: targetOf({ averageUtilization: m.resource!.targetAverageUtilization, averageValue: m.resource!.targetAverageValue }) } };
    case 'ContainerResource': {
      const c = m.containerResource!;
      return { type: m.type, containerResource: { name: c.name, container: c.container, target: targetOf({ averageUtilization: c.targetAverageUtilization, averageValue: c.targetAverageValue }) } };
    }
    case 'External': {
      const e = m.external!;
      return { type: m.type, external: { metric: compact({ name: e.metricName, selector: e.metricSelector }), target: targetOf({ value: e.targetValue, averageValue: e.targetAverageValue }) } };
    }
    default: return { type: m.type };
  }
}

function metricStatusToV1(m: MetricStatus): V1MetricStatus {
  switch (m.type) {
    case 'Object': {
      const o = m.object!;
      return { type: m.type, object: compact({ target: o.describedObject, metricName: o.metric.name, currentValue: o.current.value!, selector: o.metric.selector, averageValue: o.current.averageValue }) };
    }
    case 'Pods': return { type: m.type, pods: compact({ metricName: m.pods!.metric.name, currentAverageValue: m.pods!.current.averageValue!, selector: m.pods!.metric.selector }) };
    case 'Resource': return { type: m.type, resource: compact({ name: m.resource!.name, currentAverageUtilization: m.resource!.current.averageUtilization, currentAverageValue: m.resource!.current.averageValue! }) };
    case 'ContainerResource': {
      const c = m.containerResource!;
      return { type: m.type, containerResource: compact({ name: c.name, container: c.container, currentAverageUtilization: c.current.averageUtilization, currentAverageValue: c.current.averageValue! }) };
    }
    case 'External': {
      const e = m.external!;
      return { type: m.type, external: compact({ metricName: e.metric.name, metricSelector: e.metric.selector, currentValue: e.current.value!, currentAverageValue: e.current.averageValue }) };
    }
    default: return { type: m.type };
  }
}

function metricStatusFromV1(m: V1MetricStatus): MetricStatus {
  switch (m.type) {
    case 'Object': {
      const o = m.object!;
      return { type: m.type, object: { describedObject: o.target, metric: compact({ name: o.metricName, selector: o.selector }), current: compact({ value: o.currentValue, averageValue: o.averageValue }) } };
    }
    case 'Pods': return { type: m.type, pods: { metric: compact({ name: m.pods!.metricName, selector: m.pods!.selector }), current: { averageValue: m.pods!.currentAverageValue } } };
    case 'Resource': return { type: m.type, resource: { name: m.resource!.name, current: compact({ averageUtilization: m.resource!.currentAverageUtilization, averageValue: m.resource!.currentAverageValue }) } };
    case 'ContainerResource': {
      const c = m.containerResource!;
      return { type: m.type, containerResource: { name: c.name, container: c.container, current: compact({ averageUtilization: c.currentAverageUtilization, averageValue: c.currentAverageValue }) } };
    }
    case 'External': {
      const e = m.external!;
      return { type: m.type, external: { metric: compact({ name: e.metricName, selector: e.metricSelector }), current: compact({ value: e.currentValue, averageValue: e.currentAverageValue }) } };
    }
    default: return { type: m.type };
  }
}

/** kube marshals its internal behavior type, which has no json tags: Go's field names */
function behaviorToAnnotation(b: HorizontalPodAutoscalerBehavior): string {
  const rules = (r: HorizontalPodAutoscalerBehavior['scaleUp']) => r && compact({
    StabilizationWindowSeconds: r.stabilizationWindowSeconds, SelectPolicy: r.selectPolicy,
    Policies: r.policies?.map((p) => ({ Type: p.type, Value: p.value, PeriodSeconds: p.periodSeconds })) ?? null,
  });
  return JSON.stringify({ ScaleUp: rules(b.scaleUp) ?? null, ScaleDown: rules(b.scaleDown) ?? null });
}

/** Go's json decoding matches keys without regard to case: the annotation's Go names and v2's json names both read */
function lowerKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(lowerKeys);
  if (!v || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k.toLowerCase(), lowerKeys(x)]));
}

function behaviorFromAnnotation(text: string): HorizontalPodAutoscalerBehavior | undefined {
  const raw = lowerKeys(JSON.parse(text)) as Record<string, Record<string, unknown> | null> | null;
  if (!raw || typeof raw !== 'object') return undefined;
  const rules = (r: Record<string, unknown> | null | undefined) => {
    if (!r || typeof r !== 'object') return undefined;
    const policies = Array.isArray(r.policies) ? (r.policies as Array<Record<string, unknown>>).map((p) => ({ type: String(p.type), value: Number(p.value), periodSeconds: Number(p.periodseconds) })) : undefined;
    return compact({ stabilizationWindowSeconds: r.stabilizationwindowseconds as number | undefined ?? undefined, selectPolicy: r.selectpolicy as string | undefined ?? undefined, policies });
  };
  const out = compact({ scaleUp: rules(raw.scaleup), scaleDown: rules(raw.scaledown) });
  return out.scaleUp || out.scaleDown ? out : undefined;
}

/** parses a round-trip annotation; a value that does not decode is ignored, as kube does */
function parsed<T>(text: string | undefined, read: (t: string) => T): T | undefined {
  if (text === undefined) return undefined;
  try {
    return read(text);
  } catch {
    return undefined; // kube ignores an undecodable round-trip annotation (json.Unmarshal error → skipped)
  }
}

const isCpuUtilization = (m: MetricSpec) => m.type === 'Resource' && m.resource?.name === 'cpu' && m.resource.target.averageUtilization != null;

/** the stored (v2) object as autoscaling/v1 serves it */
export function hpaToV1(obj: KObject): KObject {
  const h = obj as HpaV2;
  const meta = clone(h.metadata ?? {});
  const annotations: Record<string, string> = Object.fromEntries(Object.entries(meta.annotations ?? {}).filter(([k]) => !roundTrip.includes(k)));
  const s = h.spec;
  const cpu = s?.metrics?.find((m) => m.type === 'Resource' && m.resource?.name === 'cpu');
  const others = (s?.metrics ?? []).filter((m) => !isCpuUtilization(m));
  if (others.length) annotations[METRIC_SPECS_ANNOTATION] = JSON.stringify(others.map(metricSpecToV1));
  const st = h.status;
  if (st?.currentMetrics?.length) annotations[METRIC_STATUSES_ANNOTATION] = JSON.stringify(st.currentMetrics.map(metricStatusToV1));
  if (s?.behavior) annotations[BEHAVIOR_ANNOTATION] = behaviorToAnnotation(s.behavior);
  if (st?.conditions?.length) annotations[CONDITIONS_ANNOTATION] = JSON.stringify(st.conditions.map((c) => compact({ ...c })));
  if (Object.keys(annotations).length) meta.annotations = annotations;
  else delete meta.annotations;
  const cpuNow = st?.currentMetrics?.find((m) => m.type === 'Resource' && m.resource?.name === 'cpu')?.resource?.current.averageUtilization;
  const out: HpaV1 = {
    apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: meta,
    ...(s ? { spec: compact({ scaleTargetRef: clone(s.scaleTargetRef), minReplicas: s.minReplicas, maxReplicas: s.maxReplicas, targetCPUUtilizationPercentage: cpu?.resource?.target.averageUtilization ?? undefined }) } : {}),
    ...(st ? { status: compact({ observedGeneration: st.observedGeneration, lastScaleTime: st.lastScaleTime, currentReplicas: st.currentReplicas ?? 0, desiredReplicas: st.desiredReplicas, currentCPUUtilizationPercentage: cpuNow ?? undefined }) } : {}),
  };
  return out as KObject;
}

/** an autoscaling/v1 object as v2 (what is stored): the annotations give back what v1 cannot say, then go */
export function hpaFromV1(obj: KObject): KObject {
  const h = obj as HpaV1;
  const meta = clone(h.metadata ?? {});
  const ann = meta.annotations ?? {};
  const s = h.spec;
  let metrics: MetricSpec[] | undefined = s?.targetCPUUtilizationPercentage != null
    ? [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: s.targetCPUUtilizationPercentage } } }] : undefined;
  const others = parsed(ann[METRIC_SPECS_ANNOTATION], (t) => (JSON.parse(t) as V1MetricSpec[]).map(metricSpecFromV1));
  // the v1 cpu target goes after the others (kube appends it)
  if (others) metrics = [...others, ...(metrics ?? [])];
  // v1 had an implicit 80 % cpu target; v2 writes it down
  if (!metrics?.length) metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } } }];
  const behavior = parsed(ann[BEHAVIOR_ANNOTATION], behaviorFromAnnotation);
  const st = h.status;
  let currentMetrics: MetricStatus[] | undefined = st?.currentCPUUtilizationPercentage != null
    ? [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: st.currentCPUUtilizationPercentage } } }] : undefined;
  // the annotation has more (the raw value too): it wins over the v1 field
  currentMetrics = parsed(ann[METRIC_STATUSES_ANNOTATION], (t) => (JSON.parse(t) as V1MetricStatus[]).map(metricStatusFromV1)) ?? currentMetrics;
  const conditions = parsed(ann[CONDITIONS_ANNOTATION], (t) => JSON.parse(t) as HorizontalPodAutoscalerCondition[]);
  const kept = Object.fromEntries(Object.entries(ann).filter(([k]) => !roundTrip.includes(k)));
  if (Object.keys(kept).length) meta.annotations = kept;
  else delete meta.annotations;
  const out: HpaV2 = {
    apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: meta,
    ...(s ? { spec: compact({ scaleTargetRef: clone(s.scaleTargetRef), minReplicas: s.minReplicas, maxReplicas: s.maxReplicas, metrics, behavior }) } : {}),
    ...(st || conditions ? {
      status: compact({ observedGeneration: st?.observedGeneration, lastScaleTime: st?.lastScaleTime, currentReplicas: st?.currentReplicas, desiredReplicas: st?.desiredReplicas ?? 0, currentMetrics, conditions }),
    } : {}),
  };
  return out as KObject;
}
