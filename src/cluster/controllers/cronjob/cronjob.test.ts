import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import type { ControllerContext } from '../../client/types.ts';
import { createFakeClient, createInformerFactory } from '../../client/index.ts';
import type { KObject } from '../../types/meta.ts';
import { R } from '../../types/gvr.ts';
import { createCronJobController, mostRecentScheduleTime, nextScheduleDelayMs, scheduleOf } from './index.ts';
import { createTtlAfterFinishedController, ttlRemainingMs } from '../ttlafterfinished/index.ts';

const at = (s: string) => Date.parse(s);
const cronJob = (spec: Partial<NonNullable<CronJob['spec']>> = {}, status?: CronJob['status'], created = '2026-12-05T07:30:30Z'): CronJob => ({
  apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'tick', namespace: 'default', uid: 'cj-uid', creationTimestamp: created },
  spec: {
    schedule: '* * * * *', concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 1,
    jobTemplate: { metadata: { labels: { app: 'tick' } }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } },
    ...spec,
  },
  status,
});

test('most recent schedule time: none before the first tick, the latest of several missed, deadline applied', () => {
  const cj = cronJob();
  const s = scheduleOf(cj);
  assert.equal(mostRecentScheduleTime(cj, at('2026-12-05T07:30:50Z'), s, true).mostRecent, undefined);
  assert.equal(mostRecentScheduleTime(cj, at('2026-12-05T07:31:05Z'), s, true).mostRecent, at('2026-12-05T07:31:00Z'));
  const late = mostRecentScheduleTime(cj, at('2026-12-05T07:45:10Z'), s, true);
  assert.equal(late.mostRecent, at('2026-12-05T07:45:00Z'));
  assert.equal(late.missed, 'few');
  assert.equal(mostRecentScheduleTime(cronJob({}, {}, '2026-12-01T00:00:00Z'), at('2026-12-05T07:45:10Z'), s, true).missed, 'many');
  // startingDeadlineSeconds 5: a tick 10 s ago is out of reach
  assert.equal(mostRecentScheduleTime(cronJob({ startingDeadlineSeconds: 5 }), at('2026-12-05T07:31:10Z'), s, true).mostRecent, undefined);
  // the next sync is due 100 ms after the next tick
  assert.equal(nextScheduleDelayMs(cj, at('2026-12-05T07:30:50Z'), s), 10_100);
  const never = cronJob({ schedule: '59 23 31 2 *' });
  assert.equal(mostRecentScheduleTime(never, at('2026-12-05T07:31:05Z'), scheduleOf(never), true).error, 'time difference between two schedules is less than 1 second');
  // in the CronJob's time zone
  const ny = cronJob({ schedule: '0 9 * * *', timeZone: 'America/New_York' }, {}, '2026-12-05T13:00:00Z');
  assert.equal(mostRecentScheduleTime(ny, at('2026-12-05T14:00:30Z'), scheduleOf(ny), true).mostRecent, at('2026-12-05T14:00:00Z'));
});

type Truthy<T> = NonNullable<Exclude<T, false | 0 | ''>>;
async function waitFor<T>(fn: () => T | Promise<T>, what: string, ms = 10_000): Promise<Truthy<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v as Truthy<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** the controller on a fake client with a clock the test moves; poke() makes it sync the CronJob now */
function harness(initial: KObject[], start = '2026-12-05T07:30:30Z') {
  let clock = at(start);
  const client = createFakeClient(initial, { now: () => new Date(clock) });
  const events: Array<{ reason: string; message: string }> = [];
  const ctx: ControllerContext = {
    client, informers: createInformerFactory(client), now: () => new Date(clock),
    recorder: () => ({ event: (_o, _t, reason, message) => void events.push({ reason, message }) }),
  };
  const ac = new AbortController();
  const running = Promise.all([createCronJobController(ctx).run(ac.signal), createTtlAfterFinishedController(ctx).run(ac.signal)]);
  let pokes = 0;
  return {
    client, events,
    set: (t: string) => { clock = at(t); },
    poke: () => client.patch(R.cronjobs, 'default', 'tick', 'merge', { metadata: { annotations: { poke: String(++pokes) } } }),
    jobs: () => (client.objects(R.jobs) as Array<Job & KObject>).filter((j) => !j.metadata?.deletionTimestamp),
    cj: () => client.get(R.cronjobs, 'default', 'tick') as Promise<CronJob & KObject>,
    finish: (name: string, type: 'Complete' | 'Failed', t: string) => client.patch(R.jobs, 'default', name, 'merge',
      { status: { startTime: t, completionTime: type === 'Complete' ? t : undefined, conditions: [{ type, status: 'True', lastTransitionTime: t }] } }, { subresource: 'status' }),
    stop: async () => { ac.abort(); client.closeWatches(); await running; },
  };
}

test('controller: every minute a Job named for its minute, active then completed, history limit kept', async (t) => {
  const h = harness([cronJob() as KObject]);
  t.after(h.stop);
  await h.poke();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(h.jobs().length, 0, 'nothing before the first tick');

  h.set('2026-12-05T07:31:02Z');
  await h.poke();
  const [first] = await waitFor(() => h.jobs().length === 1 && h.jobs(), 'the 07:31 Job');
  const minute = at('2026-12-05T07:31:00Z') / 60_000;
  assert.equal(first.metadata?.name, `tick-${minute}`);
  assert.equal(first.metadata?.labels?.app, 'tick');
  assert.equal(first.metadata?.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'], '2026-12-05T07:31:00Z');
  assert.deepEqual(first.metadata?.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'tick', uid: (await h.cj()).metadata?.uid, controller: true, blockOwnerDeletion: true }]);
  let st = await waitFor(async () => (await h.cj()).status?.active?.length === 1 && (await h.cj()).status, 'status.active');
  assert.equal(st.active?.[0].name, first.metadata?.name);
  assert.equal(st.lastScheduleTime, '2026-12-05T07:31:00Z');

  await h.finish(first.metadata!.name!, 'Complete', '2026-12-05T07:31:10Z');
  st = await waitFor(async () => (await h.cj()).status?.lastSuccessfulTime && (await h.cj()).status, 'lastSuccessfulTime');
  assert.deepEqual(st.active ?? [], []);
  assert.equal(st.lastSuccessfulTime, '2026-12-05T07:31:10Z');

  h.set('2026-12-05T07:32:01Z');
  await h.poke();
  const second = await waitFor(() => h.jobs().find((j) => j.metadata?.name === `tick-${minute + 1}`), 'the 07:32 Job');
  await h.finish(second.metadata!.name!, 'Complete', '2026-12-05T07:32:10Z');
  await waitFor(() => h.jobs().length === 1 && h.jobs()[0].metadata?.name === second.metadata?.name, 'the older Job deleted (history limit 1)');
  const reasons = h.events.map((e) => e.reason);
  for (const r of ['SuccessfulCreate', 'SawCompletedJob', 'SuccessfulDelete']) assert.ok(reasons.includes(r), r);
  assert.ok(h.events.some((e) => e.message === `Deleted job tick-${minute}`));
  assert.ok(h.events.some((e) => e.message === `Saw completed job: tick-${minute}, condition: Complete`));
});

test('controller: Forbid skips a tick while a Job runs, Replace deletes it first, suspend and a passed deadline start nothing', async (t) => {
  const h = harness([cronJob({ concurrencyPolicy: 'Forbid' }) as KObject]);
  t.after(h.stop);
  h.set('2026-12-05T07:31:02Z');
  await h.poke();
  await waitFor(async () => (await h.cj()).status?.active?.length === 1, 'one active Job');
  h.set('2026-12-05T07:32:02Z');
  await h.poke();
  await waitFor(() => h.events.some((e) => e.reason === 'JobAlreadyActive'), 'JobAlreadyActive');
  assert.equal(h.jobs().length, 1);

  await h.client.patch(R.cronjobs, 'default', 'tick', 'merge', { spec: { concurrencyPolicy: 'Replace' } });
  const replaced = await waitFor(() => h.jobs().length === 1 && h.jobs()[0].metadata?.name?.endsWith(String(at('2026-12-05T07:32:00Z') / 60_000)) && h.jobs(), 'the 07:32 Job replacing the 07:31 one');
  assert.ok(h.events.some((e) => e.reason === 'SuccessfulDelete'));
  await waitFor(async () => (await h.cj()).status?.active?.[0]?.name === replaced[0].metadata?.name, 'active is the new Job');

  await h.client.patch(R.cronjobs, 'default', 'tick', 'merge', { spec: { suspend: true } });
  h.set('2026-12-05T07:33:02Z');
  await h.poke();
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(h.jobs().length, 1, 'suspended: no 07:33 Job');

  await h.client.patch(R.cronjobs, 'default', 'tick', 'merge', { spec: { suspend: false, startingDeadlineSeconds: 1, concurrencyPolicy: 'Allow' } });
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(h.jobs().length, 1, 'the 07:33 tick is older than startingDeadlineSeconds: not started');
  h.set('2026-12-05T07:34:00.500Z');
  await h.poke();
  await waitFor(() => h.jobs().length === 2, 'the 07:34 Job, within its deadline');
});

test('controller: a schedule that never fires is an InvalidSchedule warning', async (t) => {
  const h = harness([cronJob({ schedule: '59 23 31 2 *' }) as KObject]);
  t.after(h.stop);
  const e = await waitFor(() => h.events.find((x) => x.reason === 'InvalidSchedule'), 'InvalidSchedule');
  assert.equal(e.message, 'invalid schedule: 59 23 31 2 * : time difference between two schedules is less than 1 second');
});

test('ttl-after-finished: a finished Job goes ttlSecondsAfterFinished after it finished, not before', async (t) => {
  const job = (name: string, ttl: number): KObject => ({
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: 'default' },
    spec: { ttlSecondsAfterFinished: ttl, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
  });
  const h = harness([job('short', 5), job('long', 3600)], '2026-12-05T07:30:00Z');
  t.after(h.stop);
  assert.equal(ttlRemainingMs({ spec: { ttlSecondsAfterFinished: 5, template: {} } }, 0), undefined, 'not finished');
  await h.finish('short', 'Complete', '2026-12-05T07:29:50Z');
  await h.finish('long', 'Failed', '2026-12-05T07:29:50Z');
  await waitFor(() => h.jobs().length === 1, 'the expired Job deleted');
  assert.equal(h.jobs()[0].metadata?.name, 'long');
  const del = h.client.actions.find((a) => a.verb === 'delete' && a.name === 'short');
  assert.ok(del);
});

test('controller: an active Job that is gone leaves status.active (MissingJob); a running Job it did not record is UnexpectedJob', async (t) => {
  const stray: KObject = {
    apiVersion: 'batch/v1', kind: 'Job',
    metadata: { name: 'tick-manual', namespace: 'default', ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'tick', uid: 'cj-uid', controller: true }] },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
  };
  const cj = cronJob({}, { active: [{ kind: 'Job', namespace: 'default', name: 'tick-1', uid: 'gone-uid', apiVersion: 'batch/v1' }] });
  const h = harness([cj as KObject, stray]);
  t.after(h.stop);
  // the fake client gives the CronJob its own uid: point the stray Job's reference at it
  const uid = (await h.cj()).metadata?.uid;
  await h.client.patch(R.jobs, 'default', 'tick-manual', 'merge', { metadata: { ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'tick', uid, controller: true }] } });
  await waitFor(() => h.events.find((e) => e.reason === 'MissingJob' && e.message === 'Active job went missing: tick-1'), 'MissingJob');
  await waitFor(async () => (await h.cj()).status?.active?.length === 0, 'active emptied');
  await waitFor(() => h.events.find((e) => e.reason === 'UnexpectedJob' && e.message === 'Saw a job that the controller did not create or forgot: tick-manual'), 'UnexpectedJob');
});
