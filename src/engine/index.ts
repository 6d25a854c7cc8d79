// The engine's front door: what the Docker API layer, the CLI's daemon and (later) the kubelet use.
export { createEngine } from './engine.ts';
export type { EngineOptions } from './engine.ts';
export type * from './types.ts';
