// The CronJob control loop (pkg/controller/cronjob/cronjob_controllerv2.go): per CronJob key, reconcile
// status.active with the Jobs it owns, delete finished Jobs beyond the history limits, and when a schedule time
// has come (and is not too late, not suspended, not forbidden by a running Job) create its Job; then requeue
// for the next schedule time. Job names carry the scheduled minute, so a time never runs twice.
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import type { ObjectReference } from 'kubernetes-types/core/v1.js';
import type { Controller, ControllerContext, ReconcileResult } from '../../client/types.ts';
import { createWorkQueue, runWhenSynced } from '../../client/index.ts';
import type { KObject } from '../../types/meta.ts';
import { objectKey, splitKey } from '../../types/meta.ts';
import { R } from '../../types/gvr.ts';
import { isStatusError } from '../../types/status-error.ts';
import { timeZoneError } from '../../types/time-zone.ts';
import { canonicalJson, getControllerOf } from '../util.ts';
import { jobFromTemplate, jobNameFor, mostRecentScheduleTime, nextScheduleDelayMs, rfc3339, scheduleOf } from './schedule.ts';
import type { CronSchedule } from '../../types/cron-schedule.ts';

type CronJobObject = CronJob & KObject;
type JobObject = Job & KObject;

const name = 'cronjob-controller';
const workers = 5;
const ownerIndex = `${name}/owner`;

/** Complete or Failed, whichever is True */
function finishedType(job: Job): 'Complete' | 'Failed' | undefined {
  const c = job.status?.conditions?.find((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True');
  return c?.type as 'Complete' | 'Failed' | undefined;
}

const inActive = (cj: CronJob, uid: string | undefined) => !!cj.status?.active?.some((r) => r.uid === uid);

function dropActive(cj: CronJob, uid: string | undefined): void {
  cj.status = { ...cj.status, active: (cj.status?.active ?? []).filter((r) => r.uid !== uid) };
}

function jobRef(job: JobObject): ObjectReference {
  const m = job.metadata ?? {};
  return { kind: 'Job', namespace: m.namespace, name: m.name, uid: m.uid, apiVersion: 'batch/v1', resourceVersion: m.resourceVersion };
}

/** RFC1123Z as Go prints it: `Mon, 02 Jan 2006 15:04:05 +0000` */
function rfc1123z(t: number): string {
  return new Date(t).toUTCString().replace('GMT', '+0000');
}

/** byJobStartTime: started before not-started, then by startTime, then by name */
function byStartTime(a: Job, b: Job): number {
  const sa = a.status?.startTime;
  const sb = b.status?.startTime;
  if (!sa !== !sb) return sa ? -1 : 1;
  if (sa === sb || (sa && sb && Date.parse(sa) === Date.parse(sb))) return (a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1;
  return Date.parse(sa ?? '') - Date.parse(sb ?? '');
}

export function createCronJobController(ctx: ControllerContext): Controller {
  const cronJobs = ctx.informers.informer<CronJobObject>(R.cronjobs);
  const jobs = ctx.informers.informer<JobObject>(R.jobs);
  const recorder = ctx.recorder(name);
  const queue = createWorkQueue({ name });
  // Jobs by the CronJob their controller reference names (`ns/name`): kube lists the namespace, we look up
  jobs.addIndex(ownerIndex, (j) => {
    const ref = getControllerOf(j);
    return ref?.kind === 'CronJob' ? [`${j.metadata?.namespace}/${ref.name}`] : [];
  });

  /** the CronJob a Job's controller reference names (same uid), if it is in the cache */
  function ownerOf(job: JobObject): CronJobObject | undefined {
    const ref = getControllerOf(job);
    if (ref?.kind !== 'CronJob') return undefined;
    const cj = cronJobs.get(`${job.metadata?.namespace}/${ref.name}`);
    return cj?.metadata?.uid === ref.uid ? cj : undefined;
  }
  const enqueueOwner = (job: JobObject) => {
    const cj = ownerOf(job);
    if (cj) queue.add(objectKey(cj));
  };

  cronJobs.on({ add: (cj) => queue.add(objectKey(cj)), update: (_o, cj) => queue.add(objectKey(cj)), delete: (cj) => queue.add(objectKey(cj)) });
  jobs.on({
    add: enqueueOwner,
    update: (old, job) => {
      if (old.metadata?.resourceVersion === job.metadata?.resourceVersion) return;
      if (getControllerOf(old)?.uid !== getControllerOf(job)?.uid) enqueueOwner(old);
      enqueueOwner(job);
    },
    delete: enqueueOwner,
  });

  /** deletes a Job (background: the garbage collector takes its pods) and its active entry */
  async function deleteJob(cj: CronJobObject, job: JobObject): Promise<boolean> {
    try {
      await ctx.client.delete(R.jobs, job.metadata?.namespace, job.metadata?.name ?? '', { propagationPolicy: 'Background' });
    } catch (err) {
      if (isStatusError(err, 'NotFound')) {
        // deleted before (our cache lags behind our own delete): nothing more to say
        dropActive(cj, job.metadata?.uid);
        return true;
      }
      recorder.event(cj, 'Warning', 'FailedDelete', `Deleted job: ${err instanceof Error ? err.message : String(err)}`);
      return false;
    }
    dropActive(cj, job.metadata?.uid);
    recorder.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata?.name}`);
    return true;
  }

  /** cleanupFinishedJobs: the oldest finished Jobs beyond successful/failedJobsHistoryLimit go */
  async function cleanupFinishedJobs(cj: CronJobObject, owned: JobObject[]): Promise<boolean> {
    const s = cj.spec;
    if (s?.successfulJobsHistoryLimit == null && s?.failedJobsHistoryLimit == null) return false;
    let changed = false;
    for (const [type, limit] of [['Complete', s.successfulJobsHistoryLimit], ['Failed', s.failedJobsHistoryLimit]] as const) {
      if (limit == null) continue;
      const done = owned.filter((j) => finishedType(j) === type).sort(byStartTime);
      for (const job of done.slice(0, Math.max(0, done.length - limit))) {
        if (job.metadata?.deletionTimestamp) continue; // on its way out (foreground, finalizers): counted, not asked again
        if (await deleteJob(cj, job)) changed = true;
      }
    }
    return changed;
  }

  /** the first half of syncCronJob: status.active and lastSuccessfulTime from the Jobs as they are */
  async function reconcileActive(cj: CronJobObject, owned: JobObject[]): Promise<void> {
    const uids = new Set(owned.map((j) => j.metadata?.uid));
    for (const job of owned) {
      const found = inActive(cj, job.metadata?.uid);
      const finished = finishedType(job);
      if (!found && !finished) {
        const fresh = await ctx.client.get<CronJobObject>(R.cronjobs, cj.metadata?.namespace, cj.metadata?.name ?? '');
        if (inActive(fresh, job.metadata?.uid)) {
          cj.status = { ...cj.status, active: fresh.status?.active };
          continue;
        }
        recorder.event(cj, 'Warning', 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${job.metadata?.name}`);
      } else if (finished) {
        if (found) {
          dropActive(cj, job.metadata?.uid);
          recorder.event(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${job.metadata?.name}, condition: ${finished}`);
        }
        const done = job.status?.completionTime;
        const last = cj.status?.lastSuccessfulTime;
        if (finished === 'Complete' && done && (!last || Date.parse(done) > Date.parse(last))) cj.status = { ...cj.status, lastSuccessfulTime: done };
      }
    }
    // an active Job that no longer exists (checked on the server: the cache may lag) leaves the list
    for (const ref of cj.status?.active ?? []) {
      if (uids.has(ref.uid)) continue;
      try {
        await ctx.client.get(R.jobs, ref.namespace, ref.name ?? '');
      } catch (err) {
        if (!isStatusError(err, 'NotFound')) throw err;
        recorder.event(cj, 'Normal', 'MissingJob', `Active job went missing: ${ref.name}`);
        dropActive(cj, ref.uid);
      }
    }
  }

  /** the second half of syncCronJob: start the Job of the most recent unmet schedule time; returns the requeue */
  async function startDueJob(cj: CronJobObject, now: number, sched: CronSchedule): Promise<number | undefined> {
    const next = () => nextScheduleDelayMs(cj, now, sched);
    const r = mostRecentScheduleTime(cj, now, sched, true);
    if (r.mostRecent === undefined || r.mostRecent > now) {
      if (r.error) {
        recorder.event(cj, 'Warning', 'InvalidSchedule', `invalid schedule: ${cj.spec?.schedule} : ${r.error}`);
        return undefined;
      }
      return next();
    }
    if (r.missed === 'many') recorder.event(cj, 'Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
    const scheduled = r.mostRecent;
    const deadline = cj.spec?.startingDeadlineSeconds;
    if (deadline != null && scheduled + deadline * 1000 < now) {
      recorder.event(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${rfc1123z(scheduled)}`);
      return next();
    }
    const jobName = jobNameFor(cj, scheduled);
    const last = cj.status?.lastScheduleTime;
    if (cj.status?.active?.some((a) => a.name === jobName) || (last && Date.parse(last) === scheduled)) return next();
    if (cj.spec?.concurrencyPolicy === 'Forbid' && (cj.status?.active?.length ?? 0) > 0) {
      recorder.event(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      return next();
    }
    if (cj.spec?.concurrencyPolicy === 'Replace') {
      for (const a of [...(cj.status?.active ?? [])]) {
        let job: JobObject;
        try {
          job = await ctx.client.get<JobObject>(R.jobs, a.namespace, a.name ?? '');
        } catch (err) {
          recorder.event(cj, 'Warning', 'FailedGet', `Get job: ${err instanceof Error ? err.message : String(err)}`);
          throw err;
        }
        if (!(await deleteJob(cj, job))) throw new Error(`could not replace job ${a.namespace}/${a.name}`);
      }
    }
    const ns = cj.metadata?.namespace;
    let created: JobObject;
    try {
      created = await ctx.client.create<JobObject>(R.jobs, ns, jobFromTemplate(cj, scheduled));
      recorder.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata?.name}`);
    } catch (err) {
      if (!isStatusError(err, 'AlreadyExists')) {
        recorder.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${err instanceof Error ? err.message : String(err)}`);
        throw err;
      }
      // made before and the status write lost: adopt it into the active list if it is ours
      created = await ctx.client.get<JobObject>(R.jobs, ns, jobName);
      if (getControllerOf(created)?.uid !== cj.metadata?.uid || inActive(cj, created.metadata?.uid)) return next();
    }
    cj.status = { ...cj.status, active: [...(cj.status?.active ?? []), jobRef(created)], lastScheduleTime: rfc3339(scheduled) };
    return next();
  }

  async function syncCronJob(key: string): Promise<ReconcileResult> {
    const cached = cronJobs.get(key);
    if (!cached) return;
    const { namespace } = splitKey(key);
    const owned = jobs.byIndex(ownerIndex, key);
    const cj = structuredClone(cached);
    const before = canonicalJson(cached.status ?? {});
    await cleanupFinishedJobs(cj, owned);
    await reconcileActive(cj, owned);
    let requeue: number | undefined;
    if (!cj.metadata?.deletionTimestamp) requeue = await planNext(cj);
    if (canonicalJson(cj.status ?? {}) !== before) {
      try {
        await ctx.client.update(R.cronjobs, namespace, cj as KObject, { subresource: 'status' });
      } catch (err) {
        // a stale cached CronJob: its informer update brings the key back
        if (isStatusError(err, 'Conflict')) return { requeueAfterMs: 100 };
        if (!isStatusError(err, 'NotFound')) throw err;
      }
    }
    return requeue !== undefined ? { requeueAfterMs: Math.max(0, requeue) } : undefined;
  }

  /** time zone, suspend and schedule checks, then the due Job; the delay until the next schedule time */
  async function planNext(cj: CronJobObject): Promise<number | undefined> {
    const tz = cj.spec?.timeZone;
    if (tz != null) {
      const why = timeZoneError(tz);
      if (why) {
        recorder.event(cj, 'Warning', 'UnknownTimeZone', `invalid timeZone: ${JSON.stringify(tz)}: ${why}`);
        return undefined;
      }
    }
    if (cj.spec?.suspend === true) return undefined;
    const schedule = cj.spec?.schedule ?? '';
    if (schedule.includes('TZ')) {
      recorder.event(cj, 'Warning', 'UnsupportedSchedule', `CRON_TZ or TZ used in schedule ${JSON.stringify(schedule)} is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details`);
    }
    let sched: CronSchedule;
    try {
      sched = scheduleOf(cj);
    } catch (err) {
      recorder.event(cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: ${JSON.stringify(schedule)} : ${(err as Error).message}`);
      return undefined;
    }
    return startDueJob(cj, ctx.now().getTime(), sched);
  }

  return {
    name,
    async run(signal) {
      await runWhenSynced(ctx.informers, queue, workers, syncCronJob, signal, name);
    },
  };
}
