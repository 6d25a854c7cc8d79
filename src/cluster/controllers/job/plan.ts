// One step of a Job (pkg/controller/job/job_controller.go syncJob, NonIndexed completion mode), as a pure
// function of the Job, its pods and the time: the status to write, how many pods to create, which to delete,
// and the events to record. The controller carries the plan out.
import type { Job, JobCondition, JobStatus } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isPodActive, isPodReady } from '../../types/pod.ts';
import { rankPodsForDeletion } from '../replicaset/index.ts';

export interface JobEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface JobPlan<P extends Pod = Pod> {
  status: JobStatus;
  create: number;
  remove: P[];
  events: JobEvent[];
  /** run again then (activeDeadlineSeconds) */
  requeueAfterMs?: number;
}

export const messages = {
  backoffLimit: 'Job has reached the specified backoff limit',
  deadline: 'Job was active longer than specified deadline',
  completions: 'Reached expected number of succeeded pods',
};

const rfc3339 = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** true when the Job has a Complete or Failed condition that is True */
export function isJobFinished(job: Job): boolean {
  return !!job.status?.conditions?.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

/** sets (or updates) a condition; lastTransitionTime moves only when the status changes */
function setCondition(conditions: JobCondition[], type: string, status: 'True' | 'False', reason: string, message: string, now: string): boolean {
  const existing = conditions.find((c) => c.type === type);
  if (existing) {
    if (existing.status === status && existing.reason === reason && existing.message === message) return false;
    const transition = existing.status !== status ? now : existing.lastTransitionTime;
    Object.assign(existing, { status, reason, message, lastProbeTime: now, lastTransitionTime: transition });
    return true;
  }
  conditions.push({ type, status, reason, message, lastProbeTime: now, lastTransitionTime: now });
  return true;
}

export interface PlanOptions {
  /** delay before replacing the first failed pod, doubling per failure up to 6 minutes (Kubernetes: 10 s) */
  podBackoffBaseMs?: number;
}

const podBackoffMaxMs = 6 * 60 * 1000;

/** when a failed pod stopped: its last container's finish, else its last condition change */
function finishedAt(pod: Pod): number {
  const times = (pod.status?.containerStatuses ?? []).map((c) => Date.parse(c.state?.terminated?.finishedAt ?? ''));
  times.push(...(pod.status?.conditions ?? []).map((c) => Date.parse(c.lastTransitionTime ?? '')));
  const known = times.filter(Number.isFinite);
  return known.length ? Math.max(...known) : Date.parse(pod.metadata?.creationTimestamp ?? '') || 0;
}

/** ms still to wait before creating replacements after failures (0: go) */
export function podBackoffRemaining(pods: Pod[], now: Date, baseMs: number): number {
  const failedPods = pods.filter((p) => p.status?.phase === 'Failed');
  if (failedPods.length === 0 || baseMs <= 0) return 0;
  const delay = Math.min(podBackoffMaxMs, baseMs * 2 ** (failedPods.length - 1));
  const last = Math.max(...failedPods.map(finishedAt));
  return Math.max(0, last + delay - now.getTime());
}

export function planJob<P extends Pod>(job: Job, pods: P[], now: Date, opts: PlanOptions = {}): JobPlan<P> {
  const t = rfc3339(now);
  const spec = job.spec ?? { template: {} };
  const prev = job.status ?? {};
  const conditions: JobCondition[] = structuredClone(prev.conditions ?? []);
  const active = pods.filter(isPodActive);
  const events: JobEvent[] = [];
  // counts never go down: a finished pod that is later deleted (GC, eviction) still counted
  const succeeded = Math.max(prev.succeeded ?? 0, pods.filter((p) => p.status?.phase === 'Succeeded').length);
  const failed = Math.max(prev.failed ?? 0, pods.filter((p) => p.status?.phase === 'Failed').length);
  const ready = active.filter(isPodReady).length;
  const status: JobStatus = { ...prev, conditions, succeeded, failed, ready };
  const done = (remove: P[], create = 0, requeueAfterMs?: number): JobPlan<P> => {
    status.active = Math.max(0, active.length - remove.length + create);
    if (conditions.length === 0) delete status.conditions;
    return { status, create, remove, events, ...(requeueAfterMs !== undefined ? { requeueAfterMs } : {}) };
  };

  if (isJobFinished(job)) return done(active);

  const suspended = spec.suspend === true;
  const wasSuspended = conditions.some((c) => c.type === 'Suspended' && c.status === 'True');
  if (suspended) {
    if (setCondition(conditions, 'Suspended', 'True', 'JobSuspended', 'Job suspended', t)) events.push({ type: 'Normal', reason: 'Suspended', message: 'Job suspended' });
    return done(active);
  }
  if (wasSuspended) {
    setCondition(conditions, 'Suspended', 'False', 'JobResumed', 'Job resumed', t);
    events.push({ type: 'Normal', reason: 'Resumed', message: 'Job resumed' });
    status.startTime = t; // the deadline counts from the resume, as Kubernetes does
  }
  status.startTime ??= t;

  const backoffLimit = spec.backoffLimit ?? 6;
  const deadlineMs = spec.activeDeadlineSeconds != null ? Date.parse(status.startTime) + spec.activeDeadlineSeconds * 1000 : undefined;
  const failure =
    failed > backoffLimit ? { reason: 'BackoffLimitExceeded', message: messages.backoffLimit }
    : deadlineMs !== undefined && now.getTime() >= deadlineMs ? { reason: 'DeadlineExceeded', message: messages.deadline }
    : undefined;
  if (failure) {
    setCondition(conditions, 'FailureTarget', 'True', failure.reason, failure.message, t);
    setCondition(conditions, 'Failed', 'True', failure.reason, failure.message, t);
    events.push({ type: 'Warning', reason: failure.reason, message: failure.message });
    return done(active);
  }

  const completions = spec.completions ?? undefined;
  const complete = completions !== undefined ? succeeded >= completions : succeeded > 0 && active.length === 0;
  if (complete) {
    setCondition(conditions, 'SuccessCriteriaMet', 'True', 'CompletionsReached', messages.completions, t);
    setCondition(conditions, 'Complete', 'True', 'CompletionsReached', messages.completions, t);
    status.completionTime = t;
    events.push({ type: 'Normal', reason: 'Completed', message: 'Job completed' });
    return done(active);
  }

  const parallelism = spec.parallelism ?? 1;
  // work-queue mode (no completions): once one pod succeeded, no new pods start
  const want = Math.max(0, completions !== undefined ? Math.min(parallelism, completions - succeeded) : succeeded > 0 ? Math.min(active.length, parallelism) : parallelism);
  const requeue = deadlineMs !== undefined ? Math.max(0, deadlineMs - now.getTime()) : undefined;
  if (active.length > want) return done(rankPodsForDeletion(active, active, now).slice(0, active.length - want), 0, requeue);
  const wait = podBackoffRemaining(pods, now, opts.podBackoffBaseMs ?? 10_000);
  if (wait > 0) return done([], 0, requeue === undefined ? wait : Math.min(wait, requeue));
  return done([], want - active.length, requeue);
}
