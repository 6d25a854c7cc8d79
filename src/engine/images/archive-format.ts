// The shapes of an image archive (issue 10), as docker 25+ writes it: a docker-archive (manifest.json,
// repositories) that is at the same time an OCI image layout (oci-layout, index.json, blobs/sha256/…).
//
//   oci-layout       {"imageLayoutVersion":"1.0.0"}
//   index.json       OCI index: one manifest descriptor per tag (io.containerd.image.name + ref.name)
//   manifest.json    [{Config: "blobs/sha256/<id>", RepoTags: ["busybox:latest"], Layers: ["blobs/sha256/<diff id>"]}]
//   repositories     {"busybox": {"latest": "<hex of the top layer>"}} (docker's legacy file)
//   blobs/sha256/…   OCI manifests, image configs (named by the image id), layers (uncompressed: digest = diff id)
import type { Digest } from '../types.ts';
import type { Descriptor, Manifest } from './store.ts';

export const MEDIA_OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const MEDIA_OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const MEDIA_OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const MEDIA_OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar';
export const MEDIA_DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const MEDIA_DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const OCI_LAYOUT = '{"imageLayoutVersion":"1.0.0"}';
/** containerd's (and docker's) annotation for the full name of an index entry */
export const ANNOTATION_IMAGE_NAME = 'io.containerd.image.name';
export const ANNOTATION_REF_NAME = 'org.opencontainers.image.ref.name';

/** one image of manifest.json (docker's tarexport manifestItem) */
export interface ManifestItem {
  Config: string;
  RepoTags: string[] | null;
  Layers: string[];
  Parent?: string;
}

export interface OciDescriptor extends Descriptor {
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string; variant?: string };
}

export interface OciIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: OciDescriptor[];
}

/**
 * The manifest skiff keeps for a local image: OCI, layers uncompressed (digest = diff id). Import,
 * commit and load all make it this way, so the same image always has the same manifest digest.
 */
export function localManifest(config: { digest: Digest; size: number }, layers: Array<{ digest: Digest; size: number }>): Manifest {
  return {
    schemaVersion: 2,
    mediaType: MEDIA_OCI_MANIFEST,
    config: { mediaType: MEDIA_OCI_CONFIG, digest: config.digest, size: config.size },
    layers: layers.map((l) => ({ mediaType: MEDIA_OCI_LAYER, digest: l.digest, size: l.size })),
  };
}
