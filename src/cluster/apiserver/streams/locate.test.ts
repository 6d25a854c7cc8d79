import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerOf, DEFAULT_CONTAINER_ANNOTATION } from './locate.ts';

const pod = (containers: string[], o: { init?: string[]; annotation?: string } = {}) => ({
  metadata: { name: 'p', ...(o.annotation ? { annotations: { [DEFAULT_CONTAINER_ANNOTATION]: o.annotation } } : {}) },
  spec: { containers: containers.map((name) => ({ name })), initContainers: (o.init ?? []).map((name) => ({ name })) },
});

test('the container of a stream request, as kube-apiserver picks and words it', () => {
  assert.equal(containerOf(pod(['a']), null), 'a');
  assert.equal(containerOf(pod(['a', 'b']), 'b'), 'b');
  assert.equal(containerOf(pod(['a'], { init: ['setup'] }), 'setup'), 'setup', 'an init container is the pod\'s too');
  assert.equal(containerOf(pod(['a', 'b'], { annotation: 'b' }), null), 'b');
  assert.throws(() => containerOf(pod(['a']), 'x'), (e: Error & { code?: number }) => e.message === 'container x is not valid for pod p' && e.code === 400);
  assert.throws(() => containerOf(pod(['a', 'b'], { init: ['i'] }), null), /^Error: a container name must be specified for pod p, choose one of: \[i a b\]$|a container name must be specified for pod p, choose one of: \[i a b\]/);
  assert.throws(() => containerOf(pod(['a', 'b'], { annotation: 'gone' }), null), /choose one of/);
});
