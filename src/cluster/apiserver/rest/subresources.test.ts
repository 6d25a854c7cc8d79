import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { R } from '../../types/gvr.ts';
import type { KObject } from '../../types/meta.ts';
import { isStatusError } from '../../types/status-error.ts';
import { startTestRest, pod, type TestRest } from './testing.ts';

let t: TestRest;
before(async () => { t = await startTestRest(); });
after(async () => { await t.cleanup(); });

test('pods/binding sets nodeName and PodScheduled=True; a second binding is 409', async () => {
  await t.rest.create(R.pods, 'default', pod('b1'));
  const out = await t.rest.create(R.pods, 'default', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'b1' }, target: { kind: 'Node', name: 'n1' } }, { subresource: 'binding', name: 'b1' });
  assert.equal((out as { status?: string }).status, 'Success');
  const p = await t.rest.get(R.pods, 'default', 'b1');
  assert.equal((p.spec as { nodeName: string }).nodeName, 'n1');
  const cond = (p.status as { conditions: { type: string; status: string }[] }).conditions.find((c) => c.type === 'PodScheduled');
  assert.equal(cond?.status, 'True');
  await assert.rejects(t.rest.create(R.pods, 'default', { kind: 'Binding', metadata: { name: 'b1' }, target: { name: 'n2' } }, { subresource: 'binding', name: 'b1' }),
    (e) => isStatusError(e, 'Conflict') && e.message === 'Operation cannot be fulfilled on pods "b1": pod b1 is already assigned to node "n1"');
});

test('pods/eviction deletes the pod', async () => {
  await t.rest.create(R.pods, 'default', pod('ev'));
  await t.rest.create(R.pods, 'default', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'ev' } }, { subresource: 'eviction', name: 'ev' });
  await assert.rejects(t.rest.get(R.pods, 'default', 'ev'), (e) => isStatusError(e, 'NotFound'));
});

const deployment = (name: string): KObject => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name },
  spec: { replicas: 2, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } } },
});

test('scale: get gives an autoscaling/v1 Scale; update and patch change spec.replicas; -1 is 422', async () => {
  await t.rest.create(R.deployments, 'default', deployment('sc'));
  const scale = await t.rest.get(R.deployments, 'default', 'sc', { subresource: 'scale' });
  assert.equal(scale.apiVersion, 'autoscaling/v1');
  assert.equal(scale.kind, 'Scale');
  assert.deepEqual(scale.spec, { replicas: 2 });
  assert.equal((scale.status as { selector: string }).selector, 'app=sc');
  const up = await t.rest.update(R.deployments, 'default', { ...scale, spec: { replicas: 5 } }, { subresource: 'scale' });
  assert.deepEqual(up.spec, { replicas: 5 });
  const d = await t.rest.get(R.deployments, 'default', 'sc');
  assert.equal((d.spec as { replicas: number }).replicas, 5);
  assert.equal(d.metadata?.generation, 2);
  const patched = await t.rest.patch(R.deployments, 'default', 'sc', 'merge', { spec: { replicas: 1 } }, { subresource: 'scale' });
  assert.deepEqual(patched.spec, { replicas: 1 });
  await assert.rejects(t.rest.update(R.deployments, 'default', { ...scale, metadata: { name: 'sc' }, spec: { replicas: -1 } }, { subresource: 'scale' }),
    (e) => isStatusError(e, 'Invalid') && e.message === 'Scale.autoscaling "sc" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0');
  await assert.rejects(t.rest.update(R.deployments, 'default', { ...scale, spec: { replicas: 3 } }, { subresource: 'scale' }), (e) => isStatusError(e, 'Conflict'), 'a stale Scale resourceVersion');
});

test('a subresource the kind lacks is 404', async () => {
  await assert.rejects(t.rest.get(R.configmaps, 'default', 'x', { subresource: 'scale' }), (e) => isStatusError(e, 'NotFound'));
});
