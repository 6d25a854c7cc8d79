// The compose operations' front door: a loaded Project + the Docker API (the caller's client) → containers,
// networks, volumes and images, as Docker Compose v2 makes them.
export type { OpsContext } from './context.ts';
export { up, type UpOptions } from './up.ts';
export { down, stop, start, restart, rm, stopOrder, type DownOptions, type RmOptions } from './down.ts';
export { attach } from './attach.ts';
export { createOneoff, type RunOptions } from './run.ts';
export { buildService, ensureImages, pullService, splitRef } from './images.ts';
export { prefixer, shortName, streamLogs, type LogOptions } from './logs.ts';
export { projectContainers, containerNameOf, serviceOf, numberOf, type ContainerSummary } from './docker.ts';
export { startOrder, withDependencies } from './graph.ts';
export { imageName } from './names.ts';
export { configHash } from './hash.ts';
