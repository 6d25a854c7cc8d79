// Images: the content store (blobs by digest), the image index (names → images) and import.
export { createImageService, MEDIA_MANIFEST, MEDIA_CONFIG, MEDIA_LAYER } from './service.ts';
export type { EngineImageService, InUse } from './service.ts';
export { parseReference, familiarName, familiarString, tagKey } from './reference.ts';
export type { ImageRef } from './reference.ts';
export { applyChanges } from './changes.ts';
export { pruneImages, pruneSelection } from './prune.ts';
