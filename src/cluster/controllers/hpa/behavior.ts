// From the metrics' recommendation to the replica count the HPA asks for, as kube's horizontal.go does it:
// stabilization (the highest recommendation of the scale-down window, the lowest of the scale-up window), then
// the rate limits (behavior policies over their periods, or without behavior at most max(2x, 4) up), then
// min/maxReplicas — with the AbleToScale and ScalingLimited conditions that say which rule decided.
import type { HPAScalingRules, HorizontalPodAutoscalerBehavior } from 'kubernetes-types/autoscaling/v2.js';

interface Recommendation {
  replicas: number;
  at: number;
}

interface ScaleEvent {
  change: number;
  at: number;
  outdated: boolean;
}

/** what the controller remembers of one HPA between syncs (kube keeps it in memory too) */
export interface AutoscalerState {
  recommendations: Recommendation[];
  up: ScaleEvent[];
  down: ScaleEvent[];
}

export const newAutoscalerState = (current: number, now: number): AutoscalerState => ({ recommendations: [{ replicas: current, at: now }], up: [], down: [] });

export interface ConditionChange {
  type: 'AbleToScale' | 'ScalingLimited';
  status: 'True' | 'False';
  reason: string;
  message: string;
}

export interface Normalized {
  desired: number;
  conditions: ConditionChange[];
}

export interface NormalizeArgs {
  current: number;
  /** what the metrics ask for */
  proposed: number;
  min: number;
  max: number;
  now: number;
}

const able = (reason: string, message: string): ConditionChange => ({ type: 'AbleToScale', status: 'True', reason, message });
const limited = (isLimited: boolean, reason: string, message: string): ConditionChange => ({ type: 'ScalingLimited', status: isLimited ? 'True' : 'False', reason, message });

const WITHIN = ['DesiredWithinRange', 'the desired count is within the acceptable range'] as const;
const READY = able('ReadyForNewScale', 'recommended size matches current size');

/** without behavior: the highest recommendation of the downscale window, at most max(2x current, 4) up */
export function normalizeWithoutBehavior(state: AutoscalerState, a: NormalizeArgs, downscaleWindowMs: number): Normalized {
  let stabilized = a.proposed;
  let oldIndex = -1;
  const cutoff = a.now - downscaleWindowMs;
  for (const [i, r] of state.recommendations.entries()) {
    if (r.at < cutoff) oldIndex = i;
    else if (r.replicas > stabilized) stabilized = r.replicas;
  }
  const rec = { replicas: a.proposed, at: a.now };
  if (oldIndex >= 0) state.recommendations[oldIndex] = rec;
  else state.recommendations.push(rec);
  const conditions = [stabilized !== a.proposed ? able('ScaleDownStabilized', 'recent recommendations were higher than current one, applying the highest recent recommendation') : READY];
  // do not scale up too much at once (a bogus usage report must not explode the count)
  const upLimit = Math.max(2 * a.current, 4);
  const [maxAllowed, reason, message] = a.max > upLimit
    ? [upLimit, 'ScaleUpLimit', 'the desired replica count is increasing faster than the maximum scale rate']
    : [a.max, 'TooManyReplicas', 'the desired replica count is more than the maximum replica count'];
  let desired = stabilized;
  let why: readonly [string, string] = WITHIN;
  if (stabilized < a.min) [desired, why] = [a.min, ['TooFewReplicas', 'the desired replica count is less than the minimum replica count']];
  else if (stabilized > maxAllowed) [desired, why] = [maxAllowed, [reason, message]];
  conditions.push(limited(desired !== stabilized, why[0], why[1]));
  return { desired, conditions };
}

/** replicas changed by the events of the last periodSeconds */
function changedWithin(events: ScaleEvent[], periodSeconds: number, now: number): number {
  const cutoff = now - periodSeconds * 1000;
  return events.reduce((sum, e) => (e.at > cutoff ? sum + e.change : sum), 0);
}

/** the most replicas the scale-up rules allow now (kube's calculateScaleUpLimitWithScalingRules) */
export function scaleUpLimit(current: number, up: ScaleEvent[], down: ScaleEvent[], rules: HPAScalingRules, now: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pick = rules.selectPolicy === 'Min' ? Math.min : Math.max;
  let result = rules.selectPolicy === 'Min' ? Infinity : -Infinity;
  for (const p of rules.policies ?? []) {
    const start = current - changedWithin(up, p.periodSeconds, now) + changedWithin(down, p.periodSeconds, now);
    const proposed = p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/** the fewest replicas the scale-down rules allow now (kube's calculateScaleDownLimitWithBehaviors) */
export function scaleDownLimit(current: number, up: ScaleEvent[], down: ScaleEvent[], rules: HPAScalingRules, now: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pick = rules.selectPolicy === 'Min' ? Math.max : Math.min;
  let result = rules.selectPolicy === 'Min' ? -Infinity : Infinity;
  for (const p of rules.policies ?? []) {
    const start = current - changedWithin(up, p.periodSeconds, now) + changedWithin(down, p.periodSeconds, now);
    const proposed = p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/** with behavior: both stabilization windows, then the policies' rates, then min/max */
export function normalizeWithBehavior(state: AutoscalerState, a: NormalizeArgs, behavior: HorizontalPodAutoscalerBehavior, defaultDownWindowSeconds: number): Normalized {
  const upRules = behavior.scaleUp ?? {};
  const downRules = behavior.scaleDown ?? {};
  const upCutoff = a.now - (upRules.stabilizationWindowSeconds ?? 0) * 1000;
  const downCutoff = a.now - (downRules.stabilizationWindowSeconds ?? defaultDownWindowSeconds) * 1000;
  let upRec = a.proposed;
  let downRec = a.proposed;
  let oldIndex = -1;
  for (const [i, r] of state.recommendations.entries()) {
    if (r.at > upCutoff) upRec = Math.min(upRec, r.replicas);
    if (r.at > downCutoff) downRec = Math.max(downRec, r.replicas);
    if (r.at < upCutoff && r.at < downCutoff) oldIndex = i;
  }
  const stabilized = Math.min(Math.max(a.current, upRec), downRec);
  const rec = { replicas: a.proposed, at: a.now };
  if (oldIndex >= 0) state.recommendations[oldIndex] = rec;
  else state.recommendations.push(rec);
  const conditions: ConditionChange[] = [stabilized === a.proposed ? READY : a.proposed >= a.current
    ? able('ScaleUpStabilized', 'recent recommendations were lower than current one, applying the lowest recent recommendation')
    : able('ScaleDownStabilized', 'recent recommendations were higher than current one, applying the highest recent recommendation')];

  let desired = stabilized;
  let why: readonly [string, string] = WITHIN;
  if (stabilized > a.current) {
    const limit = Math.max(scaleUpLimit(a.current, state.up, state.down, upRules, a.now), a.current);
    const [maxAllowed, reason, message] = a.max > limit
      ? [limit, 'ScaleUpLimit', 'the desired replica count is increasing faster than the maximum scale rate']
      : [a.max, 'TooManyReplicas', 'the desired replica count is more than the maximum replica count'];
    if (stabilized > maxAllowed) [desired, why] = [maxAllowed, [reason, message]];
  } else if (stabilized < a.current) {
    const limit = Math.min(scaleDownLimit(a.current, state.up, state.down, downRules, a.now), a.current);
    const [minAllowed, reason, message] = a.min < limit
      ? [limit, 'ScaleDownLimit', 'the desired replica count is decreasing faster than the maximum scale rate']
      : [a.min, 'TooFewReplicas', 'the desired replica count is less than the minimum replica count'];
    if (stabilized < minAllowed) [desired, why] = [minAllowed, [reason, message]];
  }
  conditions.push(limited(desired !== stabilized, why[0], why[1]));
  return { desired, conditions };
}

/** remembers a rescale for the rate limits (only with behavior; the oldest outdated slot is reused, as kube does) */
export function recordScaleEvent(state: AutoscalerState, behavior: HorizontalPodAutoscalerBehavior | undefined, from: number, to: number, now: number): void {
  if (!behavior) return;
  const rules = to > from ? behavior.scaleUp : behavior.scaleDown;
  const events = to > from ? state.up : state.down;
  const longest = Math.max(0, ...(rules?.policies ?? []).map((p) => p.periodSeconds));
  for (const e of events) if (e.at < now - longest * 1000) e.outdated = true;
  const event = { change: Math.abs(to - from), at: now, outdated: false };
  const reuse = events.findLastIndex((e) => e.outdated);
  if (reuse >= 0) events[reuse] = event;
  else events.push(event);
}
