// The engine's contract: what the Docker API layer (engine/api) and the kubelet's RuntimeService may call.
// One file per area under ./types/; this file is the front door that names them all. Records are shaped
// after the Docker Engine API's own objects so the API layer only renames and filters; nothing in them
// knows about HTTP. The container lifecycle is drawn at the top of ./types/containers.ts.
export type * from './types/images.ts';
export type * from './types/containers.ts';
export type * from './types/health.ts';
export type * from './types/volumes.ts';
export type * from './types/host-options.ts';
export type * from './types/network.ts';
export type * from './types/events.ts';
export type * from './types/engine.ts';
export type * from './types/build.ts';
export type * from './types/distribution.ts';
/** the kubelet's seam (CRI-shaped; names overlap the Docker-shaped ones, hence a namespace) */
export type * as Cri from './types/runtime.ts';
export type { Readable, Writable, Duplex } from 'node:stream';
