// Issue 14, must-show 4b: a CronJob running every minute creates Jobs and keeps its history limit — with the
// real kubectl against a private `skiff server` and a simulated node that finishes the Jobs' pods. One minute
// boundary is enough: `kubectl create job --from=cronjob/…` makes the first Job at once, the schedule the second,
// and history limit 1 deletes the older. Bad schedules, time zones and the TTL-after-finished controller alongside.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from './harness.ts';
import { startControlPlane, type ControlPlane } from './cluster-harness.ts';

const podTemplate = `
          template:
            metadata:
              annotations:
                sim.skiff.dev/finish-after-seconds: "0"
            spec:
              restartPolicy: Never
              containers:
              - name: c
                image: busybox
                command: ["true"]`;

const cronJob = (name: string, extra = '') => `
apiVersion: batch/v1
kind: CronJob
metadata:
  name: ${name}
spec:
  schedule: "* * * * *"
  successfulJobsHistoryLimit: 1
${extra}  jobTemplate:
    metadata:
      labels:
        app: ${name}
    spec:${podTemplate}
`;

describe('CronJob and TTL-after-finished with kubectl', { timeout: 240_000 }, () => {
  let cp: ControlPlane;
  before(async () => {
    cp = await startControlPlane();
    await cp.sim(1, 'cj');
  });
  after(async () => {
    await cp?.cleanup();
  });

  const ok = (args: string[], input?: string) => cp.ok(args, input);
  const jobNames = async (sel: string) => ((await cp.kjson(['get', 'jobs', '-l', sel])).items as any[]).map((j) => j.metadata.name).sort();
  const complete = (j: any) => j.status?.conditions?.some((c: any) => c.type === 'Complete' && c.status === 'True');
  const events = async (name: string) => ((await cp.kjson(['get', 'events', '--field-selector', `involvedObject.name=${name}`])).items as any[]);

  it('a CronJob every minute creates Jobs and keeps its history limit (kubectl create job --from=cronjob/…)', async () => {
    // a boundary a few seconds away would start the scheduled Job before the manual one: wait it out
    const toBoundary = 60_000 - (Date.now() % 60_000);
    if (toBoundary < 8_000) await new Promise((r) => setTimeout(r, toBoundary + 1_000));
    const started = Date.now();
    assert.match(await ok(['apply', '-f', '-'], cronJob('tick')), /cronjob.batch\/tick created/);
    assert.match(await ok(['create', 'job', 'tick-manual', '--from=cronjob/tick']), /job.batch\/tick-manual created/);
    const manual = await cp.kjson(['get', 'job', 'tick-manual']);
    const cj = await cp.kjson(['get', 'cronjob', 'tick']);
    assert.equal(manual.metadata.annotations['cronjob.kubernetes.io/instantiate'], 'manual');
    assert.equal(manual.metadata.ownerReferences[0].uid, cj.metadata.uid);
    await waitFor('the manual Job Complete', async () => complete(await cp.kjson(['get', 'job', 'tick-manual'])), 30_000, 250);

    // the schedule's Job at the next minute: named for its minute, stamped with its time
    const scheduled = await waitFor('the scheduled Job', async () => (await jobNames('app=tick')).find((n) => /^tick-\d+$/.test(n)), 90_000, 500);
    const minute = Number(scheduled.slice('tick-'.length));
    const job = await cp.kjson(['get', 'job', scheduled]);
    assert.equal(job.metadata.annotations['batch.kubernetes.io/cronjob-scheduled-timestamp'], new Date(minute * 60_000).toISOString().replace('.000Z', 'Z'));
    assert.equal(job.metadata.ownerReferences[0].kind, 'CronJob');
    await waitFor('the scheduled Job Complete', async () => complete(await cp.kjson(['get', 'job', scheduled])), 30_000, 250);

    // history limit 1: the older finished Job (the manual one) is deleted, the scheduled one kept
    await waitFor('only the scheduled Job left', async () => (await jobNames('app=tick')).join() === scheduled, 30_000, 250);
    const st = (await cp.kjson(['get', 'cronjob', 'tick'])).status;
    assert.equal(st.lastScheduleTime, new Date(minute * 60_000).toISOString().replace('.000Z', 'Z'));
    assert.ok(st.lastSuccessfulTime, 'lastSuccessfulTime');
    assert.deepEqual(st.active ?? [], []);
    const ev = (await waitFor('the CronJob events', async () => {
      const e = await events('tick');
      const reasons = new Set(e.map((x) => x.reason));
      return ['SuccessfulCreate', 'SawCompletedJob', 'SuccessfulDelete'].every((r) => reasons.has(r)) && e;
    }, 15_000, 250)) as any[];
    assert.ok(ev.some((e) => e.reason === 'SuccessfulCreate' && e.message === `Created job ${scheduled}`));
    assert.ok(ev.some((e) => e.reason === 'SuccessfulDelete' && e.message === 'Deleted job tick-manual'));
    assert.ok(ev.some((e) => e.reason === 'SawCompletedJob' && e.message === `Saw completed job: ${scheduled}, condition: Complete`));
    assert.ok(ev.every((e) => e.source?.component === 'cronjob-controller'));
    // kubectl get cronjob: NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE
    const row = (await ok(['get', 'cronjob', 'tick', '--no-headers'])).trim().split(/\s{2,}/);
    assert.deepEqual(row.slice(0, 5), ['tick', '* * * * *', '<none>', 'False', '0']);
    assert.notEqual(row[5], '<none>');
    console.log(`cronjob: ${((Date.now() - started) / 1000).toFixed(1)} s from apply to the history limit kept`);
  });

  it('bad schedules and time zones are refused as kube words them; one that never fires is an InvalidSchedule warning', async () => {
    let r = await cp.kubectl(['create', 'cronjob', 'bad', '--image=busybox', '--schedule=61 * * * *']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /error: failed to create cronjob: CronJob.batch "bad" is invalid: spec.schedule: Invalid value: "61 \* \* \* \*": end of range \(61\) above maximum \(59\): 61/);
    r = await cp.kubectl(['apply', '-f', '-'], { input: cronJob('tz', '  timeZone: Mars/Olympus_Mons\n') });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /spec.timeZone: Invalid value: "Mars\/Olympus_Mons": unknown time zone Mars\/Olympus_Mons/);
    r = await cp.kubectl(['create', 'cronjob', 'tzs', '--image=busybox', '--schedule=CRON_TZ=UTC * * * * *']);
    assert.match(r.stderr, /cannot use TZ or CRON_TZ in schedule, use timeZone field instead/);
    await ok(['apply', '-f', '-'], cronJob('ny', '  timeZone: America/New_York\n'));
    assert.equal((await cp.kjson(['get', 'cronjob', 'ny'])).spec.timeZone, 'America/New_York');

    await ok(['create', 'cronjob', 'never', '--image=busybox', '--schedule=59 23 31 2 *']);
    const e = await waitFor('InvalidSchedule', async () => (await events('never')).find((x) => x.reason === 'InvalidSchedule'), 15_000, 250);
    assert.equal(e.type, 'Warning');
    assert.equal(e.message, 'invalid schedule: 59 23 31 2 * : time difference between two schedules is less than 1 second');
    await ok(['delete', 'cronjob', 'ny', 'never']);
  });

  it('a finished Job with ttlSecondsAfterFinished is deleted with its pods', async () => {
    await ok(['apply', '-f', '-'], `
apiVersion: batch/v1
kind: Job
metadata:
  name: ttl
spec:
  ttlSecondsAfterFinished: 1
  ${podTemplate.trim().replace(/\n {10}/g, '\n  ')}
`);
    // seen Complete, or already gone (under load a poll can miss the second it lives after finishing)
    await waitFor('the Job Complete', async () => {
      const r = await cp.kubectl(['get', 'job', 'ttl', '-o', 'json']);
      return r.code === 0 ? complete(JSON.parse(r.stdout)) : /not found/.test(r.stderr);
    }, 30_000, 250);
    await waitFor('the Job and its pods gone', async () => {
      const r = await cp.kubectl(['get', 'job', 'ttl']);
      const pods = (await cp.kjson(['get', 'pods', '-l', 'job-name=ttl'])).items.length;
      return r.code !== 0 && /not found/.test(r.stderr) && pods === 0;
    }, 30_000, 250);
  });
});
