import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { addAmounts, amountsOf, formatAmount, amountOf, kindsCounted, listOf, podConstraintError, quotaCovers, usageOf, usageOfObjects } from './index.ts';
import type { KObject } from '../types/meta.ts';

const podOf = (containers: object[], extra: object = {}): KObject & { spec: object } => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'n' }, spec: { containers, ...extra } });
const pods = { group: '', resource: 'pods' };

describe('quota amounts', () => {
  it('adds exactly and prints as resource.Quantity does', () => {
    assert.equal(formatAmount(addAmounts(amountsOf({ cpu: '500m' }), amountsOf({ cpu: '0.5' })).get('cpu')!), '1');
    assert.equal(formatAmount(addAmounts(amountsOf({ m: '64Mi' }), amountsOf({ m: '64Mi' })).get('m')!), '128Mi');
    assert.equal(formatAmount(amountOf('250m')), '250m');
    assert.equal(formatAmount(amountOf(2000)), '2k');
    assert.deepEqual(listOf(amountsOf({ pods: 2, cpu: '0' })), { cpu: '0', pods: '2' });
  });
});

describe('quota evaluators', () => {
  it('a pod uses its containers sum, at least each init container, and counts once', () => {
    const p = podOf([{ name: 'a', resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '200m' } } }, { name: 'b', resources: { requests: { cpu: '100m' } } }],
      { initContainers: [{ name: 'i', resources: { requests: { cpu: '1' } } }] });
    const u = listOf(usageOf(pods, p, new Date()));
    assert.deepEqual(u, { 'count/pods': '1', cpu: '1', 'limits.cpu': '200m', memory: '64Mi', pods: '1', 'requests.cpu': '1', 'requests.memory': '64Mi' });
  });

  it('finished pods only count as objects', () => {
    const p = { ...podOf([{ name: 'a' }]), status: { phase: 'Succeeded' } };
    assert.deepEqual(listOf(usageOf(pods, p, new Date())), { 'count/pods': '1' });
  });

  it('a cpu quota makes every container state it (kube\'s wording)', () => {
    const p = podOf([{ name: 'a' }, { name: 'b', resources: { requests: { cpu: '1' } } }]);
    assert.equal(podConstraintError(p, ['pods', 'requests.cpu', 'limits.cpu']), 'must specify limits.cpu for: a,b; requests.cpu for: a');
    assert.equal(podConstraintError(p, ['pods']), undefined);
  });

  it('services, claims and object counts', () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { type: 'NodePort', ports: [{ port: 80 }, { port: 81 }] } };
    assert.deepEqual(listOf(usageOf({ group: '', resource: 'services' }, svc, new Date())), { 'count/services': '1', services: '1', 'services.loadbalancers': '0', 'services.nodeports': '2' });
    const pvc = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c' }, spec: { storageClassName: 'fast', resources: { requests: { storage: '1Gi' } } } };
    const u = listOf(usageOf({ group: '', resource: 'persistentvolumeclaims' }, pvc, new Date()));
    assert.equal(u['requests.storage'], '1Gi');
    assert.equal(u['fast.storageclass.storage.k8s.io/requests.storage'], '1Gi');
    assert.deepEqual(kindsCounted(['pods', 'count/deployments.apps', 'configmaps', 'requests.storage']).map((g) => `${g.group}/${g.resource}`).sort(),
      ['/configmaps', '/persistentvolumeclaims', '/pods', 'apps/deployments']);
  });

  it('scopes narrow a quota to the pods they describe', () => {
    const be = { ...podOf([{ name: 'a' }]), status: { qosClass: 'BestEffort' } };
    const burst = { ...podOf([{ name: 'a', resources: { requests: { cpu: '1' } } }]), status: { qosClass: 'Burstable' } };
    assert.equal(quotaCovers({ scopes: ['BestEffort'] }, pods, be), true);
    assert.equal(quotaCovers({ scopes: ['BestEffort'] }, pods, burst), false);
    assert.equal(quotaCovers({ scopes: ['NotTerminating'] }, pods, { ...burst, spec: { ...burst.spec, activeDeadlineSeconds: 10 } }), false);
    assert.equal(quotaCovers({ scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['high'] }] } }, pods, { ...be, spec: { ...be.spec, priorityClassName: 'high' } }), true);
    assert.equal(quotaCovers({ scopes: ['BestEffort'] }, { group: '', resource: 'services' }, be), false);
    assert.deepEqual(listOf(usageOfObjects({ scopes: ['BestEffort'] }, ['pods'], pods, [be, burst, be], new Date())), { pods: '2' });
  });
});
