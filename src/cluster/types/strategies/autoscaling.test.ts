import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../meta.ts';
import { findResource } from '../registry.ts';
import { formatFieldError, type FieldError } from '../status-error.ts';

const v1 = findResource({ group: 'autoscaling', version: 'v1', resource: 'horizontalpodautoscalers' })!;
const v2 = findResource({ group: 'autoscaling', version: 'v2', resource: 'horizontalpodautoscalers' })!;
const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };
const messages = (errs: FieldError[]) => errs.map(formatFieldError);

test('autoscaling/v1 is served as a conversion of the stored v2; its defaults and validation', () => {
  assert.equal(v1.conversion?.storageVersion, 'v2');
  assert.equal(v2.conversion, undefined);
  const h = { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web' }, spec: { scaleTargetRef: ref, maxReplicas: 5, targetCPUUtilizationPercentage: 50 } } as KObject;
  v1.defaults(h);
  assert.equal((h.spec as { minReplicas: number }).minReplicas, 1);
  assert.deepEqual(v1.validate(h), []);
  (h.spec as { targetCPUUtilizationPercentage: number }).targetCPUUtilizationPercentage = 0;
  (h.spec as { maxReplicas: number }).maxReplicas = 0;
  const errs = v1.validate(h).map((e) => e.field);
  // kube validates v1 as its internal (v2-shaped) type: v2's field paths
  assert.deepEqual(errs.sort(), ['spec.maxReplicas', 'spec.maxReplicas', 'spec.metrics[0].resource.target.averageUtilization']);
});

test('v2 behavior: kube\'s defaults (the scale-down window left to the controller) and limits', () => {
  const h = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web' }, spec: { scaleTargetRef: ref, maxReplicas: 5, behavior: { scaleDown: { stabilizationWindowSeconds: 10 } } } } as KObject;
  v2.defaults(h);
  const b = (h.spec as { behavior: unknown }).behavior;
  assert.deepEqual(b, {
    scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] },
    scaleDown: { stabilizationWindowSeconds: 10, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
  });
  const bare = { ...h, spec: { scaleTargetRef: ref, maxReplicas: 5, behavior: { scaleUp: {} } } } as KObject;
  v2.defaults(bare);
  assert.equal((bare.spec as { behavior: { scaleDown: { stabilizationWindowSeconds?: number } } }).behavior.scaleDown.stabilizationWindowSeconds, undefined);
  const bad = { ...h, spec: { scaleTargetRef: ref, maxReplicas: 5, behavior: { scaleUp: { stabilizationWindowSeconds: 4000, selectPolicy: 'Most', policies: [] }, scaleDown: { policies: [{ type: 'Pods', value: 0, periodSeconds: 1801 }] } } } } as KObject;
  assert.deepEqual(messages(v2.validate(bad)), [
    'spec.behavior.scaleUp.stabilizationWindowSeconds: Invalid value: 4000: must be less than or equal to 3600',
    'spec.behavior.scaleUp.selectPolicy: Unsupported value: "Most": supported values: "Disabled", "Max", "Min"',
    'spec.behavior.scaleUp.policies: Required value: must specify at least one Policy',
    'spec.behavior.scaleDown.policies[0].value: Invalid value: 0: must be greater than zero',
    'spec.behavior.scaleDown.policies[0].periodSeconds: Invalid value: 1801: must be less than or equal to 1800',
  ]);
});
