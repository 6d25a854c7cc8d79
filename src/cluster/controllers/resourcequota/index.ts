// The resourcequota room: the controller that keeps ResourceQuota status (hard and used) true.
export { createResourceQuotaController, resourceQuotaControllerName } from './controller.ts';
export type { ResourceQuotaOptions } from './controller.ts';
