import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, ReplicaSet } from './replicasets.ts';
import {
  computeHash, equalIgnoreHash, fenceposts, findActiveOrLatest, maxUnavailable, newRSNewReplicas, proportionOf, revisionAnnotation,
  revisionHistoryAnnotation, setNewReplicaSetAnnotations,
} from './replicasets.ts';

const tpl = (image: string) => ({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image }] } });
const deploy = (replicas: number, surge: number | string = '25%', unavailable: number | string = '25%', annotations: Record<string, string> = {}): Deployment => ({
  metadata: { name: 'web', namespace: 'default', annotations },
  spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: tpl('v1'), strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: surge, maxUnavailable: unavailable } } },
});
const rs = (name: string, replicas: number, annotations: Record<string, string> = {}, created = '2026-01-01T00:00:00Z'): ReplicaSet =>
  ({ metadata: { name, annotations, creationTimestamp: created }, spec: { replicas, selector: {}, template: tpl(name) } });

test('the pod-template hash is stable, in the safe alphabet, and changes with the template and the collision count', () => {
  const h = computeHash(tpl('v1'));
  assert.match(h, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  assert.equal(computeHash(structuredClone(tpl('v1'))), h);
  // key order and empty fields do not matter; content does
  assert.equal(computeHash({ spec: { containers: [{ image: 'v1', name: 'c' }] }, metadata: { labels: { app: 'web' }, annotations: {} } }), h);
  assert.notEqual(computeHash(tpl('v2')), h);
  assert.notEqual(computeHash(tpl('v1'), 1), h);
  assert.ok(equalIgnoreHash({ ...tpl('v1'), metadata: { labels: { app: 'web', 'pod-template-hash': h } } }, tpl('v1')));
});

test('maxSurge rounds up and maxUnavailable down; both zero means maxUnavailable 1', () => {
  assert.deepEqual(fenceposts(deploy(10)), { maxSurge: 3, maxUnavailable: 2 });
  assert.deepEqual(fenceposts(deploy(3)), { maxSurge: 1, maxUnavailable: 0 });
  assert.deepEqual(fenceposts(deploy(3, 0, '10%')), { maxSurge: 0, maxUnavailable: 1 });
  assert.equal(maxUnavailable(deploy(2, 0, 5)), 2, 'never more than replicas');
});

test('the new ReplicaSet grows only within replicas + maxSurge and never past replicas', () => {
  const d = deploy(10, 3, 2);
  const old = rs('old', 10);
  const fresh = rs('new', 0);
  assert.equal(newRSNewReplicas(d, [old, fresh], fresh), 3);
  assert.equal(newRSNewReplicas(d, [rs('old', 8), rs('new', 5)], rs('new', 5)), 5);
  assert.equal(newRSNewReplicas(d, [rs('old', 0), rs('new', 9)], rs('new', 9)), 10);
});

test('a resize mid-rollout is shared in proportion to each ReplicaSet (GetProportion)', () => {
  const d = deploy(20, 3, 2);
  const old = rs('old', 8, { 'deployment.kubernetes.io/max-replicas': '13' });
  const fresh = rs('new', 5, { 'deployment.kubernetes.io/max-replicas': '13' });
  const a = proportionOf(old, d, 7, 0);
  assert.equal(a, 6);
  assert.equal(proportionOf(fresh, d, 7, a), 1);
});

test('an old ReplicaSet brought back gets the next revision and remembers its former ones', () => {
  const d = deploy(3, 1, 0, { 'kubernetes.io/change-cause': 'undo', 'kubectl.kubernetes.io/last-applied-configuration': '{}' });
  const back = rs('web-a', 0, { [revisionAnnotation]: '1' });
  assert.equal(setNewReplicaSetAnnotations(d, back, '3', true), true);
  assert.equal(back.metadata?.annotations?.[revisionAnnotation], '3');
  assert.equal(back.metadata?.annotations?.[revisionHistoryAnnotation], '1');
  assert.equal(back.metadata?.annotations?.['kubernetes.io/change-cause'], 'undo');
  assert.equal(back.metadata?.annotations?.['kubectl.kubernetes.io/last-applied-configuration'], undefined);
  setNewReplicaSetAnnotations(d, back, '5', true);
  assert.equal(back.metadata?.annotations?.[revisionHistoryAnnotation], '1,3');
  assert.equal(setNewReplicaSetAnnotations(d, back, '4', true), false, 'never lowered');
});

test('findActiveOrLatest: the only RS with replicas, the newest when none has any, none when several have', () => {
  const a = rs('a', 0, {}, '2026-01-01T00:00:00Z');
  const b = rs('b', 0, {}, '2026-01-02T00:00:00Z');
  assert.equal(findActiveOrLatest(undefined, [a, b])?.metadata?.name, 'b');
  assert.equal(findActiveOrLatest(rs('n', 0), [a, b])?.metadata?.name, 'n');
  assert.equal(findActiveOrLatest(rs('n', 0), [rs('a', 2), b])?.metadata?.name, 'a');
  assert.equal(findActiveOrLatest(rs('n', 1), [rs('a', 2), b]), undefined);
});
