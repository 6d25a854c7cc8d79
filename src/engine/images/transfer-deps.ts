// What pull and push need of the image service: its content store, index and queue, the snapshotter's
// unpack/remove, and the registry settings (insecure registries, certs dir, where sightings are kept).
import type { Readable } from 'node:stream';
import type { Digest } from '../types.ts';
import type { ContentStore } from './content.ts';
import type { ImageIndex } from './store.ts';
import type { UnpackOptions } from '../snapshots/index.ts';

export interface TransferDeps {
  content: ContentStore;
  index: ImageIndex;
  serialized<T>(fn: () => Promise<T>): Promise<T>;
  usedBlobs(): Set<string>;
  unpackLayer(diffId: Digest, open: () => Readable, o?: UnpackOptions): Promise<unknown>;
  /** remove an unpacked layer no image uses (a failed pull's) */
  dropLayer(diffId: Digest): Promise<void>;
  /** the directory of blob sightings (transfer-meta.ts) */
  metaDir: string;
  registries: RegistrySettings;
}

export interface RegistrySettings {
  /** registries (host[:port]) spoken to over plain HTTP besides loopback ones */
  insecure?: string[];
  /** docker's certs.d: `<dir>/<registry>/*.crt` */
  certsDir?: string;
  /** how pushed layers travel: compressed on the fly (gzip or zstd, level 1), or as stored (uncompressed tar) */
  pushCompression?: 'gzip' | 'zstd' | 'none';
}
