// The HorizontalPodAutoscaler controller (kube's pkg/controller/podautoscaler, autoscaling/v2): every sync
// period each HPA reads its target's scale subresource, computes a replica count per metric from the pods'
// resource metrics (./replicas.ts), takes the highest, stabilizes and rate-limits it (./behavior.ts), writes
// the new count through the scale subresource, and records status (current metrics, conditions) and events.
import type { HorizontalPodAutoscaler, HorizontalPodAutoscalerCondition, MetricSpec, MetricStatus, MetricTarget } from 'kubernetes-types/autoscaling/v2.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Controller, ControllerContext, ReconcileResult } from '../../client/types.ts';
import { createWorkQueue, runWhenSynced } from '../../client/index.ts';
import { objectKey, parseApiVersion, splitKey, type KObject } from '../../types/meta.ts';
import { R } from '../../types/gvr.ts';
import { findByKind, gvrOf } from '../../types/registry.ts';
import type { ResourceSpec } from '../../types/resource.ts';
import { cpuMillis } from '../../types/quantity.ts';
import { matchesRequirements, parseLabelSelector, type Requirement } from '../../types/labels.ts';
import { isStatusError } from '../../types/status-error.ts';
import { canonicalJson } from '../util.ts';
import { logger } from '../../../lib/log.ts';
import { newAutoscalerState, normalizeWithBehavior, normalizeWithoutBehavior, recordScaleEvent, type AutoscalerState, type ConditionChange } from './behavior.ts';
import { resourceMetric, type ResourceMetricsSource } from './metrics.ts';
import {
  DEFAULT_CPU_INITIALIZATION_PERIOD_MS, DEFAULT_INITIAL_READINESS_DELAY_MS, DEFAULT_TOLERANCE, resourceReplicasForAverageValue, resourceReplicasForUtilization, type CalcOptions,
} from './replicas.ts';

type Hpa = HorizontalPodAutoscaler & KObject;
type PodObject = Pod & KObject;
interface Scale extends KObject {
  spec?: { replicas?: number };
  status?: { replicas?: number; selector?: string };
}

export const controllerName = 'horizontal-pod-autoscaler';
const log = logger(controllerName);

export interface HpaControllerOptions {
  /** where pod metrics come from; without one every HPA reports it cannot get metrics */
  metrics?: ResourceMetricsSource;
  /** --horizontal-pod-autoscaler-sync-period (default 15 s) */
  syncPeriodMs?: number;
  /** --horizontal-pod-autoscaler-downscale-stabilization (default 5 min) */
  downscaleStabilizationMs?: number;
  /** --horizontal-pod-autoscaler-tolerance (default 0.1) */
  tolerance?: number;
  cpuInitializationPeriodMs?: number;
  initialReadinessDelayMs?: number;
  /** a scale target's resource by group and kind (the server's live set, so custom resources with a scale subresource count); default: the built-ins */
  findKind?: (group: string, kind: string) => ResourceSpec | undefined;
}

/** a milli-value as a DecimalSI Quantity prints (resource.NewMilliQuantity): 150m, 2, 94371840, 5k */
export function formatMilli(milli: number): string {
  if (milli % 1000 !== 0) return `${milli}m`;
  let v = milli / 1000;
  const suffixes = ['', 'k', 'M', 'G', 'T', 'P', 'E'];
  let i = 0;
  while (v !== 0 && v % 1000 === 0 && i < suffixes.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v}${suffixes[i]}`;
}

/** kube's setConditionInList: the transition time moves only when the status changes */
function setCondition(hpa: Hpa, c: Omit<ConditionChange, 'type'> & { type: string }, now: string): void {
  const list: HorizontalPodAutoscalerCondition[] = (hpa.status!.conditions ??= []);
  let cur = list.find((x) => x.type === c.type);
  if (!cur) list.push((cur = { type: c.type, status: c.status } as HorizontalPodAutoscalerCondition));
  if (cur.status !== c.status || !cur.lastTransitionTime) cur.lastTransitionTime = now;
  Object.assign(cur, { status: c.status, reason: c.reason, message: c.message });
}

/** a metric that could not be computed: the error for the log, the reason and inner message for events and the condition */
interface MetricFailure {
  failure: true;
  reason: string;
  inner: string;
  message: string;
}
const isFailure = (e: unknown): e is MetricFailure => typeof e === 'object' && e !== null && (e as MetricFailure).failure === true;

export function createHorizontalPodAutoscalerController(ctx: ControllerContext, opts: HpaControllerOptions = {}): Controller {
  const hpas = ctx.informers.informer<Hpa>(R.horizontalpodautoscalers);
  const pods = ctx.informers.informer<PodObject>(R.pods);
  const recorder = ctx.recorder(controllerName);
  const queue = createWorkQueue({ name: controllerName });
  const syncPeriod = opts.syncPeriodMs ?? 15_000;
  const downWindow = opts.downscaleStabilizationMs ?? 5 * 60_000;
  const states = new Map<string, AutoscalerState>();
  // the last selector each HPA's target had (for the ambiguity check)
  const selectors = new Map<string, Requirement[]>();

  hpas.on({
    add: (h) => queue.add(objectKey(h)),
    // a spec change is acted on at once; our own status writes wait for the next period
    update: (o, h) => {
      if (o.metadata?.generation !== h.metadata?.generation) queue.add(objectKey(h));
    },
    delete: (h) => {
      states.delete(objectKey(h));
      selectors.delete(objectKey(h));
    },
  });

  const calcOptions = (): CalcOptions => ({
    tolerance: opts.tolerance ?? DEFAULT_TOLERANCE,
    cpuInitializationPeriodMs: opts.cpuInitializationPeriodMs ?? DEFAULT_CPU_INITIALIZATION_PERIOD_MS,
    initialReadinessDelayMs: opts.initialReadinessDelayMs ?? DEFAULT_INITIAL_READINESS_DELAY_MS,
    now: ctx.now().getTime(),
  });

  /** one Resource/ContainerResource metric: the replicas it asks for and its status */
  async function replicasForMetric(hpa: Hpa, spec: MetricSpec, current: number, selector: string): Promise<{ replicas: number; name: string; status: MetricStatus }> {
    const src = spec.type === 'Resource' ? spec.resource : spec.type === 'ContainerResource' ? spec.containerResource : undefined;
    const failReason = spec.type === 'ContainerResource' ? 'FailedGetContainerResourceMetric' : spec.type === 'Resource' ? 'FailedGetResourceMetric' : `FailedGet${spec.type}Metric`;
    const wrap = (inner: string) => spec.type === 'ContainerResource' ? `failed to get ${spec.containerResource?.container} container metric value: ${inner}` : `failed to get ${src?.name} resource metric value: ${inner}`;
    if (!src) {
      const inner = spec.type === 'Pods' || spec.type === 'Object' || spec.type === 'External'
        ? `unable to get metric: no custom or external metrics API is served (${spec.type} metrics)` : `unknown metric source type "${spec.type}"`;
      throw { failure: true, reason: failReason, inner, message: `failed to get ${spec.type.toLowerCase()} metric value: ${inner}` } satisfies MetricFailure;
    }
    const container = 'container' in src ? (src as { container: string }).container : undefined;
    const target: MetricTarget = src.target;
    const what = target.averageValue != null ? 'usage' : 'utilization';
    try {
      if (!opts.metrics) throw new Error(`unable to get metrics for resource ${src.name}: no metrics returned from resource metrics API`);
      const podList = pods.list(hpa.metadata?.namespace, selector);
      const names = new Set(podList.map((p) => p.metadata?.name ?? ''));
      const metrics = await resourceMetric(opts.metrics, hpa.metadata?.namespace ?? '', names, src.name, container)
        .catch((err: unknown) => { throw new Error(`unable to get metrics for resource ${src.name}: ${(err as Error).message}`); });
      const status = (current: { averageUtilization?: number; averageValue: string }): MetricStatus => spec.type === 'ContainerResource'
        ? { type: spec.type, containerResource: { name: src.name, container: container!, current } }
        : { type: 'Resource', resource: { name: src.name, current } };
      const kind = spec.type === 'ContainerResource' ? 'container resource' : 'resource';
      if (target.averageValue != null) {
        const r = resourceReplicasForAverageValue(current, cpuMillis(target.averageValue), src.name, podList, metrics, calcOptions());
        return { replicas: r.replicas, name: `${src.name} ${kind}`, status: status({ averageValue: formatMilli(r.rawAverage) }) };
      }
      if (target.averageUtilization == null) throw new Error('invalid resource metric source: neither an average utilization target nor an average value (usage) target was set');
      const r = resourceReplicasForUtilization(current, target.averageUtilization, src.name, podList, metrics, calcOptions(), container);
      return { replicas: r.replicas, name: `${src.name} ${kind} utilization (percentage of request)`, status: status({ averageUtilization: r.utilization, averageValue: formatMilli(r.rawAverage) }) };
    } catch (err) {
      if (isFailure(err)) throw err;
      const inner = `failed to get ${src.name} ${what}: ${(err as Error).message}`;
      throw { failure: true, reason: failReason, inner, message: wrap(inner) } satisfies MetricFailure;
    }
  }

  /**
   * kube's validateAndParseSelector: remembers this HPA's selector, and says so when a pod it selects is also
   * selected by another HPA (two autoscalers fighting over one set of pods)
   */
  function otherSelectors(hpa: Hpa, selector: string): string | undefined {
    const key = objectKey(hpa);
    selectors.set(key, parseLabelSelector(selector));
    const ns = hpa.metadata?.namespace ?? '';
    const controlling = new Set<string>();
    for (const pod of pods.list(ns, selector)) {
      for (const [k, reqs] of selectors) if (splitKey(k).namespace === ns && hpas.get(k) && matchesRequirements(reqs, pod.metadata?.labels)) controlling.add(k);
    }
    if (controlling.size <= 1) return undefined;
    const names = [...controlling].sort().map((k) => `{${splitKey(k).name} ${ns}}`);
    return `pods by selector ${selector} are controlled by multiple HPAs: [${names.join(' ')}]`;
  }

  /** kube's computeReplicasForMetrics: the highest proposal; a failing metric stops a scale-down, not a scale-up */
  async function replicasForMetrics(hpa: Hpa, scale: Scale, now: string): Promise<{ replicas: number; metric: string; statuses: MetricStatus[]; error?: string }> {
    const selector = scale.status?.selector;
    if (!selector) {
      recorder.event(hpa, 'Warning', 'SelectorRequired', 'selector is required');
      setCondition(hpa, { type: 'ScalingActive', status: 'False', reason: 'InvalidSelector', message: "the HPA target's scale is missing a selector" }, now);
      return { replicas: -1, metric: '', statuses: [], error: 'selector is required' };
    }
    const ambiguous = otherSelectors(hpa, selector);
    if (ambiguous) {
      recorder.event(hpa, 'Warning', 'AmbiguousSelector', ambiguous);
      setCondition(hpa, { type: 'ScalingActive', status: 'False', reason: 'AmbiguousSelector', message: ambiguous }, now);
      return { replicas: -1, metric: '', statuses: [], error: ambiguous };
    }
    const specs = hpa.spec?.metrics ?? [];
    const current = scale.spec?.replicas ?? 0;
    const statuses: MetricStatus[] = [];
    let replicas = 0;
    let metric = '';
    let invalid = 0;
    let first: MetricFailure | undefined;
    for (const spec of specs) {
      try {
        const r = await replicasForMetric(hpa, spec, current, selector);
        statuses.push(r.status);
        if (replicas === 0 || r.replicas > replicas) [replicas, metric] = [r.replicas, r.name];
      } catch (err) {
        if (!isFailure(err)) throw err;
        // kube leaves the failed metric's status empty (type "")
        statuses.push({ type: '' } as MetricStatus);
        recorder.event(hpa, 'Warning', err.reason, err.inner);
        first ??= err;
        invalid++;
      }
    }
    const error = first ? `invalid metrics (${invalid} invalid out of ${specs.length}), first error is: ${first.message}` : undefined;
    if (first && (invalid >= specs.length || replicas < current)) {
      setCondition(hpa, { type: 'ScalingActive', status: 'False', reason: first.reason, message: `the HPA was unable to compute the replica count: ${first.inner}` }, now);
      return { replicas: -1, metric: '', statuses, error };
    }
    setCondition(hpa, { type: 'ScalingActive', status: 'True', reason: 'ValidMetricFound', message: `the HPA was able to successfully calculate a replica count from ${metric}` }, now);
    return { replicas, metric, statuses, error };
  }

  async function writeStatus(hpa: Hpa, before: string): Promise<void> {
    if (canonicalJson(hpa.status) === before) return;
    try {
      await ctx.client.update(R.horizontalpodautoscalers, hpa.metadata?.namespace, hpa, { subresource: 'status' });
    } catch (err) {
      if (isStatusError(err, 'NotFound')) return;
      recorder.event(hpa, 'Warning', 'FailedUpdateStatus', (err as Error).message);
      throw err;
    }
  }

  async function reconcile(key: string): Promise<void> {
    const cached = hpas.get(key);
    if (!cached) {
      states.delete(key);
      selectors.delete(key);
      return;
    }
    const hpa = structuredClone(cached);
    hpa.status ??= { desiredReplicas: 0 } as Hpa['status'];
    const before = canonicalJson(cached.status);
    const nowDate = ctx.now();
    const now = nowDate.toISOString().replace(/\.\d{3}Z$/, 'Z');
    const { namespace } = splitKey(key);
    const ref = hpa.spec!.scaleTargetRef;
    const reference = `${ref.kind}/${namespace}/${ref.name}`;
    const failScale = async (message: string, err: string): Promise<never> => {
      recorder.event(hpa, 'Warning', 'FailedGetScale', message);
      setCondition(hpa, { type: 'AbleToScale', status: 'False', reason: 'FailedGetScale', message: `the HPA controller was unable to get the target's current scale: ${message}` }, now);
      await writeStatus(hpa, before);
      throw new Error(err);
    };

    const group = parseApiVersion(ref.apiVersion ?? '').group;
    const target = (opts.findKind ?? findByKind)(group, ref.kind);
    if (!target?.scale) return failScale(`no matches for kind "${ref.kind}" in group "${group}"`, `unable to determine resource for scale target reference: no matches for kind "${ref.kind}" in group "${group}"`);
    const gvr = gvrOf(target);
    let scale: Scale;
    try {
      scale = await ctx.client.get<Scale>(gvr, namespace, ref.name, { subresource: 'scale' });
    } catch (err) {
      return failScale((err as Error).message, `failed to query scale subresource for ${reference}: ${(err as Error).message}`);
    }
    setCondition(hpa, { type: 'AbleToScale', status: 'True', reason: 'SucceededGetScale', message: "the HPA controller was able to get the target's current scale" }, now);
    const current = scale.spec?.replicas ?? 0;
    let state = states.get(key);
    if (!state) states.set(key, (state = newAutoscalerState(current, nowDate.getTime())));

    const min = hpa.spec!.minReplicas ?? 1;
    const max = hpa.spec!.maxReplicas;
    let desired = 0;
    let reason = '';
    let statuses: MetricStatus[] = hpa.status!.currentMetrics ?? [];
    let rescale = true;
    let retError: string | undefined;
    if (current === 0 && min !== 0) {
      rescale = false;
      setCondition(hpa, { type: 'ScalingActive', status: 'False', reason: 'ScalingDisabled', message: 'scaling is disabled since the replica count of the target is zero' }, now);
    } else if (current > max) [reason, desired] = ['Current number of replicas above Spec.MaxReplicas', max];
    else if (current < min) [reason, desired] = ['Current number of replicas below Spec.MinReplicas', min];
    else {
      const m = await replicasForMetrics(hpa, scale, now);
      statuses = m.statuses;
      if (m.replicas === -1) {
        hpa.status = { ...hpa.status!, currentReplicas: current, currentMetrics: statuses.length ? statuses : undefined };
        await writeStatus(hpa, before);
        recorder.event(hpa, 'Warning', 'FailedComputeMetricsReplicas', m.error ?? '');
        throw new Error(`failed to compute desired number of replicas based on listed metrics for ${reference}: ${m.error}`);
      }
      retError = m.error;
      desired = m.replicas;
      if (desired > current) reason = `${m.metric} above target`;
      if (desired < current) reason = 'All metrics below target';
      const args = { current, proposed: desired, min, max, now: nowDate.getTime() };
      const behavior = hpa.spec!.behavior;
      const n = behavior ? normalizeWithBehavior(state, args, behavior, downWindow / 1000) : normalizeWithoutBehavior(state, args, downWindow);
      for (const c of n.conditions) setCondition(hpa, c, now);
      desired = n.desired;
      rescale = desired !== current;
    }

    if (rescale) {
      try {
        await ctx.client.update(gvr, namespace, { ...scale, spec: { ...scale.spec, replicas: desired } }, { subresource: 'scale' });
      } catch (err) {
        const msg = (err as Error).message;
        recorder.event(hpa, 'Warning', 'FailedRescale', `New size: ${desired}; reason: ${reason}; error: ${msg}`);
        setCondition(hpa, { type: 'AbleToScale', status: 'False', reason: 'FailedUpdateScale', message: `the HPA controller was unable to update the target scale: ${msg}` }, now);
        hpa.status = { ...hpa.status!, currentReplicas: current, currentMetrics: statuses.length ? statuses : undefined };
        await writeStatus(hpa, before);
        throw new Error(`failed to rescale ${reference}: ${msg}`);
      }
      setCondition(hpa, { type: 'AbleToScale', status: 'True', reason: 'SucceededRescale', message: `the HPA controller was able to update the target scale to ${desired}` }, now);
      recorder.event(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desired}; reason: ${reason}`);
      recordScaleEvent(state, hpa.spec!.behavior, current, desired, nowDate.getTime());
    } else desired = current;

    hpa.status = {
      ...hpa.status!, currentReplicas: current, desiredReplicas: desired, currentMetrics: statuses.length ? statuses : undefined,
      ...(rescale ? { lastScaleTime: now } : {}),
    };
    await writeStatus(hpa, before);
    if (retError) throw new Error(retError);
  }

  return {
    name: controllerName,
    async run(signal) {
      // every HPA again each period, failed or not (kube's HPA rate limiter retries at the sync period, not faster)
      const wrapped = async (key: string): Promise<ReconcileResult> => {
        try {
          await reconcile(key);
        } catch (err) {
          log.warn('autoscaler sync failed', { hpa: key, err: (err as Error).message });
        }
        if (hpas.get(key)) return { requeueAfterMs: syncPeriod };
      };
      await runWhenSynced(ctx.informers, queue, 1, wrapped, signal, controllerName);
    },
  };
}
