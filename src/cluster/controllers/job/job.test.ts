import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ControllerContext } from '../../client/types.ts';
import { createFakeClient, createInformerFactory } from '../../client/index.ts';
import type { KObject } from '../../types/meta.ts';
import { R } from '../../types/gvr.ts';
import { createJobController, planJob } from './index.ts';

const now = new Date('2025-03-01T12:00:00Z');
const job = (spec: Partial<NonNullable<Job['spec']>> = {}, status?: Job['status']): Job => ({
  apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'pi', namespace: 'default', uid: 'job-uid' },
  spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } }, ...spec }, status,
});
const pod = (name: string, phase: string, extra: Partial<Pod['metadata']> = {}): Pod =>
  ({ metadata: { name, namespace: 'default', creationTimestamp: '2025-03-01T11:00:00Z', ...extra }, status: { phase } });
const cond = (s: Job['status'], type: string) => s?.conditions?.find((c) => c.type === type);

test('plan: a new Job starts parallelism pods (no more than completions) and gets a startTime', () => {
  const p = planJob(job({ parallelism: 5, completions: 3 }), [], now);
  assert.equal(p.create, 3);
  assert.equal(p.status.startTime, '2025-03-01T12:00:00Z');
  assert.equal(p.status.active, 3);
  const q = planJob(job({ parallelism: 2, completions: 3 }), [pod('a', 'Succeeded'), pod('b', 'Running')], now);
  assert.equal(q.create, 1);
  assert.equal(q.status.succeeded, 1);
});

test('plan: succeeded == completions → SuccessCriteriaMet and Complete, completionTime, a Completed event', () => {
  const p = planJob(job({ completions: 2 }, { startTime: '2025-03-01T11:00:00Z' }), [pod('a', 'Succeeded'), pod('b', 'Succeeded')], now);
  assert.equal(p.create, 0);
  assert.equal(cond(p.status, 'Complete')?.status, 'True');
  assert.equal(cond(p.status, 'Complete')?.reason, 'CompletionsReached');
  assert.equal(cond(p.status, 'SuccessCriteriaMet')?.status, 'True');
  assert.equal(p.status.completionTime, '2025-03-01T12:00:00Z');
  assert.deepEqual(p.events, [{ type: 'Normal', reason: 'Completed', message: 'Job completed' }]);
  assert.equal(p.status.startTime, '2025-03-01T11:00:00Z', 'startTime kept');
});

test('plan: more failures than backoffLimit → Failed (BackoffLimitExceeded) and active pods deleted', () => {
  const p = planJob(job({ backoffLimit: 1, parallelism: 2 }), [pod('a', 'Failed'), pod('b', 'Failed'), pod('c', 'Running')], now, { podBackoffBaseMs: 0 });
  assert.equal(cond(p.status, 'Failed')?.reason, 'BackoffLimitExceeded');
  assert.equal(cond(p.status, 'Failed')?.message, 'Job has reached the specified backoff limit');
  assert.equal(cond(p.status, 'FailureTarget')?.status, 'True');
  assert.deepEqual(p.remove.map((x) => x.metadata?.name), ['c']);
  assert.equal(p.create, 0);
  assert.equal(p.status.failed, 2);
  assert.equal(p.status.completionTime, undefined);
  // within the limit: replace the failed pod
  const q = planJob(job({ backoffLimit: 6 }), [pod('a', 'Failed')], now, { podBackoffBaseMs: 0 });
  assert.equal(q.create, 1);
});

test('plan: a failed pod is replaced only after the back-off (10 s doubling per failure)', () => {
  const failedAt = (name: string, at: string): Pod => ({ ...pod(name, 'Failed'), status: { phase: 'Failed', containerStatuses: [{ name: 'c', image: 'x', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 1, finishedAt: at } } }] } });
  const one = planJob(job(), [failedAt('a', '2025-03-01T11:59:55Z')], now);
  assert.equal(one.create, 0);
  assert.equal(one.requeueAfterMs, 5_000);
  const two = planJob(job(), [failedAt('a', '2025-03-01T11:59:00Z'), failedAt('b', '2025-03-01T11:59:45Z')], now);
  assert.equal(two.requeueAfterMs, 5_000, '20 s after the last failure');
  const later = planJob(job(), [failedAt('a', '2025-03-01T11:59:00Z'), failedAt('b', '2025-03-01T11:59:35Z')], now);
  assert.equal(later.create, 1);
});

test('plan: activeDeadlineSeconds → requeue until the deadline, then Failed (DeadlineExceeded)', () => {
  const before = planJob(job({ activeDeadlineSeconds: 60 }, { startTime: '2025-03-01T11:59:30Z' }), [pod('a', 'Running')], now);
  assert.equal(before.requeueAfterMs, 30_000);
  assert.equal(cond(before.status, 'Failed'), undefined);
  const after = planJob(job({ activeDeadlineSeconds: 60 }, { startTime: '2025-03-01T11:58:00Z' }), [pod('a', 'Running')], now);
  assert.equal(cond(after.status, 'Failed')?.reason, 'DeadlineExceeded');
  assert.equal(after.remove.length, 1);
});

test('plan: suspend deletes active pods and sets Suspended; resume resets startTime', () => {
  const s = planJob(job({ suspend: true, parallelism: 2 }), [pod('a', 'Running'), pod('b', 'Pending')], now);
  assert.equal(s.remove.length, 2);
  assert.equal(cond(s.status, 'Suspended')?.status, 'True');
  assert.equal(s.status.startTime, undefined);
  const r = planJob(job({ suspend: false }, { ...s.status, startTime: '2025-01-01T00:00:00Z' }), [], now);
  assert.equal(cond(r.status, 'Suspended')?.status, 'False');
  assert.equal(cond(r.status, 'Suspended')?.reason, 'JobResumed');
  assert.equal(r.status.startTime, '2025-03-01T12:00:00Z');
  assert.equal(r.create, 1);
});

test('plan: work-queue mode (no completions) starts no pod after a success and completes when all are done', () => {
  const p = planJob(job({ parallelism: 3 }), [pod('a', 'Succeeded'), pod('b', 'Running')], now);
  assert.equal(p.create, 0);
  assert.equal(cond(p.status, 'Complete'), undefined);
  const q = planJob(job({ parallelism: 3 }), [pod('a', 'Succeeded'), pod('b', 'Succeeded')], now);
  assert.equal(cond(q.status, 'Complete')?.status, 'True');
});

test('plan: a finished Job does nothing more', () => {
  const done = planJob(job({ completions: 1 }), [pod('a', 'Succeeded')], now);
  const again = planJob(job({ completions: 1 }, done.status), [pod('a', 'Succeeded')], now);
  assert.equal(again.create, 0);
  assert.equal(again.events.length, 0);
  assert.deepEqual(again.status, done.status);
});

type Truthy<T> = NonNullable<Exclude<T, false | 0 | ''>>;
async function waitFor<T>(fn: () => T | Promise<T>, what: string, ms = 15_000): Promise<Truthy<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v as Truthy<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function harness(initial: KObject[], podBackoffBaseMs = 0) {
  const client = createFakeClient(initial);
  const events: Array<{ reason: string; message: string }> = [];
  const ctx: ControllerContext = {
    client, informers: createInformerFactory(client), now: () => new Date(),
    recorder: () => ({ event: (_o, _t, reason, message) => void events.push({ reason, message }) }),
  };
  const ac = new AbortController();
  const running = createJobController(ctx, { podBackoffBaseMs }).run(ac.signal);
  const jobPods = () => client.objects(R.pods) as Array<Pod & KObject>;
  const getJob = () => client.get(R.jobs, 'default', 'pi') as Promise<Job & KObject>;
  const finish = async (p: Pod, phase: 'Succeeded' | 'Failed') => client.patch(R.pods, 'default', p.metadata!.name!, 'merge', { status: { phase } }, { subresource: 'status' });
  return { client, events, jobPods, getJob, finish, stop: async () => { ac.abort(); client.closeWatches(); await running; } };
}

const jobObject = (spec: Record<string, unknown>): KObject => ({
  apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'pi', namespace: 'default' },
  spec: { template: { metadata: { labels: { app: 'pi' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } }, ...spec },
});

test('controller: creates pods with Kubernetes labels and owner reference, keeps them, and completes the Job', async (t) => {
  const h = harness([jobObject({ completions: 3, parallelism: 2 })]);
  t.after(h.stop);
  const first = await waitFor(() => h.jobPods().length === 2 && h.jobPods(), 'two pods');
  const j = await h.getJob();
  const p = first[0];
  assert.equal(p.metadata!.labels!['batch.kubernetes.io/controller-uid'], j.metadata!.uid);
  assert.equal(p.metadata!.labels!['batch.kubernetes.io/job-name'], 'pi');
  assert.equal(p.metadata!.labels!['job-name'], 'pi');
  assert.equal(p.metadata!.labels!.app, 'pi');
  assert.match(p.metadata!.name!, /^pi-[a-z0-9]{5}$/);
  assert.deepEqual(p.metadata!.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'Job', name: 'pi', uid: j.metadata!.uid, controller: true, blockOwnerDeletion: true }]);
  await waitFor(async () => (await h.getJob()).status?.active === 2, 'status.active 2');

  for (const x of first) await h.finish(x, 'Succeeded');
  await waitFor(() => h.jobPods().length === 3, 'the third pod');
  const third = h.jobPods().find((x) => x.status?.phase !== 'Succeeded')!;
  await h.finish(third, 'Succeeded');
  const done = await waitFor(async () => { const s = (await h.getJob()).status; return cond(s, 'Complete')?.status === 'True' && s; }, 'Complete');
  assert.equal(done.succeeded, 3);
  assert.equal(done.active, 0);
  assert.ok(done.completionTime);
  assert.ok(done.startTime);
  assert.equal(h.jobPods().length, 3, 'finished pods are kept');
  assert.equal(h.events.filter((e) => e.reason === 'SuccessfulCreate').length, 3);
  assert.ok(h.events.some((e) => e.reason === 'Completed'));
});

test('controller: failures past backoffLimit fail the Job with BackoffLimitExceeded', async (t) => {
  const h = harness([jobObject({ backoffLimit: 1 })]);
  t.after(h.stop);
  for (let i = 1; i <= 2; i++) {
    const p = await waitFor(() => h.jobPods().find((x) => x.status?.phase !== 'Failed'), `pod ${i}`);
    await h.finish(p, 'Failed');
  }
  const s = await waitFor(async () => { const st = (await h.getJob()).status; return cond(st, 'Failed')?.status === 'True' && st; }, 'Failed');
  assert.equal(cond(s, 'Failed')?.reason, 'BackoffLimitExceeded');
  assert.equal(s.failed, 2);
  assert.equal(h.jobPods().length, 2, 'no third pod');
  assert.ok(h.events.some((e) => e.reason === 'BackoffLimitExceeded'));
});

test('controller: suspending a running Job deletes its pods', async (t) => {
  const h = harness([jobObject({ parallelism: 2, completions: 4 })]);
  t.after(h.stop);
  await waitFor(() => h.jobPods().length === 2, 'two pods');
  await h.client.patch(R.jobs, 'default', 'pi', 'merge', { spec: { suspend: true } });
  await waitFor(() => h.jobPods().length === 0, 'pods deleted');
  await waitFor(async () => cond((await h.getJob()).status, 'Suspended')?.status === 'True', 'Suspended');
});

test('a Job whose pods run on simulated nodes completes', async (t) => {
  const { runSimNodes } = await import('../../sim/index.ts');
  const h = harness([jobObject({ completions: 3, parallelism: 3, template: {
    metadata: { annotations: { 'sim.skiff.dev/finish-after-seconds': '0' } },
    spec: { nodeName: 'jsim-0', restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] },
  } })]);
  const ac = new AbortController();
  const sim = runSimNodes({ client: h.client, count: 1, prefix: 'jsim', cpu: '4', memory: '4Gi', signal: ac.signal });
  t.after(async () => { ac.abort(); await sim; await h.stop(); });
  const s = await waitFor(async () => { const st = (await h.getJob()).status; return cond(st, 'Complete')?.status === 'True' && st; }, 'Complete');
  assert.equal(s.succeeded, 3);
});
