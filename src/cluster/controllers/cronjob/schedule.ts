// When a CronJob fires (pkg/controller/cronjob/utils.go): the most recent unmet schedule time since the last one
// (or the CronJob's creation), how long until the next, and the Job it makes for a scheduled time.
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import type { KObject } from '../../types/meta.ts';
import { parseCronSchedule, type CronSchedule } from '../../types/cron-schedule.ts';
import { localTimeZone, rfc3339In, timeZoneError } from '../../types/time-zone.ts';
import { newControllerRef } from '../util.ts';

export const scheduledTimestampAnnotation = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
/** the requeue lands this long after the scheduled time, against clock skew (kube's nextScheduleDelta) */
export const nextScheduleDeltaMs = 100;
const cronJobKind = { apiVersion: 'batch/v1', kind: 'CronJob' };

export type Missed = 'none' | 'few' | 'many';

export interface MostRecent {
  /** lastScheduleTime, or the creation time, raised to now - startingDeadlineSeconds when asked */
  earliest: number;
  /** the latest schedule time in (earliest, now], if any */
  mostRecent?: number;
  missed: Missed;
  /** a schedule that parses but never fires sensibly (31 February) */
  error?: string;
}

const ms = (t: string | undefined) => (t ? Date.parse(t) : NaN);

/**
 * The schedule of a CronJob as the controller runs it: in spec.timeZone, else in the controller's zone (an unknown
 * timeZone falls back to the schedule as written, as kube's formatSchedule does). Throws robfig's parse error.
 */
export function scheduleOf(cj: CronJob): CronSchedule {
  const tz = cj.spec?.timeZone;
  const zone = tz != null && !timeZoneError(tz) ? tz : localTimeZone();
  return parseCronSchedule(cj.spec?.schedule ?? '', zone);
}

/** mostRecentScheduleTime: counts missed schedules roughly (by the interval of the first two) as kube does */
export function mostRecentScheduleTime(cj: CronJob, now: number, sched: CronSchedule, withDeadline: boolean): MostRecent {
  let earliest = ms(cj.metadata?.creationTimestamp);
  const last = ms(cj.status?.lastScheduleTime);
  if (!Number.isNaN(last)) earliest = last;
  if (Number.isNaN(earliest)) earliest = now;
  const deadline = cj.spec?.startingDeadlineSeconds;
  if (withDeadline && deadline != null) earliest = Math.max(earliest, now - deadline * 1000);
  const t1 = sched.next(earliest);
  const t2 = t1 === undefined ? undefined : sched.next(t1);
  if (t1 !== undefined && now < t1) return { earliest, missed: 'none' };
  if (t1 !== undefined && t2 !== undefined && now < t2) return { earliest, mostRecent: t1, missed: 'none' };
  const between = t1 !== undefined && t2 !== undefined ? Math.round((t2 - t1) / 1000) : 0;
  if (between < 1 || t1 === undefined) {
    return { earliest, missed: 'none', error: 'time difference between two schedules is less than 1 second' };
  }
  const elapsed = Math.trunc((now - t1) / 1000);
  const count = Math.trunc(elapsed / between) + 1;
  let mostRecent: number | undefined;
  // start one interval early and let the schedule find the exact times (irregular schedules like 30 6-16/4 * * 1-5)
  const from = t1 + (count - 2) * between * 1000;
  for (let t = sched.next(from); t !== undefined && t <= now; t = sched.next(t)) mostRecent = t;
  const missed: Missed = count > 100 ? 'many' : count > 0 ? 'few' : 'none';
  return { earliest, mostRecent, missed };
}

/** nextScheduleTimeDuration: milliseconds until the next schedule time after the most recent one (+100 ms) */
export function nextScheduleDelayMs(cj: CronJob, now: number, sched: CronSchedule): number | undefined {
  const r = mostRecentScheduleTime(cj, now, sched, false);
  let from: number;
  if (r.error) from = now;
  else if (r.mostRecent !== undefined) from = r.mostRecent;
  else from = r.missed === 'none' ? r.earliest : now;
  const next = sched.next(from);
  return next === undefined ? undefined : next + nextScheduleDeltaMs - now;
}

/** the Job name for a scheduled time: `<cronjob>-<minutes since the epoch>`, so a time is never run twice */
export function jobNameFor(cj: CronJob, scheduled: number): string {
  return `${cj.metadata?.name}-${Math.floor(scheduled / 60_000)}`;
}

/** getJobFromTemplate2: the template's labels, annotations and spec, owned by the CronJob, stamped with its time */
export function jobFromTemplate(cj: CronJob, scheduled: number): Job & KObject {
  const tmpl = cj.spec?.jobTemplate;
  const zone = cj.spec?.timeZone ?? '';
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobNameFor(cj, scheduled),
      namespace: cj.metadata?.namespace,
      labels: { ...tmpl?.metadata?.labels },
      annotations: { ...tmpl?.metadata?.annotations, [scheduledTimestampAnnotation]: rfc3339In(scheduled, timeZoneError(zone) ? '' : zone) },
      ownerReferences: [newControllerRef(cj as KObject, cronJobKind)],
    },
    spec: structuredClone(tmpl?.spec ?? { template: {} }),
  };
}

/** RFC 3339 in UTC, whole seconds (metav1.Time) */
export const rfc3339 = (t: number) => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
