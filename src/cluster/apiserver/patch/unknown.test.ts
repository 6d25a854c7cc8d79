import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deploymentSpec, patcher, podSpec, podSpecOf, twoContainerDeployment } from './testing.ts';

test('unknown fields are named with their full path as strict decoding names them', () => {
  const d = twoContainerDeployment();
  podSpecOf(d).containers[1].imagePullPolice = 'Always';
  (d.spec as Record<string, unknown>).foo = 1;
  (d as Record<string, unknown>).bogus = true;
  assert.deepEqual(patcher.unknownFields(deploymentSpec, d).sort(), ['bogus', 'spec.foo', 'spec.template.spec.containers[1].imagePullPolice']);
});

test('valid metadata, labels, annotations, quantities and int-or-string values are not unknown', () => {
  const d = twoContainerDeployment();
  d.metadata = { ...d.metadata, annotations: { 'any/key': 'v' }, ownerReferences: [], generateName: 'w-' };
  podSpecOf(d).containers[0].resources = { limits: { cpu: '500m', memory: '1Gi' } };
  assert.deepEqual(patcher.unknownFields(deploymentSpec, d), []);
  const pod = JSON.parse('{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","nmae":"x"},"spec":{"containers":[{"name":"c","image":"i"}]}}');
  assert.deepEqual(patcher.unknownFields(podSpec, pod), ['metadata.nmae']);
});
