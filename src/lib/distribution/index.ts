// The registry client (OCI Distribution): sessions with the auth challenge flow, manifests and blobs.
export { openSession, ping, isLoopbackRegistry, call } from './client.ts';
export type { RegistrySession, SessionOptions } from './client.ts';
export { getManifest, headManifest, putManifest } from './manifests.ts';
export type { FetchedManifest } from './manifests.ts';
export { headBlob, readBlob, startUpload, uploadBlob, uploadStream, copyBlob, isTransient, CHUNK } from './blobs.ts';
export type { BlobSource } from './blobs.ts';
export { parseChallenges, basicCredentials } from './auth.ts';
export { permissionDenied } from './errors.ts';
export * from './media.ts';
export type { RegistryAuth } from './credentials.ts';
export { resolveAuthConfig } from './credentials.ts';
