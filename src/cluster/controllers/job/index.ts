// The job room: the batch/v1 Job controller (NonIndexed completion mode).
export { createJobController, jobPodLabels, jobSelector } from './controller.ts';
export { planJob, isJobFinished } from './plan.ts';
export type { JobPlan, JobEvent } from './plan.ts';
