import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isStatusError } from '../../types/status-error.ts';
import { deploymentSpec, patcher, podSpecOf, twoContainerDeployment } from './testing.ts';

const smp = (body: unknown) => patcher.patch(deploymentSpec, twoContainerDeployment(), 'strategic', JSON.stringify(body));

test('kubectl apply image change of one of two containers merges by name and keeps the rest', () => {
  // the exact patch kubectl 1.32 sends (minus the last-applied annotation)
  const out = smp({ spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'web' }, { name: 'side' }], containers: [{ image: 'nginx:2', name: 'web' }] } } } });
  const cs = podSpecOf(out).containers;
  assert.deepEqual(cs.map((c) => [c.name, c.image]), [['web', 'nginx:2'], ['side', 'busybox:1']]);
  assert.equal(cs[0].imagePullPolicy, 'IfNotPresent');
  assert.equal((cs[0].env as unknown[]).length, 2);
});

test('kubectl apply removing a container sends $patch: delete by merge key', () => {
  const out = smp({ spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'web' }], containers: [{ $patch: 'delete', name: 'side' }] } } } });
  assert.deepEqual(podSpecOf(out).containers.map((c) => c.name), ['web']);
});

test('$retainKeys with a null clears the old strategy fields (RollingUpdate → Recreate)', () => {
  const out = smp({ spec: { strategy: { $retainKeys: ['type'], rollingUpdate: null, type: 'Recreate' } } });
  assert.deepEqual((out.spec as { strategy: unknown }).strategy, { type: 'Recreate' });
});

test('$setElementOrder reorders and new items are appended in order', () => {
  const out = smp({ spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'side' }, { name: 'new' }, { name: 'web' }], containers: [{ name: 'new', image: 'x' }] } } } });
  assert.deepEqual(podSpecOf(out).containers.map((c) => c.name), ['side', 'new', 'web']);
});

test('nested merge keys: env by name, ports by containerPort, null deletes a field inside an item', () => {
  const out = smp({ spec: { template: { spec: { containers: [{ name: 'web', imagePullPolicy: null, env: [{ name: 'B', value: '3' }, { name: 'C', value: '4' }], ports: [{ containerPort: 443 }] }] } } } });
  const web = podSpecOf(out).containers[0];
  assert.deepEqual(web.env, [{ name: 'A', value: '1' }, { name: 'B', value: '3' }, { name: 'C', value: '4' }]);
  assert.deepEqual(web.ports, [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 443 }]);
  assert.equal('imagePullPolicy' in web, false);
});

test('$patch: replace on a list item replaces the whole list; on a map replaces the map', () => {
  const out = smp({ spec: { template: { spec: { containers: [{ $patch: 'replace' }, { name: 'solo', image: 'x' }] } } } });
  assert.deepEqual(podSpecOf(out).containers, [{ name: 'solo', image: 'x' }]);
  const out2 = smp({ metadata: { labels: { $patch: 'replace', fresh: 'yes' } } });
  assert.deepEqual(out2.metadata?.labels, { fresh: 'yes' });
});

test('primitive lists with merge strategy: union, and $deleteFromPrimitiveList removes values', () => {
  const out = smp({ metadata: { finalizers: ['b', 'a'] } });
  assert.deepEqual(out.metadata?.finalizers, ['a', 'b']);
  const out2 = smp({ metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } });
  assert.deepEqual(out2.metadata?.finalizers, []);
});

test('lists without a merge strategy (args) and atomic selectors are replaced; unknown fields merge like JSON', () => {
  const cur = twoContainerDeployment();
  podSpecOf(cur).containers[0].args = ['a', 'b'];
  const out = patcher.patch(deploymentSpec, cur, 'strategic', JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'web', args: ['c'] }] } } }, extra: { x: 1 } }));
  assert.deepEqual(podSpecOf(out).containers[0].args, ['c']);
  assert.deepEqual(out.extra, { x: 1 });
});

test('an item without its merge key and an unknown $patch are bad requests', () => {
  assert.throws(() => smp({ spec: { template: { spec: { containers: [{ image: 'x' }] } } } }), (err) => isStatusError(err, 'BadRequest') && /merge key: name/.test(err.message));
  assert.throws(() => smp({ spec: { $patch: 'explode' } }), (err) => isStatusError(err, 'BadRequest'));
});
