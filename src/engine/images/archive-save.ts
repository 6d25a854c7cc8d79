// `docker save` (issue 10): images → one tar that docker load, skopeo's docker-archive: and oci-archive:
// all read (see archive-format.ts). Names are resolved and every blob is found before the stream starts,
// so a missing image is an error, not a truncated tar; the blobs then stream from the content store one
// after the other (never a whole layer in memory).
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tarStream from 'tar-stream';
import type { Headers } from 'tar-stream';
import type { Digest, SaveOptions } from '../types.ts';
import { errnoCode, invalidArgument, notFound } from '../../lib/errors.ts';
import { shortId } from '../../lib/ids.ts';
import type { ContentStore } from './content.ts';
import { digestOf } from './content.ts';
import type { Descriptor, Image, ImageIndex } from './store.ts';
import { diffSize, isPlainLayer, layerTar } from './layers.ts';
import { parseReference, familiarName, familiarString, fullName, tagKey } from './reference.ts';
import { ANNOTATION_IMAGE_NAME, ANNOTATION_REF_NAME, MEDIA_OCI_INDEX, MEDIA_OCI_MANIFEST, OCI_LAYOUT, localManifest } from './archive-format.ts';
import type { ManifestItem, OciDescriptor, OciIndex } from './archive-format.ts';

export interface SaveDeps {
  content: ContentStore;
  index: ImageIndex;
  resolve(ref: string): { img: Image; key?: string };
}

interface Selected {
  img: Image;
  /** tag keys (`docker.io/library/busybox:latest`) saved with it */
  tags: string[];
  /** the first name it was asked by (for messages) */
  ref: string;
}

/** Which images and tags `refs` name, docker's way (moby tarexport parseNames). */
export function selectImages(d: SaveDeps, refs: string[], opts: SaveOptions = {}): Selected[] {
  if (refs.length === 0) throw invalidArgument('no image names given');
  const out = new Map<Digest, Selected>();
  const add = (img: Image, ref: string, key?: string) => {
    let s = out.get(img.id);
    if (!s) out.set(img.id, (s = { img, tags: [], ref }));
    if (key && !s.tags.includes(key)) s.tags.push(key);
  };
  for (const ref of refs) {
    let parsed;
    try {
      parsed = /^(sha256:)?[a-f0-9]{64}$/.test(ref) ? null : parseReference(ref);
    } catch (err) {
      if (!/^(sha256:)?[a-f0-9]+$/.test(ref)) throw err;
    }
    if (parsed && !parsed.tag && !parsed.digest) {
      // a bare name saves every tag of that repository
      const prefix = `${fullName(parsed)}:`;
      const keys = [...d.index.refs.keys()].filter((k) => k.startsWith(prefix) && !/[:/@]/.test(k.slice(prefix.length))).sort();
      for (const k of keys) add(d.index.images.get(d.index.refs.get(k)!)!, ref, k);
      if (keys.length) continue;
    }
    const { img } = d.resolve(ref);
    add(img, ref, parsed?.tag && !parsed.digest ? tagKey(parsed) : undefined);
  }
  const want = opts.platform;
  if (want) {
    for (const { img, ref } of out.values()) {
      const { os, architecture, variant } = img.config as { os: string; architecture: string; variant?: string };
      if (os !== want.os || architecture !== want.architecture || (want.variant && variant !== want.variant)) {
        const w = [want.os, want.architecture, want.variant].filter(Boolean).join('/');
        const a = [os, architecture, variant].filter(Boolean).join('/');
        throw notFound(`image with reference ${ref} was found but does not match the specified platform: wanted ${w}, actual: ${a}`);
      }
    }
  }
  return [...out.values()];
}

interface Blob {
  digest: Digest;
  size: number;
  /** small blobs (manifests) are made here; the rest stream from the content store */
  data?: Buffer;
  /** a layer kept compressed (pulled): its plain tar is what the archive holds */
  layer?: Descriptor;
  mtime: Date;
}

async function blobSize(content: ContentStore, digest: Digest, what: string): Promise<number> {
  try {
    return (await stat(content.blobPath(digest))).size;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') throw notFound(`${what} ${digest} is missing from the content store`, err);
    throw err;
  }
}

/** The archive of `selected`, as a stream; resolves once every blob it needs is known to be there. */
export async function saveArchive(d: SaveDeps, selected: Selected[]): Promise<Readable> {
  const blobs = new Map<Digest, Blob>();
  const items: ManifestItem[] = [];
  const descriptors: OciDescriptor[] = [];
  const repositories: Record<string, Record<string, string>> = {};
  const ids = new Set(selected.map((s) => s.img.id));
  const configs: Blob[] = [];
  const layers: Blob[] = [];
  for (const { img, tags } of selected) {
    const mtime = new Date(img.config.created ?? 0);
    const diffIds = img.config.rootfs.diff_ids;
    const sizes: number[] = [];
    for (const [i, diffId] of diffIds.entries()) {
      const stored = img.manifest.layers.length === diffIds.length && !isPlainLayer(img.manifest.layers[i], diffId) ? img.manifest.layers[i] : undefined;
      if (stored && !blobs.has(diffId)) await blobSize(d.content, stored.digest, `layer of image ${shortId(img.id)}:`);
      const size = blobs.get(diffId)?.size ?? (stored ? diffSize(stored) : await blobSize(d.content, diffId, `layer of image ${shortId(img.id)}:`));
      sizes.push(size);
      if (!blobs.has(diffId)) {
        const b = { digest: diffId, size, mtime, layer: stored };
        blobs.set(diffId, b);
        layers.push(b);
      }
    }
    const configSize = await blobSize(d.content, img.id, 'image config');
    const config = { digest: img.id, size: configSize, mtime };
    if (!blobs.has(img.id)) configs.push(config);
    blobs.set(img.id, config);
    const manifest = Buffer.from(JSON.stringify(localManifest(config, diffIds.map((digest, i) => ({ digest, size: sizes[i] })))));
    const manifestDigest = digestOf(manifest);
    blobs.set(manifestDigest, { digest: manifestDigest, size: manifest.length, data: manifest, mtime: new Date(0) });
    const { os, architecture, variant } = img.config as { os: string; architecture: string; variant?: string };
    const platform = { architecture, os, ...(variant ? { variant } : {}) };
    const base: OciDescriptor = { mediaType: MEDIA_OCI_MANIFEST, digest: manifestDigest, size: manifest.length };
    const repoTags: string[] = [];
    for (const key of tags) {
      const r = parseReference(key);
      repoTags.push(familiarString(r));
      (repositories[familiarName(r)] ??= {})[r.tag!] = diffIds.length ? diffIds[diffIds.length - 1].slice(7) : '';
      descriptors.push({ ...base, annotations: { [ANNOTATION_IMAGE_NAME]: key, [ANNOTATION_REF_NAME]: r.tag! }, platform });
    }
    // docker leaves an untagged image out of index.json; listed, an OCI tool can still find it
    if (tags.length === 0) descriptors.push({ ...base, platform });
    items.push({
      Config: `blobs/sha256/${img.id.slice(7)}`,
      RepoTags: repoTags.length ? repoTags : null,
      Layers: diffIds.map((l) => `blobs/sha256/${l.slice(7)}`),
      ...(img.parent && ids.has(img.parent) ? { Parent: img.parent } : {}),
    });
  }
  const index: OciIndex = { schemaVersion: 2, mediaType: MEDIA_OCI_INDEX, manifests: descriptors };
  const meta: Array<[string, string]> = [
    ['oci-layout', OCI_LAYOUT],
    ['index.json', JSON.stringify(index)],
    ['manifest.json', JSON.stringify(items) + '\n'],
  ];
  if (Object.keys(repositories).length) meta.push(['repositories', JSON.stringify(repositories) + '\n']);
  const manifests = [...blobs.values()].filter((b) => b.data);
  return packArchive(d.content, meta, [...manifests, ...configs, ...layers]);
}

/** The metadata files first (a streaming reader learns what is coming), then the blobs. */
function packArchive(content: ContentStore, meta: Array<[string, string]>, blobs: Blob[]): Readable {
  const pack = tarStream.pack();
  const epoch = new Date(0);
  const entry = (h: Headers, data?: Buffer) =>
    new Promise<void>((resolve, reject) => {
      const done = (err?: Error | null) => (err ? reject(err) : resolve());
      if (data) pack.entry(h, data, done);
      else pack.entry(h, done);
    });
  const owner = { uid: 0, gid: 0, uname: '', gname: '' };
  (async () => {
    for (const [name, text] of meta) await entry({ name, mode: 0o644, mtime: epoch, type: 'file', ...owner }, Buffer.from(text));
    await entry({ name: 'blobs/', mode: 0o755, mtime: epoch, type: 'directory', ...owner });
    await entry({ name: 'blobs/sha256/', mode: 0o755, mtime: epoch, type: 'directory', ...owner });
    for (const b of blobs) {
      const h: Headers = { name: `blobs/sha256/${b.digest.slice(7)}`, mode: 0o644, mtime: b.mtime, type: 'file', size: b.size, ...owner };
      if (b.data) await entry(h, b.data);
      // the tar entry's size was named before its bytes: a plain tar of another length fails the save
      else if (b.layer) await pipeline(await layerTar(content, b.layer, b.digest), pack.entry(h));
      // 1 MiB reads: a 100 MB layer in 100 chunks instead of 1,600 (each a trip through tar, HTTP and the socket)
      else await pipeline(createReadStream(content.blobPath(b.digest), { highWaterMark: 1 << 20 }), pack.entry(h));
    }
    pack.finalize();
  })().catch((err) => pack.destroy(err));
  return Readable.from(pack as unknown as AsyncIterable<Buffer>, { objectMode: false });
}
