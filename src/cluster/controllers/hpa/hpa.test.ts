import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { resourceReplicasForAverageValue, resourceReplicasForUtilization, type CalcOptions, type PodMetrics } from './replicas.ts';
import { newAutoscalerState, normalizeWithBehavior, normalizeWithoutBehavior, recordScaleEvent, scaleDownLimit, scaleUpLimit } from './behavior.ts';
import { formatMilli } from './controller.ts';

const NOW = Date.parse('2026-12-05T08:00:00Z');
const o: CalcOptions = { tolerance: 0.1, cpuInitializationPeriodMs: 300_000, initialReadinessDelayMs: 30_000, now: NOW };
const ago = (ms: number) => new Date(NOW - ms).toISOString();

/** a Running, Ready pod started 10 minutes ago asking for `cpu` */
function pod(name: string, cpu = '100m', extra: { phase?: string; ready?: 'True' | 'False'; startedAgoMs?: number; readySinceMs?: number } = {}): Pod {
  return {
    metadata: { name, namespace: 'default' },
    spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu, memory: '64Mi' } } }] },
    status: {
      phase: extra.phase ?? 'Running', startTime: ago(extra.startedAgoMs ?? 600_000),
      conditions: [{ type: 'Ready', status: extra.ready ?? 'True', lastTransitionTime: ago(extra.readySinceMs ?? 590_000) }],
    },
  };
}
const metrics = (vals: Record<string, number>): PodMetrics => new Map(Object.entries(vals).map(([k, v]) => [k, { value: v, timestamp: NOW - 1000, windowMs: 15_000 }]));

test('utilization: ceil(ratio x ready pods); within the tolerance nothing changes', () => {
  const pods = [pod('a'), pod('b'), pod('c')];
  // 3 pods at 90 % of 100m against 50 % → ratio 1.8 → ceil(5.4) = 6
  const up = resourceReplicasForUtilization(3, 50, 'cpu', pods, metrics({ a: 90, b: 90, c: 90 }), o);
  assert.deepEqual(up, { replicas: 6, utilization: 90, rawAverage: 90 });
  // 53 % against 50 %: ratio 1.06 is within 0.1
  assert.equal(resourceReplicasForUtilization(3, 50, 'cpu', pods, metrics({ a: 53, b: 53, c: 53 }), o).replicas, 3);
  // idle: 0 % → 0 (the HPA's minReplicas lifts it later)
  assert.equal(resourceReplicasForUtilization(3, 50, 'cpu', pods, metrics({ a: 0, b: 0, c: 0 }), o).replicas, 0);
});

test('utilization: a missing pod counts as at its request on a scale-down, as idle on a scale-up; a pod without a request is an error', () => {
  const pods = [pod('a'), pod('b'), pod('c')];
  // scale-down with one missing: (10+10+100)/300 = 40 % → ratio 0.8 → ceil(0.8*3)=3 → stays 3
  assert.equal(resourceReplicasForUtilization(3, 50, 'cpu', pods, metrics({ a: 10, b: 10 }), o).replicas, 3);
  // scale-up with one missing: (100+100+0)/300 = 66 % → ratio 1.33 → ceil(1.33*3) = 4
  assert.equal(resourceReplicasForUtilization(3, 50, 'cpu', pods, metrics({ a: 100, b: 100 }), o).replicas, 4);
  const noRequest = { ...pod('x'), spec: { containers: [{ name: 'c', image: 'busybox' }] } };
  assert.throws(() => resourceReplicasForUtilization(1, 50, 'cpu', [noRequest], metrics({ x: 10 }), o), /missing request for cpu in container c of Pod x/);
  assert.throws(() => resourceReplicasForUtilization(1, 50, 'cpu', [], metrics({}), o), /no pods returned by selector/);
});

test('cpu: a pod not ready yet, or ready for less than a metrics window, is set aside (and idle on a scale-up)', () => {
  const pods = [pod('a'), pod('b', '100m', { startedAgoMs: 20_000, readySinceMs: 5_000 }), pod('p', '100m', { phase: 'Pending' })];
  // b's metric (window 15 s) began before it was ready: ignored; a alone is at 200 % → scale-up, b and p count as 0
  const r = resourceReplicasForUtilization(2, 50, 'cpu', pods, metrics({ a: 200, b: 200 }), o);
  assert.equal(r.utilization, 200, 'the figure is of the counted pods');
  // (200 + 0 + 0) / 300 = 66 % → ratio 1.33 → ceil(1.33 * 3) = 4
  assert.equal(r.replicas, 4);
  assert.throws(() => resourceReplicasForUtilization(1, 50, 'cpu', [pod('n', '100m', { ready: 'False', startedAgoMs: 10_000, readySinceMs: 10_000 })], metrics({ n: 10 }), o), /did not receive metrics for any ready pods/);
});

test('average value: memory per pod against the target', () => {
  const pods = [pod('a'), pod('b')];
  const mi = (n: number) => n * 1024 * 1024 * 1000;
  const r = resourceReplicasForAverageValue(2, mi(50), 'memory', pods, metrics({ a: mi(100), b: mi(100) }), o);
  assert.deepEqual(r, { replicas: 4, rawAverage: mi(100) });
});

test('without behavior: the highest recommendation of the downscale window; at most max(2x, 4) up; min and max', () => {
  const s = newAutoscalerState(4, NOW - 60_000);
  let n = normalizeWithoutBehavior(s, { current: 4, proposed: 1, min: 1, max: 10, now: NOW }, 300_000);
  assert.equal(n.desired, 4, 'the start recommendation (4) is within the window');
  assert.equal(n.conditions[0].reason, 'ScaleDownStabilized');
  n = normalizeWithoutBehavior(s, { current: 4, proposed: 1, min: 1, max: 10, now: NOW + 241_000 }, 300_000);
  assert.equal(n.desired, 1, 'the window has passed the 4');
  assert.deepEqual(n.conditions.map((c) => c.reason), ['ReadyForNewScale', 'DesiredWithinRange']);
  n = normalizeWithoutBehavior(newAutoscalerState(1, NOW), { current: 1, proposed: 20, min: 1, max: 10, now: NOW }, 300_000);
  assert.deepEqual([n.desired, n.conditions[1].reason, n.conditions[1].status], [4, 'ScaleUpLimit', 'True']);
  n = normalizeWithoutBehavior(newAutoscalerState(8, NOW), { current: 8, proposed: 20, min: 1, max: 10, now: NOW }, 300_000);
  assert.deepEqual([n.desired, n.conditions[1].reason], [10, 'TooManyReplicas']);
});

test('with behavior: scale-up policies over their period, the scale-down window, Disabled', () => {
  const up = { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] };
  const down = { stabilizationWindowSeconds: 30, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] };
  const b = { scaleUp: up, scaleDown: down };
  const s = newAutoscalerState(1, NOW);
  let n = normalizeWithBehavior(s, { current: 1, proposed: 10, min: 1, max: 10, now: NOW }, b, 300);
  assert.deepEqual([n.desired, n.conditions[1].reason], [5, 'ScaleUpLimit']);
  recordScaleEvent(s, b, 1, 5, NOW);
  // within the same 15 s the policies count from the period's start (1): max(1+4, 2) = 5 → no more
  assert.equal(scaleUpLimit(5, s.up, s.down, up, NOW + 5_000), 5);
  assert.equal(scaleUpLimit(5, s.up, s.down, up, NOW + 16_000), 10);
  // down: the 30 s window keeps the highest recent recommendation (10)
  n = normalizeWithBehavior(s, { current: 5, proposed: 1, min: 1, max: 10, now: NOW + 20_000 }, b, 300);
  assert.deepEqual([n.desired, n.conditions[0].reason], [5, 'ScaleDownStabilized']);
  n = normalizeWithBehavior(s, { current: 5, proposed: 1, min: 1, max: 10, now: NOW + 31_000 }, b, 300);
  assert.equal(n.desired, 1);
  assert.equal(scaleDownLimit(4, [], [], { selectPolicy: 'Disabled', policies: [] }, NOW), 4);
  assert.equal(scaleDownLimit(10, [], [], { selectPolicy: 'Max', policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }, { type: 'Percent', value: 50, periodSeconds: 60 }] }, NOW), 5);
  assert.equal(scaleDownLimit(10, [], [], { selectPolicy: 'Min', policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }, { type: 'Percent', value: 50, periodSeconds: 60 }] }, NOW), 8);
});

test('formatMilli prints a DecimalSI quantity', () => {
  assert.deepEqual([150, 2000, 94371840000, 5_000_000, 1500].map(formatMilli), ['150m', '2', '94371840', '5k', '1500m']);
});
