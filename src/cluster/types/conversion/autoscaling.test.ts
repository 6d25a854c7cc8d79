import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BEHAVIOR_ANNOTATION, CONDITIONS_ANNOTATION, METRIC_SPECS_ANNOTATION, METRIC_STATUSES_ANNOTATION, hpaFromV1, hpaToV1 } from './autoscaling.ts';
import type { KObject } from '../meta.ts';

const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };

test('v1 → v2: targetCPUUtilizationPercentage is a cpu Utilization metric; none at all is kube\'s implicit 80 %', () => {
  const v2 = hpaFromV1({ apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: 'default' },
    spec: { scaleTargetRef: ref, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 50 } } as KObject);
  assert.equal(v2.apiVersion, 'autoscaling/v2');
  assert.deepEqual(v2.spec, { scaleTargetRef: ref, minReplicas: 1, maxReplicas: 5, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] });
  assert.equal(v2.metadata?.annotations, undefined);
  const dflt = hpaFromV1({ apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'x' }, spec: { scaleTargetRef: ref, maxReplicas: 3 } } as KObject);
  assert.deepEqual((dflt.spec as { metrics: unknown }).metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
});

test('v2 → v1: cpu utilization in the field, other metrics, current metrics, conditions and behavior in kube\'s annotations', () => {
  const v2 = {
    apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: 'default', annotations: { keep: 'me' } },
    spec: {
      scaleTargetRef: ref, minReplicas: 2, maxReplicas: 9,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } },
        { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } },
      ],
      behavior: { scaleDown: { stabilizationWindowSeconds: 30, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] } },
    },
    status: {
      currentReplicas: 3, desiredReplicas: 4, lastScaleTime: '2026-12-05T07:00:00Z',
      currentMetrics: [
        { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 75, averageValue: '150m' } } },
        { type: 'Resource', resource: { name: 'memory', current: { averageValue: '90Mi' } } },
      ],
      conditions: [{ type: 'AbleToScale', status: 'True', lastTransitionTime: '2026-12-05T07:00:00Z', reason: 'ReadyForNewScale', message: 'recommended size matches current size' }],
    },
  } as KObject;
  const v1 = hpaToV1(v2);
  assert.equal(v1.apiVersion, 'autoscaling/v1');
  assert.deepEqual(v1.spec, { scaleTargetRef: ref, minReplicas: 2, maxReplicas: 9, targetCPUUtilizationPercentage: 60 });
  assert.deepEqual(v1.status, { lastScaleTime: '2026-12-05T07:00:00Z', currentReplicas: 3, desiredReplicas: 4, currentCPUUtilizationPercentage: 75 });
  const ann = v1.metadata!.annotations!;
  assert.equal(ann.keep, 'me');
  assert.deepEqual(JSON.parse(ann[METRIC_SPECS_ANNOTATION]), [{ type: 'Resource', resource: { name: 'memory', targetAverageValue: '100Mi' } }]);
  assert.deepEqual(JSON.parse(ann[METRIC_STATUSES_ANNOTATION]), [
    { type: 'Resource', resource: { name: 'cpu', currentAverageUtilization: 75, currentAverageValue: '150m' } },
    { type: 'Resource', resource: { name: 'memory', currentAverageValue: '90Mi' } },
  ]);
  assert.equal(ann[BEHAVIOR_ANNOTATION], '{"ScaleUp":null,"ScaleDown":{"StabilizationWindowSeconds":30,"SelectPolicy":"Max","Policies":[{"Type":"Percent","Value":100,"PeriodSeconds":15}]}}');
  assert.equal(JSON.parse(ann[CONDITIONS_ANNOTATION])[0].reason, 'ReadyForNewScale');
  assert.equal(v2.metadata!.annotations!.keep, 'me', 'the input is not changed');

  // and back: everything returns, the annotations go, the cpu metric after the others (kube appends it)
  const back = hpaFromV1(v1);
  const spec = back.spec as { metrics: unknown[]; behavior: unknown };
  assert.deepEqual(spec.metrics, [(v2.spec as { metrics: unknown[] }).metrics[1], (v2.spec as { metrics: unknown[] }).metrics[0]]);
  assert.deepEqual(spec.behavior, (v2.spec as { behavior: unknown }).behavior);
  assert.deepEqual(back.status, v2.status);
  assert.deepEqual(back.metadata!.annotations, { keep: 'me' });
});

test('v1 → v2: behavior written with v2\'s json names reads too (Go decodes keys without regard to case); a bad annotation is ignored', () => {
  const v2 = hpaFromV1({
    apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', annotations: { [BEHAVIOR_ANNOTATION]: '{"scaleDown":{"stabilizationWindowSeconds":5}}', [METRIC_SPECS_ANNOTATION]: 'not json' } },
    spec: { scaleTargetRef: ref, maxReplicas: 5, targetCPUUtilizationPercentage: 50 },
  } as KObject);
  const spec = v2.spec as { behavior: unknown; metrics: unknown[] };
  assert.deepEqual(spec.behavior, { scaleDown: { stabilizationWindowSeconds: 5 } });
  assert.equal(spec.metrics.length, 1);
  assert.equal(v2.metadata!.annotations, undefined);
});

test('v2 → v1 → v2 keeps Pods, Object, External and ContainerResource metrics', () => {
  const metrics = [
    { type: 'Pods', pods: { metric: { name: 'qps', selector: { matchLabels: { a: 'b' } } }, target: { type: 'AverageValue', averageValue: '10' } } },
    { type: 'Object', object: { describedObject: { apiVersion: 'v1', kind: 'Service', name: 's' }, metric: { name: 'hits' }, target: { type: 'Value', value: '2k' } } },
    { type: 'External', external: { metric: { name: 'queue' }, target: { type: 'AverageValue', averageValue: '30' } } },
    { type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app', target: { type: 'Utilization', averageUtilization: 70 } } },
  ];
  const v1 = hpaToV1({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'm' }, spec: { scaleTargetRef: ref, maxReplicas: 4, metrics } } as KObject);
  assert.equal((v1.spec as { targetCPUUtilizationPercentage?: number }).targetCPUUtilizationPercentage, undefined);
  assert.deepEqual((hpaFromV1(v1).spec as { metrics: unknown }).metrics, metrics);
});
