import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { podRequests, podQOSClass, isPodAvailable, isPodActive, controllerOf } from './pod.ts';

const pod = (spec: Partial<NonNullable<Pod['spec']>>): Pod => ({ spec: { containers: [], ...spec } });

test('podRequests: max of containers sum and init containers, plus overhead', () => {
  const p = pod({
    containers: [{ name: 'a', resources: { requests: { cpu: '100m', memory: '64Mi' } } }, { name: 'b', resources: { limits: { cpu: '200m' } } }],
    initContainers: [{ name: 'i', resources: { requests: { cpu: '1', memory: '10Mi' } } }],
    overhead: { cpu: '10m' },
  });
  assert.deepEqual(podRequests(p), { cpuMillis: 1010, memoryBytes: 64 * 2 ** 20, pods: 1 });
});

test('podRequests: sidecar init containers add to the running sum', () => {
  const p = pod({
    containers: [{ name: 'a', resources: { requests: { cpu: '100m' } } }],
    initContainers: [{ name: 's', restartPolicy: 'Always', resources: { requests: { cpu: '50m' } } }],
  });
  assert.equal(podRequests(p).cpuMillis, 150);
});

test('podQOSClass follows Kubernetes', () => {
  assert.equal(podQOSClass(pod({ containers: [{ name: 'a' }] })), 'BestEffort');
  assert.equal(podQOSClass(pod({ containers: [{ name: 'a', resources: { limits: { cpu: '1', memory: '1Gi' } } }] })), 'Guaranteed');
  assert.equal(podQOSClass(pod({ containers: [{ name: 'a', resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } }] })), 'Burstable');
  assert.equal(podQOSClass(pod({ containers: [{ name: 'a', resources: { requests: { cpu: '1' } } }] })), 'Burstable');
});

test('isPodAvailable needs Ready for longer than minReadySeconds', () => {
  const p: Pod = { status: { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2024-01-01T00:00:00Z' }] } };
  assert.equal(isPodAvailable(p, 0, new Date('2024-01-01T00:00:00Z')), true);
  assert.equal(isPodAvailable(p, 10, new Date('2024-01-01T00:00:10Z')), false);
  assert.equal(isPodAvailable(p, 10, new Date('2024-01-01T00:00:11Z')), true);
});

test('isPodActive and controllerOf', () => {
  assert.equal(isPodActive({ status: { phase: 'Failed' } }), false);
  assert.equal(isPodActive({ metadata: { deletionTimestamp: '2024-01-01T00:00:00Z' } }), false);
  assert.equal(isPodActive({ status: { phase: 'Running' } }), true);
  const o = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'r', uid: 'u', controller: true };
  assert.deepEqual(controllerOf({ metadata: { ownerReferences: [{ ...o, controller: false, name: 'x' }, o] } }), o);
});
