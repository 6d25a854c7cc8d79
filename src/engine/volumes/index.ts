// Volumes: docker's `local` driver (plain directories, or a filesystem from `type/device/o` options).
export { createVolumeService, anonymousLabel } from './service.ts';
export type { VolumeServiceOptions } from './service.ts';
export { checkVolumeName } from './local.ts';
