// The engine's front door: what the Docker API layer, the CLI's daemon and (later) the kubelet use.
export { createEngine } from './engine.ts';
export type { EngineOptions } from './engine.ts';
export type * from './types.ts';
/** the kubelet's seam over an engine (CRI-shaped; `skiff agent` composes engine + runtime + kubelet) */
export { createRuntimeService, PAUSE_IMAGE, DEFAULT_POD_BRIDGE } from './runtime/index.ts';
export type { RuntimeOptions, CriServices } from './runtime/index.ts';
