// The cronjob room: the batch/v1 CronJob controller and its schedule arithmetic.
export { createCronJobController } from './controller.ts';
export { mostRecentScheduleTime, nextScheduleDelayMs, jobFromTemplate, jobNameFor, scheduleOf, scheduledTimestampAnnotation } from './schedule.ts';
