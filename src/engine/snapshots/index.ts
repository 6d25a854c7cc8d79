// Snapshots: image layers unpacked once, and per-container overlay root filesystems over them.
export { createSnapshotter } from './snapshotter.ts';
export type { OverlaySnapshotter, LayerStore, UnpackOptions } from './snapshotter.ts';
export { isMounted } from './mounts.ts';
