import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestRest, pod, type TestRest } from '../rest/testing.ts';
import { R } from '../../types/gvr.ts';
import { isStatusError } from '../../types/status-error.ts';
import type { KObject } from '../../types/meta.ts';

describe('ResourceQuota admission', () => {
  let t: TestRest;
  before(async () => { t = await startTestRest(); });
  after(async () => { await t.cleanup(); });

  /** a quota whose status the controller would have filled */
  async function quota(name: string, hard: Record<string, string>) {
    const q = await t.rest.create(R.resourcequotas, 'default', { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name }, spec: { hard } });
    const used = Object.fromEntries(Object.keys(hard).map((k) => [k, '0']));
    await t.rest.update(R.resourcequotas, 'default', { ...q, status: { hard, used } }, { subresource: 'status' });
  }

  it('charges creates to status.used and refuses the one over the limit, even when they race', async () => {
    await quota('cap', { pods: '2' });
    const results = await Promise.allSettled([1, 2, 3, 4, 5].map((i) => t.rest.create(R.pods, 'default', pod(`p${i}`))));
    const refused = results.filter((r) => r.status === 'rejected');
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 2);
    for (const r of refused) {
      const err = (r as PromiseRejectedResult).reason;
      assert.ok(isStatusError(err, 'Forbidden'), String(err));
      assert.match(err.message, /^pods "p\d" is forbidden: exceeded quota: cap, requested: pods=1, used: pods=2, limited: pods=2$/);
    }
    const q = await t.rest.get<KObject & { status: { used: Record<string, string> } }>(R.resourcequotas, 'default', 'cap');
    assert.equal(q.status.used.pods, '2');
    // a dry run is checked but not charged
    await assert.rejects(t.rest.create(R.pods, 'default', pod('dry'), { dryRun: true }), /exceeded quota: cap/);
    await t.rest.delete(R.resourcequotas, 'default', 'cap');
  });

  it('a quota without status yet, or on another resource, does not hold a create back', async () => {
    await t.rest.create(R.resourcequotas, 'default', { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'fresh' }, spec: { hard: { pods: '0' } } });
    await quota('cms', { 'count/configmaps': '1' });
    await t.rest.create(R.pods, 'default', pod('free'));
    await t.rest.create(R.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c1' } });
    await assert.rejects(t.rest.create(R.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c2' } }),
      /configmaps "c2" is forbidden: exceeded quota: cms, requested: count\/configmaps=1, used: count\/configmaps=1, limited: count\/configmaps=1/);
  });
});

describe('ResourceQuota admission of updates', () => {
  let t: TestRest;
  before(async () => { t = await startTestRest(); });
  after(async () => { await t.cleanup(); });

  it('a claim growing its storage request is charged the growth', async () => {
    const q = await t.rest.create(R.resourcequotas, 'default', { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'storage' }, spec: { hard: { 'requests.storage': '3Gi' } } });
    await t.rest.update(R.resourcequotas, 'default', { ...q, status: { hard: { 'requests.storage': '3Gi' }, used: { 'requests.storage': '0' } } }, { subresource: 'status' });
    const claim = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } } } };
    const made = await t.rest.create(R.persistentvolumeclaims, 'default', claim);
    await t.rest.update(R.persistentvolumeclaims, 'default', { ...made, status: { phase: 'Bound' } }, { subresource: 'status' }); // only a bound claim may grow
    await t.rest.patch(R.persistentvolumeclaims, 'default', 'data', 'merge', { metadata: { labels: { a: 'b' } } }); // no growth: no charge
    await assert.rejects(t.rest.patch(R.persistentvolumeclaims, 'default', 'data', 'merge', { spec: { resources: { requests: { storage: '4Gi' } } } }),
      { message: 'persistentvolumeclaims "data" is forbidden: exceeded quota: storage, requested: requests.storage=2Gi, used: requests.storage=2Gi, limited: requests.storage=3Gi' });
    await t.rest.patch(R.persistentvolumeclaims, 'default', 'data', 'merge', { spec: { resources: { requests: { storage: '3Gi' } } } });
    const used = (await t.rest.get<KObject & { status: { used: Record<string, string> } }>(R.resourcequotas, 'default', 'storage')).status.used;
    assert.equal(used['requests.storage'], '3Gi');
  });
});
