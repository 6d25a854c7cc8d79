import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isStatusError } from '../../types/status-error.ts';
import { deploymentSpec, patcher, twoContainerDeployment } from './testing.ts';

test('json patch applies add, replace, remove and a passing test, leaving the input untouched', () => {
  const cur = twoContainerDeployment();
  const out = patcher.patch(deploymentSpec, cur, 'json', JSON.stringify([
    { op: 'test', path: '/spec/replicas', value: 2 },
    { op: 'replace', path: '/spec/replicas', value: 5 },
    { op: 'add', path: '/metadata/labels/tier', value: 'front' },
    { op: 'remove', path: '/spec/template/spec/containers/1' },
  ]));
  assert.equal((out.spec as { replicas: number }).replicas, 5);
  assert.equal(out.metadata?.labels?.tier, 'front');
  assert.equal((out.spec as { template: { spec: { containers: unknown[] } } }).template.spec.containers.length, 1);
  assert.equal((cur.spec as { replicas: number }).replicas, 2);
});

test('a failed json patch test is 422 with the library wording as the cause', () => {
  assert.throws(() => patcher.patch(deploymentSpec, twoContainerDeployment(), 'json', '[{"op":"test","path":"/spec/replicas","value":7}]'), (err) => {
    assert.ok(isStatusError(err, 'Invalid'));
    assert.equal(err.code, 422);
    assert.equal(err.message, 'the server rejected our request due to an error in our request');
    assert.equal(err.status.details?.causes?.[0].message, 'testing value /spec/replicas failed: test failed');
    return true;
  });
});

test('removing a missing path in a json patch is 422, malformed json is 400', () => {
  assert.throws(() => patcher.patch(deploymentSpec, twoContainerDeployment(), 'json', '[{"op":"remove","path":"/spec/nope"}]'), (err) => isStatusError(err) && err.code === 422);
  assert.throws(() => patcher.patch(deploymentSpec, twoContainerDeployment(), 'json', '[{"op":'), (err) => isStatusError(err, 'BadRequest'));
  assert.throws(() => patcher.patch(deploymentSpec, twoContainerDeployment(), 'json', '{"op":"add"}'), (err) => isStatusError(err, 'BadRequest'));
});

test('merge patch merges objects, deletes on null and replaces lists whole', () => {
  const out = patcher.patch(deploymentSpec, twoContainerDeployment(), 'merge', JSON.stringify({
    metadata: { labels: { app: null, tier: 'x' } },
    spec: { replicas: 3, template: { spec: { containers: [{ name: 'only', image: 'x' }] } } },
  }));
  assert.deepEqual(out.metadata?.labels, { tier: 'x' });
  assert.equal((out.spec as { replicas: number }).replicas, 3);
  assert.deepEqual((out.spec as { template: { spec: { containers: unknown[] } } }).template.spec.containers, [{ name: 'only', image: 'x' }]);
  assert.throws(() => patcher.patch(deploymentSpec, twoContainerDeployment(), 'merge', '[1]'), (err) => isStatusError(err, 'BadRequest'));
});
