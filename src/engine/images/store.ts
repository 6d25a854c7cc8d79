// The image index: which images exist and which names point at them. One JSON file
// (ENGINE_ROOT/images/index.json) written atomically on every change, and held in memory with each
// image's manifest and config, so lookups (`get`, on the hot path of `docker run`) touch no disk.
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import type { Digest, ImageConfig, ImageRecord } from '../types.ts';
import { writeJsonAtomic } from '../../lib/atomic.ts';
import { errnoCode } from '../../lib/errors.ts';
import { logger } from '../../lib/log.ts';
import type { ContentStore } from './content.ts';
import { familiarKey } from './reference.ts';
import { diffSize } from './layers.ts';

const log = logger('images');

export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  annotations?: Record<string, string>;
}

export interface Manifest {
  schemaVersion: 2;
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
}

interface IndexFile {
  version: 1;
  /** image id (config digest) → its manifest and uncompressed size */
  images: Record<string, { manifest: Digest; size: number; parent?: Digest }>;
  /** `docker.io/library/busybox:latest` or `…@sha256:…` → image id */
  refs: Record<string, Digest>;
}

export interface Image {
  id: Digest;
  manifestDigest: Digest;
  manifest: Manifest;
  config: ImageConfig;
  size: number;
  /** the image this one was committed on (a build step's parent, docker's Parent); absent for imported and pulled images */
  parent?: Digest;
}

export interface ImageIndex {
  images: Map<Digest, Image>;
  /** full reference key → image id */
  refs: Map<string, Digest>;
  /** the record of an image as the API shows it (repoTags familiar, `busybox:latest`) */
  record(id: Digest): ImageRecord;
  refsOf(id: Digest): string[];
  /** forget cached records (after names or images changed in memory) */
  invalidate(): void;
  save(): Promise<void>;
}

export async function loadIndex(dir: string, content: ContentStore): Promise<ImageIndex> {
  const path = join(dir, 'index.json');
  let file: IndexFile = { version: 1, images: {}, refs: {} };
  try {
    file = JSON.parse(await readFile(path, 'utf8')) as IndexFile;
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
  const images = new Map<Digest, Image>();
  for (const [id, entry] of Object.entries(file.images)) {
    try {
      const manifest = await content.readJson<Manifest>(entry.manifest);
      const config = deepFreeze(await content.readJson<ImageConfig>(id as Digest));
      images.set(id as Digest, { id: id as Digest, manifestDigest: entry.manifest, manifest, config, size: entry.size, ...(entry.parent ? { parent: entry.parent } : {}) });
    } catch (err) {
      log.warn('dropping an image whose blobs are missing', { id, err });
    }
  }
  const refs = new Map<string, Digest>();
  for (const [key, id] of Object.entries(file.refs)) if (images.has(id)) refs.set(key, id);

  // records are rebuilt only when names change; `get` hands out shallow copies of these
  const records = new Map<Digest, ImageRecord>();
  const refsOf = (id: Digest) => [...refs].filter(([, v]) => v === id).map(([k]) => k).sort();
  const record = (id: Digest): ImageRecord => {
    let r = records.get(id);
    if (!r) {
      const img = images.get(id)!;
      const mine = refsOf(id);
      r = {
        id,
        repoTags: mine.filter((k) => !k.includes('@')).map(familiarKey),
        repoDigests: mine.filter((k) => k.includes('@')).map(familiarKey),
        manifestDigest: img.manifestDigest,
        config: img.config,
        size: img.size,
        created: img.config.created ?? '1970-01-01T00:00:00Z',
        layerSizes: img.manifest.layers.map(diffSize),
        ...(img.parent && images.has(img.parent) ? { parent: img.parent } : {}),
      };
      records.set(id, r);
    }
    return { ...r, repoTags: [...r.repoTags], repoDigests: [...r.repoDigests], layerSizes: r.layerSizes && [...r.layerSizes] };
  };

  return {
    images,
    refs,
    record,
    refsOf,
    invalidate: () => records.clear(),
    async save() {
      records.clear();
      const out: IndexFile = { version: 1, images: {}, refs: {} };
      for (const [id, img] of images) out.images[id] = { manifest: img.manifestDigest, size: img.size, ...(img.parent ? { parent: img.parent } : {}) };
      for (const [k, id] of [...refs].sort(([a], [b]) => (a < b ? -1 : 1))) out.refs[k] = id;
      await writeJsonAtomic(path, out);
    },
  };
}

/** configs are shared by every record handed out: frozen so no caller can change one for the others */
export function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}
