import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { rankPodsForDeletion, podFromTemplate } from './pods.ts';

const now = new Date('2026-01-01T12:00:00Z');
const ago = (s: number) => new Date(now.getTime() - s * 1000).toISOString();
const pod = (name: string, o: { node?: string; phase?: string; ready?: boolean; readyAgo?: number; createdAgo?: number; restarts?: number; cost?: string }): Pod => ({
  metadata: { name, uid: name, creationTimestamp: ago(o.createdAgo ?? 1000), ...(o.cost ? { annotations: { 'controller.kubernetes.io/pod-deletion-cost': o.cost } } : {}) },
  spec: { containers: [], ...(o.node ? { nodeName: o.node } : {}) },
  status: {
    phase: o.phase ?? 'Running',
    conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True', lastTransitionTime: ago(o.readyAgo ?? 900) }],
    containerStatuses: [{ name: 'c', image: 'i', imageID: '', ready: true, restartCount: o.restarts ?? 0 }],
  },
});
const names = (ps: Pod[]) => ps.map((p) => p.metadata?.name);

test('pods to delete first: unscheduled, then pending, then not ready, then ready', () => {
  const ps = [
    pod('ready', { node: 'n1' }),
    pod('notready', { node: 'n2', ready: false }),
    pod('pending', { node: 'n3', phase: 'Pending', ready: false }),
    pod('unscheduled', { phase: 'Pending', ready: false }),
  ];
  assert.deepEqual(names(rankPodsForDeletion(ps, [], now)), ['unscheduled', 'pending', 'notready', 'ready']);
});

test('among ready pods: lower deletion cost, a crowded node, shorter readiness, more restarts, newer go first', () => {
  assert.deepEqual(names(rankPodsForDeletion([pod('cheap', { node: 'a', cost: '-5' }), pod('dear', { node: 'b', cost: '10' })].reverse(), [], now)), ['cheap', 'dear']);
  const crowd = [pod('x1', { node: 'busy' }), pod('x2', { node: 'busy' }), pod('alone', { node: 'quiet' })];
  assert.equal(names(rankPodsForDeletion([crowd[2], crowd[0]], crowd, now))[0], 'x1');
  assert.deepEqual(names(rankPodsForDeletion([pod('old', { node: 'a', readyAgo: 100_000 }), pod('fresh', { node: 'b', readyAgo: 5 })], [], now)), ['fresh', 'old']);
  assert.deepEqual(names(rankPodsForDeletion([pod('calm', { node: 'a' }), pod('crashy', { node: 'b', restarts: 7 })], [], now)), ['crashy', 'calm']);
  assert.deepEqual(names(rankPodsForDeletion([pod('elder', { node: 'a', createdAgo: 100_000 }), pod('young', { node: 'b', createdAgo: 10 })], [], now)), ['young', 'elder']);
});

test('a pod from a template has the owner as generateName prefix, template labels and a controller reference', () => {
  const ref = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'u', controller: true, blockOwnerDeletion: true };
  const p = podFromTemplate({ metadata: { labels: { app: 'web' }, annotations: { a: 'b' } }, spec: { containers: [{ name: 'c' }] } }, 'web', 'default', ref);
  assert.equal(p.metadata?.generateName, 'web-');
  assert.deepEqual(p.metadata?.labels, { app: 'web' });
  assert.deepEqual(p.metadata?.annotations, { a: 'b' });
  assert.deepEqual(p.metadata?.ownerReferences, [ref]);
  assert.throws(() => podFromTemplate({ spec: { containers: [] } }, 'web', 'default', ref), /no labels/);
});
