// The job room: the batch/v1 Job controller (NonIndexed completion mode).
export { createJobController, jobPodLabels, jobSelector } from './controller.ts';
export { planJob, isJobFinished, podBackoffRemaining } from './plan.ts';
export type { JobPlan, JobEvent, PlanOptions } from './plan.ts';
