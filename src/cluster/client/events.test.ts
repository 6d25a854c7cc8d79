import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFakeClient } from './fake.ts';
import { createEventRecorder } from './events.ts';
import { R } from '../types/gvr.ts';
import type { KObject } from '../types/meta.ts';

const deploy: KObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'prod', uid: 'u-1', resourceVersion: '42' } };
type Ev = KObject & { count: number; reason: string; message: string; type: string; firstTimestamp: string; lastTimestamp: string; involvedObject: Record<string, unknown>; source: { component: string }; reportingComponent: string };

test('an event is a core/v1 Event in the object namespace naming the object', async () => {
  const c = createFakeClient();
  const rec = createEventRecorder(c, 'deployment-controller', () => new Date('2025-05-01T10:00:00.123Z'));
  rec.event(deploy, 'Normal', 'ScalingReplicaSet', 'Scaled up replica set web-abc to 3');
  await rec.flush();
  const [ev] = c.objects(R.events) as Ev[];
  assert.equal(ev.metadata!.namespace, 'prod');
  assert.match(ev.metadata!.name!, /^web\.[0-9a-f]+$/);
  assert.deepEqual(ev.involvedObject, { kind: 'Deployment', apiVersion: 'apps/v1', name: 'web', namespace: 'prod', uid: 'u-1', resourceVersion: '42' });
  assert.equal(ev.reason, 'ScalingReplicaSet');
  assert.equal(ev.message, 'Scaled up replica set web-abc to 3');
  assert.equal(ev.type, 'Normal');
  assert.equal(ev.source.component, 'deployment-controller');
  assert.equal(ev.reportingComponent, 'deployment-controller');
  assert.equal(ev.count, 1);
  assert.equal(ev.firstTimestamp, '2025-05-01T10:00:00Z');
});

test('events about cluster-scoped objects go to default', async () => {
  const c = createFakeClient();
  const rec = createEventRecorder(c, 'node-controller', () => new Date());
  rec.event({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', uid: 'n' } }, 'Normal', 'RegisteredNode', 'Node n1 event: Registered Node n1 in Controller');
  await rec.flush();
  assert.equal(c.objects(R.events)[0].metadata!.namespace, 'default');
});

test('the same object+reason+message within 10 minutes bumps count and lastTimestamp; later makes a new Event', async () => {
  const c = createFakeClient();
  let t = new Date('2025-05-01T10:00:00Z');
  const rec = createEventRecorder(c, 'scheduler', () => t);
  rec.event(deploy, 'Warning', 'FailedScheduling', '0/3 nodes are available');
  await rec.flush();
  t = new Date('2025-05-01T10:05:00Z');
  rec.event(deploy, 'Warning', 'FailedScheduling', '0/3 nodes are available');
  rec.event(deploy, 'Warning', 'FailedScheduling', '0/3 nodes are available');
  await rec.flush();
  let evs = c.objects(R.events) as Ev[];
  assert.equal(evs.length, 1);
  assert.equal(evs[0].count, 3);
  assert.equal(evs[0].firstTimestamp, '2025-05-01T10:00:00Z');
  assert.equal(evs[0].lastTimestamp, '2025-05-01T10:05:00Z');
  rec.event(deploy, 'Warning', 'FailedScheduling', 'another message');
  t = new Date('2025-05-01T10:20:00Z');
  rec.event(deploy, 'Warning', 'FailedScheduling', '0/3 nodes are available');
  await rec.flush();
  evs = c.objects(R.events) as Ev[];
  assert.equal(evs.length, 3);
});

test('a burst of 3,000 events does not block the caller and coalesces writes', async () => {
  const c = createFakeClient();
  const rec = createEventRecorder(c, 'replicaset-controller', () => new Date());
  const t0 = performance.now();
  for (let i = 0; i < 3000; i++) rec.event(deploy, 'Normal', 'SuccessfulCreate', 'Created pod: web-x');
  assert.ok(performance.now() - t0 < 1000, 'recording is cheap');
  await rec.flush();
  const evs = c.objects(R.events) as Ev[];
  assert.equal(evs.length, 1);
  assert.equal(evs[0].count, 3000);
  assert.ok(c.actions.length < 50, `few writes (${c.actions.length})`);
});

test('write failures are logged, never thrown', async () => {
  const c = createFakeClient();
  c.create = async () => { throw new Error('server down'); };
  const rec = createEventRecorder(c, 'x', () => new Date());
  assert.doesNotThrow(() => rec.event(deploy, 'Normal', 'R', 'm'));
  await rec.flush();
});
