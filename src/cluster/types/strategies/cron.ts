// CronJob schedule and time zone as Kubernetes validates them (pkg/apis/batch/validation: validateScheduleFormat,
// validateTimeZone): robfig/cron's parse errors, TZ/CRON_TZ in the schedule refused (kept only on an update of an
// object that already had it), timeZone an IANA name the tz database knows.
import { cronParseError } from '../cron-schedule.ts';
import { timeZoneError } from '../time-zone.ts';
import { invalid, type FieldError } from '../status-error.ts';

/** Why a schedule is invalid (robfig's parse error), or undefined when it is fine. */
export function cronScheduleError(schedule: string): string | undefined {
  return cronParseError(schedule);
}

/** validateScheduleFormat: allowTZ when the old object's schedule already used TZ (updates keep working) */
export function validateSchedule(schedule: string, timeZone: string | undefined | null, allowTZ: boolean, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const why = cronParseError(schedule);
  if (why) errs.push(invalid(field, schedule, why));
  const hasTZ = schedule.includes('TZ');
  if (allowTZ && hasTZ && timeZone != null) errs.push(invalid(field, schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
  else if (!allowTZ && hasTZ) errs.push(invalid(field, schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  return errs;
}

// IANA naming: components of letters, digits, '.', '-', '_', '+' (1–14 characters), never '.', '..' or a leading '-'
const zonePart = /^[A-Za-z.\-_0-9+]{1,14}$/;

/** validateTimeZone: nil is fine (the controller's local zone); '' , 'Local' and unknown names are not */
export function validateTimeZone(timeZone: string | undefined | null, field: string): FieldError[] {
  if (timeZone == null) return [];
  if (timeZone === '') return [invalid(field, timeZone, 'timeZone must be nil or non-empty string')];
  for (const part of timeZone.split('/')) {
    if (part === '.' || part === '..' || part.startsWith('-') || !zonePart.test(part)) return [invalid(field, timeZone, `unknown time zone ${timeZone}`)];
  }
  const errs: FieldError[] = [];
  if (timeZone.toLowerCase() === 'local') errs.push(invalid(field, timeZone, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'));
  const why = errs.length ? undefined : timeZoneError(timeZone); // Go loads 'Local' as the process's zone
  if (why) errs.push(invalid(field, timeZone, why));
  return errs;
}
