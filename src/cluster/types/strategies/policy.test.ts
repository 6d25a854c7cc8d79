import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatFieldError } from '../status-error.ts';
import { limitRangeStrategy, podDisruptionBudgetStrategy, resourceQuotaStrategy } from './policy.ts';
import type { KObject } from '../meta.ts';

const errs = (s: { validate(o: KObject): { field: string }[] }, o: KObject) => s.validate(o).map((e) => formatFieldError(e as never));

describe('policy strategies', () => {
  it('PodDisruptionBudget: one of minAvailable / maxUnavailable, each a count or a percent up to 100%', () => {
    const pdb = (spec: object) => ({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'b', namespace: 'd' }, spec });
    assert.deepEqual(errs(podDisruptionBudgetStrategy, pdb({ minAvailable: 1, selector: { matchLabels: { app: 'x' } } })), []);
    assert.match(errs(podDisruptionBudgetStrategy, pdb({ minAvailable: 1, maxUnavailable: 1 }))[0], /^spec: Invalid value: .*minAvailable and maxUnavailable cannot be both set$/);
    assert.deepEqual(errs(podDisruptionBudgetStrategy, pdb({ maxUnavailable: '150%' })), ['spec.maxUnavailable: Invalid value: "150%": must not be greater than 100%']);
    assert.deepEqual(errs(podDisruptionBudgetStrategy, pdb({ minAvailable: -1 })), ['spec.minAvailable: Invalid value: -1: must be greater than or equal to 0']);
  });

  it('ResourceQuota: standard resource names, non-negative integer counts', () => {
    const rq = (hard: object) => ({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q', namespace: 'd' }, spec: { hard } });
    assert.deepEqual(errs(resourceQuotaStrategy, rq({ pods: '2', 'requests.cpu': '500m', 'count/deployments.apps': 3 })), []);
    assert.deepEqual(errs(resourceQuotaStrategy, rq({ bogus: '1' })), ['spec.hard[bogus]: Invalid value: "bogus": must be a standard resource for quota']);
    assert.deepEqual(errs(resourceQuotaStrategy, rq({ pods: '1500m' })), ['spec.hard[pods]: Invalid value: "1500m": must be an integer']);
    assert.deepEqual(errs(resourceQuotaStrategy, rq({ cpu: '-1' })), ['spec.hard[cpu]: Invalid value: "-1": must be greater than or equal to 0']);
  });

  it('LimitRange: Container defaults from max and min; min ≤ default request ≤ default ≤ max', () => {
    const lr: KObject = { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'l', namespace: 'd' }, spec: { limits: [{ type: 'Container', max: { cpu: '1' }, min: { memory: '10Mi' } }] } };
    limitRangeStrategy.defaults(lr);
    assert.deepEqual((lr.spec as any).limits[0].default, { cpu: '1' });
    assert.deepEqual((lr.spec as any).limits[0].defaultRequest, { cpu: '1', memory: '10Mi' });
    assert.deepEqual(errs(limitRangeStrategy, lr), []);
    const bad: KObject = { ...lr, spec: { limits: [{ type: 'Container', max: { cpu: '1' }, min: { cpu: '2' }, default: { cpu: '1' }, defaultRequest: { cpu: '1' } }, { type: 'Node' }] } };
    assert.deepEqual(errs(limitRangeStrategy, bad), [
      'spec.limits[0].min[cpu]: Invalid value: "2": min value 2 is greater than max value 1',
      'spec.limits[0].defaultRequest[cpu]: Invalid value: "1": min value 2 is greater than default request value 1',
      'spec.limits[0].default[cpu]: Invalid value: "1": min value 2 is greater than default value 1',
      'spec.limits[1].type: Unsupported value: "Node": supported values: "Container", "PersistentVolumeClaim", "Pod"',
    ]);
  });
});
