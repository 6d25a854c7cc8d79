// `docker load` (issue 10): receive the archive (archive-stage.ts), read what it holds (archive-read.ts),
// store each layer once — checked against its diff id, decompressed when the archive carries it gzip or
// zstd — then, under the index lock, unpack the layers and add images and tags in one index write. Any
// failure removes what this load added (blobs no image uses, unpacked layers), so a bad archive leaves
// the store as it was. Ids are kept: an image's id is its config's digest, and the config goes in byte
// for byte.
import { createReadStream } from 'node:fs';
import { open, rename, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import type { Readable } from 'node:stream';
import type { Digest, LoadOptions, LoadResult, TransferProgress } from '../types.ts';
import { SkiffError, invalidArgument, unavailable } from '../../lib/errors.ts';
import { plainTar } from '../../lib/tar.ts';
import type { ContentStore } from './content.ts';
import type { Image, ImageIndex } from './store.ts';
import { deepFreeze } from './store.ts';
import { familiarKey } from './reference.ts';
import { localManifest } from './archive-format.ts';
import { stageArchive } from './archive-stage.ts';
import { readArchive } from './archive-read.ts';
import { logger } from '../../lib/log.ts';

const log = logger('images');
import type { PlannedImage } from './archive-read.ts';

export interface LoadDeps {
  content: ContentStore;
  index: ImageIndex;
  /** where staging files go: on the content store's file system (a rename moves a layer in) and wiped at start-up */
  ingestDir: string;
  serialized<T>(fn: () => Promise<T>): Promise<T>;
  usedBlobs(): Set<string>;
  unpackLayer(diffId: Digest, open: () => Readable): Promise<unknown>;
  /** remove an unpacked layer that no image uses */
  dropLayer(diffId: Digest): Promise<void>;
  report(img: Image, action: string): void;
}

type Progress = (p: TransferProgress) => void;

export async function loadArchive(d: LoadDeps, source: Readable, opts: LoadOptions = {}, progress?: Progress): Promise<LoadResult> {
  const t0 = performance.now();
  const staged = await stageArchive(source, d.ingestDir, opts.signal);
  const t1 = performance.now();
  const created = new Set<Digest>();
  let plan: PlannedImage[] = [];
  try {
    plan = await readArchive(staged, opts);
    const sizes = new Map<Digest, number>();
    for (const img of plan) {
      for (const [i, layer] of img.layers.entries()) {
        if (!sizes.has(layer.diffId)) sizes.set(layer.diffId, await storeLayer(d, layer, i, img, created, progress));
      }
      opts.signal?.throwIfAborted();
      const c = await d.content.write(createReadStream(img.configEntry.path), img.id);
      if (c.created) created.add(img.id);
    }
    const t2 = performance.now();
    const result = await d.serialized(() => commit(d, plan, sizes, created));
    const ms = (a: number, b: number) => Math.round(b - a);
    log.debug('load', { images: plan.length, receiveMs: ms(t0, t1), storeMs: ms(t1, t2), unpackMs: ms(t2, performance.now()) });
    return result;
  } catch (err) {
    await d.serialized(() => cleanUp(d, plan, created));
    throw err;
  } finally {
    await staged.discard();
  }
}

/** Put one layer into the content store by its diff id; resolves with its uncompressed size. */
async function storeLayer(d: LoadDeps, layer: PlannedImage['layers'][number], i: number, img: PlannedImage, created: Set<Digest>, progress?: Progress): Promise<number> {
  const { entry, diffId } = layer;
  const short = diffId.slice(7, 19);
  const report = (current: number) => progress?.({ status: 'Loading layer', id: short, progressDetail: { current, total: entry.size } });
  // docker reuses a layer it already has
  if (await d.content.has(diffId)) {
    report(entry.size);
    return (await stat(d.content.blobPath(diffId))).size;
  }
  if (entry.digest === diffId) {
    // an uncompressed layer: its staged file is the blob already
    await syncFile(entry.path);
    await rename(entry.path, d.content.blobPath(diffId));
    created.add(diffId);
    report(entry.size);
    return entry.size;
  }
  let read = 0;
  let last = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      read += chunk.length;
      const now = Date.now();
      if (now - last >= 100) {
        last = now;
        report(read);
      }
      cb(null, chunk);
    },
  });
  const hash = createHash('sha256');
  const hashed = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  try {
    const plain = await plainTar(createReadStream(entry.path).pipe(counted));
    const r = await d.content.write(plain.pipe(hashed), diffId);
    if (r.created) created.add(diffId);
    report(entry.size);
    return r.size;
  } catch (err) {
    const got = `sha256:${hash.digest('hex')}`;
    if (hashed.writableFinished && got !== diffId) {
      throw invalidArgument(`invalid diffID for layer ${i} of ${img.label}: expected "${diffId}", got "${got}"`, err);
    }
    if (err instanceof SkiffError) throw err;
    throw invalidArgument(`layer ${i} of ${img.label} (${entry.name}) could not be read: ${(err as Error).message}`, err);
  }
}

async function syncFile(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Under the index lock: unpack, write manifests, add images and tags, one index write. */
async function commit(d: LoadDeps, plan: PlannedImage[], sizes: Map<Digest, number>, created: Set<Digest>): Promise<LoadResult> {
  // blobs written before the lock may have been collected meanwhile by the removal of an image sharing them
  for (const img of plan) {
    for (const digest of [img.id, ...img.layers.map((l) => l.diffId)]) {
      if (!(await d.content.has(digest))) throw unavailable('a layer was removed by a concurrent image removal: load again');
    }
  }
  for (const img of plan) {
    for (const [i, { diffId }] of img.layers.entries()) {
      try {
        await d.unpackLayer(diffId, () => d.content.read(diffId));
      } catch (err) {
        throw invalidArgument(`layer ${i} of ${img.label} is not a valid layer tar: ${(err as Error).message}`, err);
      }
    }
  }
  const messages: string[] = [];
  const loaded: Image[] = [];
  const ids = new Set(plan.map((p) => p.id));
  for (const p of plan) {
    const layers = p.config.rootfs.diff_ids.map((digest) => ({ digest, size: sizes.get(digest)! }));
    const manifest = localManifest({ digest: p.id, size: p.configEntry.size }, layers);
    const m = await d.content.write(Buffer.from(JSON.stringify(manifest)));
    if (m.created) created.add(m.digest);
    const existing = d.index.images.get(p.id);
    const parent = p.parent && ids.has(p.parent) && isPrefix(plan.find((x) => x.id === p.parent)!.config.rootfs.diff_ids, p.config.rootfs.diff_ids) ? p.parent : existing?.parent;
    const img: Image = {
      id: p.id,
      manifestDigest: m.digest,
      manifest,
      config: deepFreeze(p.config),
      size: layers.reduce((n, l) => n + l.size, 0),
      ...(parent ? { parent } : {}),
    };
    d.index.images.set(p.id, img);
    loaded.push(img);
  }
  for (const p of plan) {
    for (const key of p.tags) {
      const prev = d.index.refs.get(key);
      if (prev && prev !== p.id) messages.push(`The image ${familiarKey(key)} already exists, renaming the old one with ID ${prev} to empty string`);
      d.index.refs.set(key, p.id);
      messages.push(`Loaded image: ${familiarKey(key)}`);
    }
    if (p.tags.length === 0) messages.push(`Loaded image ID: ${p.id}`);
  }
  await d.index.save();
  for (const img of loaded) d.report(img, 'load');
  return { messages, ids: plan.map((p) => p.id) };
}

const isPrefix = (a: Digest[], b: Digest[]) => a.length <= b.length && a.every((x, i) => x === b[i]);

/** After a failure: the blobs this load added that no image uses, and the unpacked layers no image uses. */
async function cleanUp(d: LoadDeps, plan: PlannedImage[], created: Set<Digest>): Promise<void> {
  const used = d.usedBlobs();
  for (const digest of created) if (!used.has(digest)) await d.content.remove(digest);
  const usedDiffs = new Set([...d.index.images.values()].flatMap((i) => i.config.rootfs.diff_ids));
  for (const img of plan) for (const { diffId } of img.layers) if (!usedDiffs.has(diffId)) await d.dropLayer(diffId);
}

