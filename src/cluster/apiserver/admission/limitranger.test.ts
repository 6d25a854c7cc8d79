import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestRest, type TestRest } from '../rest/testing.ts';
import { R } from '../../types/gvr.ts';
import type { KObject } from '../../types/meta.ts';

describe('LimitRanger admission', () => {
  let t: TestRest;
  before(async () => {
    t = await startTestRest();
    await t.rest.create(R.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'lr' } });
    await t.rest.create(R.limitranges, 'lr', { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'limits' }, spec: { limits: [
      { type: 'Container', default: { cpu: '500m', memory: '128Mi' }, defaultRequest: { cpu: '100m' }, min: { cpu: '50m' }, max: { cpu: '1', memory: '1Gi' }, maxLimitRequestRatio: { cpu: '10' } },
      { type: 'PersistentVolumeClaim', max: { storage: '2Gi' } },
    ] } });
  });
  after(async () => { await t.cleanup(); });

  const podWith = (name: string, resources?: object): KObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'app', image: 'busybox', ...(resources ? { resources } : {}) }] } });

  it('gives containers the default requests and limits, and says so in the annotation', async () => {
    const p = await t.rest.create<KObject & { spec: any; status: any }>(R.pods, 'lr', podWith('plain', { limits: { memory: '256Mi' } }));
    assert.deepEqual(p.spec.containers[0].resources, { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '100m', memory: '256Mi' } });
    assert.equal(p.metadata?.annotations?.['kubernetes.io/limit-ranger'], 'LimitRanger plugin set: cpu request for container app; cpu limit for container app');
    assert.equal(p.status.qosClass, 'Burstable', 'the QoS class of the defaulted pod');
    const bare = await t.rest.create<KObject & { status: { qosClass: string } }>(R.pods, 'lr', podWith('bare'));
    assert.equal(bare.status.qosClass, 'Burstable');
  });

  it('refuses what is outside min, max and the ratio, in kube\'s words', async () => {
    await assert.rejects(t.rest.create(R.pods, 'lr', podWith('big', { limits: { cpu: '2', memory: '2Gi' }, requests: { cpu: '1' } })),
      { message: 'pods "big" is forbidden: [maximum cpu usage per Container is 1, but limit is 2, maximum memory usage per Container is 1Gi, but limit is 2Gi]' });
    await assert.rejects(t.rest.create(R.pods, 'lr', podWith('tiny', { requests: { cpu: '10m' } })),
      { message: 'pods "tiny" is forbidden: [minimum cpu usage per Container is 50m, but request is 10m, cpu max limit to request ratio per Container is 10, but provided ratio is 50.000000]' });
    await assert.rejects(t.rest.create(R.persistentvolumeclaims, 'lr', { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'huge' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } } } }),
      { message: 'persistentvolumeclaims "huge" is forbidden: maximum storage usage per PersistentVolumeClaim is 2Gi, but request is 5Gi' });
  });
});
