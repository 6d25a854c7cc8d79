// Job and CronJob strategies: defaults from pkg/apis/batch/v1/defaults.go plus the Job REST strategy's generated
// selector, validation from pkg/apis/batch/validation.
import type { CronJob, CronJobSpec, Job, JobSpec } from 'kubernetes-types/batch/v1.js';
import type { KObject } from '../meta.ts';
import { invalid, notSupported, required, type FieldError } from '../status-error.ts';
import { matchesLabelSelector } from '../labels.ts';
import { nameIsDNSSubdomain, nonNegative } from './names.ts';
import { deepEqual, immutable, validateObjectMeta, validateObjectMetaUpdate } from './metadata.ts';
import { defaultPodTemplate } from './pod-defaults.ts';
import { validatePodTemplate } from './pod-validation.ts';
import { validateLabelSelector } from './apps.ts';
import { validateSchedule, validateTimeZone } from './cron.ts';
import type { Strategy } from './types.ts';

export const controllerUidLabel = 'batch.kubernetes.io/controller-uid';
export const jobNameLabel = 'batch.kubernetes.io/job-name';

/**
 * The Job REST strategy's generateSelector: unless spec.manualSelector, the selector is the job's uid and the
 * template carries uid and name labels (new and legacy keys). Needs metadata.uid, so it only acts once the
 * REST layer has assigned one; call defaults after setting the uid on create.
 */
function generateSelector(job: Job): void {
  const s = job.spec;
  const uid = job.metadata?.uid;
  if (!s || !uid || s.manualSelector === true) return;
  const name = job.metadata?.name ?? '';
  s.template ??= {};
  s.template.metadata ??= {};
  const labels = (s.template.metadata.labels ??= {});
  labels[controllerUidLabel] ??= uid;
  labels[jobNameLabel] ??= name;
  labels['controller-uid'] ??= uid;
  labels['job-name'] ??= name;
  s.selector ??= {};
  s.selector.matchLabels ??= {};
  s.selector.matchLabels[controllerUidLabel] ??= uid;
}

function defaultJobSpec(s: JobSpec): void {
  if (s.completions == null && s.parallelism == null) {
    s.completions = 1;
    s.parallelism = 1;
  }
  s.parallelism ??= 1;
  s.backoffLimit ??= s.backoffLimitPerIndex != null ? 2147483647 : 6;
  s.completionMode ||= 'NonIndexed';
  s.suspend ??= false;
  s.podReplacementPolicy ||= s.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed';
  defaultPodTemplate(s.template);
}

function validateJobSpec(s: JobSpec, field: string): FieldError[] {
  const errs: FieldError[] = [
    ...nonNegative(`${field}.parallelism`, s.parallelism),
    ...nonNegative(`${field}.completions`, s.completions),
    ...nonNegative(`${field}.activeDeadlineSeconds`, s.activeDeadlineSeconds),
    ...nonNegative(`${field}.backoffLimit`, s.backoffLimit),
    ...nonNegative(`${field}.ttlSecondsAfterFinished`, s.ttlSecondsAfterFinished),
  ];
  if (s.selector) errs.push(...validateLabelSelector(s.selector, `${field}.selector`));
  const modes = ['NonIndexed', 'Indexed'];
  if (s.completionMode && !modes.includes(s.completionMode)) errs.push(notSupported(`${field}.completionMode`, s.completionMode, modes));
  if (s.completionMode === 'Indexed' && s.completions == null) errs.push(required(`${field}.completions`, 'when completion mode is Indexed'));
  errs.push(...validatePodTemplate(s.template, `${field}.template`));
  const rp = s.template?.spec?.restartPolicy;
  if (s.template?.spec && rp !== 'OnFailure' && rp !== 'Never') errs.push(notSupported(`${field}.template.spec.restartPolicy`, rp ?? '', ['OnFailure', 'Never']));
  return errs;
}

function validateJob(job: Job): FieldError[] {
  const errs = validateObjectMeta(job.metadata, nameIsDNSSubdomain);
  const s = job.spec;
  if (!s) return [...errs, required('spec')];
  errs.push(...validateJobSpec(s, 'spec'));
  const labels = s.template?.metadata?.labels ?? {};
  const uid = job.metadata?.uid;
  if (s.manualSelector === true || !uid) {
    // a manual selector (or one not yet generated) must exist and select the template
    if (s.manualSelector === true && !s.selector) errs.push(required('spec.selector'));
    else if (s.selector && !matchesLabelSelector(s.selector, labels)) {
      errs.push(invalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'));
    }
  } else {
    if (labels[controllerUidLabel] !== uid) errs.push(invalid('spec.template.metadata.labels', labels, `\`${controllerUidLabel}\` must match the job uid`));
    if (!deepEqual(s.selector, { matchLabels: { [controllerUidLabel]: uid } })) errs.push(invalid('spec.selector', s.selector ?? null, '`selector` not auto-generated'));
  }
  return errs;
}

export const jobStrategy: Strategy = {
  defaults(o) {
    const job = o as Job;
    if (!job.spec) return;
    generateSelector(job);
    defaultJobSpec(job.spec);
  },
  validate: (o) => validateJob(o as Job),
  validateUpdate(o, old) {
    const n: JobSpec = (o as Job).spec ?? ({} as JobSpec);
    const p: JobSpec = (old as Job).spec ?? ({} as JobSpec);
    const errs = [...validateObjectMetaUpdate(o.metadata, old.metadata), ...validateJob(o as Job)];
    errs.push(...immutable('spec.selector', n.selector, p.selector));
    errs.push(...immutable('spec.template', n.template, p.template));
    errs.push(...immutable('spec.completionMode', n.completionMode, p.completionMode));
    // elastic indexed jobs may change completions together with parallelism
    if (!(n.completionMode === 'Indexed' && n.completions === n.parallelism)) errs.push(...immutable('spec.completions', n.completions, p.completions));
    return errs;
  },
};

/** validateCronJobSpec; old: the stored spec on update (TZ kept in the schedule, timeZone checked only when changed) */
function validateCronJobSpec(s: CronJobSpec, old: CronJobSpec | undefined): FieldError[] {
  const errs: FieldError[] = [];
  if (!s.schedule) errs.push(required('spec.schedule'));
  else errs.push(...validateSchedule(s.schedule, s.timeZone, old?.schedule?.includes('TZ') ?? false, 'spec.schedule'));
  errs.push(...nonNegative('spec.startingDeadlineSeconds', s.startingDeadlineSeconds));
  if (!old || old.timeZone !== s.timeZone) errs.push(...validateTimeZone(s.timeZone, 'spec.timeZone'));
  const policies = ['Allow', 'Forbid', 'Replace'];
  if (!s.concurrencyPolicy) errs.push(required('spec.concurrencyPolicy'));
  else if (!policies.includes(s.concurrencyPolicy)) errs.push(notSupported('spec.concurrencyPolicy', s.concurrencyPolicy, policies));
  const js = s.jobTemplate?.spec;
  if (!js) errs.push(required('spec.jobTemplate.spec'));
  else {
    errs.push(...validateJobSpec(js, 'spec.jobTemplate.spec'));
    // the Jobs' selectors are generated from their uids
    if (js.selector) errs.push(invalid('spec.jobTemplate.spec.selector', js.selector, '`selector` will be auto-generated'));
    if (js.manualSelector === true) errs.push(notSupported('spec.jobTemplate.spec.manualSelector', true, ['nil', 'false']));
  }
  errs.push(...nonNegative('spec.successfulJobsHistoryLimit', s.successfulJobsHistoryLimit));
  errs.push(...nonNegative('spec.failedJobsHistoryLimit', s.failedJobsHistoryLimit));
  return errs;
}

function validateCronJob(o: KObject, old?: KObject): FieldError[] {
  const cj = o as CronJob;
  const errs = old ? validateObjectMetaUpdate(o.metadata, old.metadata) : validateObjectMeta(cj.metadata, nameIsDNSSubdomain);
  if (!cj.spec) return [...errs, required('spec')];
  errs.push(...validateCronJobSpec(cj.spec, (old as CronJob | undefined)?.spec));
  const name = cj.metadata?.name ?? '';
  // the Job name adds an 11-character suffix and must stay a valid label value (checked on create only)
  if (!old && name.length > 52) errs.push(invalid('metadata.name', name, 'must be no more than 52 characters'));
  return errs;
}

export const cronJobStrategy: Strategy = {
  defaults(o) {
    const s = (o as CronJob).spec;
    if (!s) return;
    s.concurrencyPolicy ||= 'Allow';
    s.suspend ??= false;
    s.successfulJobsHistoryLimit ??= 3;
    s.failedJobsHistoryLimit ??= 1;
    defaultPodTemplate(s.jobTemplate?.spec?.template);
  },
  validate: (o) => validateCronJob(o),
  validateUpdate: (o, old) => validateCronJob(o, old),
};
