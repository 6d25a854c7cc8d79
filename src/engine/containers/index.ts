// Containers: real containers under conmon with crun (fallback runc) — the engine's Run path.
export { createContainerService } from './service.ts';
export type { ContainerEngine, ContainerServiceOptions } from './service.ts';
export { chooseRuntime, crunBlocker } from './runtime.ts';
export type { RuntimeName } from './runtime.ts';
export { normalizeSignal } from './lifecycle.ts';
export { mergeImageConfig } from './create.ts';
