// The ImageService: import, tag, remove, list and resolve images over the content store, the index and
// the snapshotter (which unpacks each layer once).
//
// Layers are stored as UNCOMPRESSED tar blobs (application/vnd.oci.image.layer.v1.tar): the blob digest is
// then the diff id, import needs no gzip pass (the slow part of `docker import`), and unpacking reads
// straight from the page cache. Pushing later compresses on the way out.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Digest, EventSink, ImageConfig, ImageRecord, ImageService, ImportOptions, RemovedImage } from '../types.ts';
import { SkiffError, conflict, invalidArgument, notFound, unavailable } from '../../lib/errors.ts';
import { packTar, plainTar } from '../../lib/tar.ts';
import { createSnapshotter } from '../snapshots/index.ts';
import type { OverlaySnapshotter, UnpackOptions } from '../snapshots/index.ts';
import { createContentStore, isDigest } from './content.ts';
import type { ContentStore } from './content.ts';
import { applyChanges } from './changes.ts';
import { loadIndex, deepFreeze } from './store.ts';
import { commitUpper } from './commit.ts';
import { goArch } from '../../lib/platform.ts';
import type { Image, ImageIndex, Manifest } from './store.ts';
import { parseReference, tagKey, digestKey, familiarString, fullName } from './reference.ts';
import { shortId } from '../../lib/ids.ts';
import { saveArchive, selectImages } from './archive-save.ts';
import { loadArchive } from './archive-load.ts';
import { pullImage } from './pull.ts';
import { pushImage } from './push.ts';
import { loginCheck } from './login.ts';
import type { RegistrySettings, TransferDeps } from './transfer-deps.ts';

export const MEDIA_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const MEDIA_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const MEDIA_LAYER = 'application/vnd.oci.image.layer.v1.tar';

/** `isInUse` may name the container (its id) instead of just saying true: the conflict message then shows it. */
export type InUse = (id: Digest) => boolean | string;

export interface EngineImageService extends ImageService {
  remove(ref: string, opts: { force: boolean; noPrune?: boolean; isInUse: InUse }): Promise<RemovedImage[]>;
  layerPaths(id: Digest): Promise<string[]>;
}


/** docker's image event attributes: the image's labels and `name` */
function reportImage(events: EventSink | undefined, img: { id: Digest; config: ImageConfig }, action: string, name: string = img.id): void {
  events?.emit('image', action, { id: img.id, attributes: { ...(img.config.config?.Labels ?? {}), name } });
}

export async function createImageService(opts: { root: string; snapshotter?: OverlaySnapshotter; events?: EventSink; registries?: RegistrySettings }): Promise<EngineImageService> {
  const content = await createContentStore(join(opts.root, 'content'));
  const index = await loadIndex(join(opts.root, 'images'), content);
  const snapshots = opts.snapshotter ?? createSnapshotter({ root: opts.root });
  const unpacked = new Set<string>(); // diff ids known to be unpacked: layerPaths stays cheap
  let queue: Promise<unknown> = Promise.resolve();
  /** index changes one at a time; memory is rolled back when the write fails */
  const serialized = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(async () => {
      const images = new Map(index.images);
      const refs = new Map(index.refs);
      try {
        return await fn();
      } catch (err) {
        restore(index, images, refs);
        throw err;
      }
    });
    queue = run.catch(() => {});
    return run;
  };

  /** the image `ref` names, and the reference key when it was found by name rather than by id */
  function resolve(ref: string): { img: Image; key?: string } {
    const full = /^sha256:[a-f0-9]{64}$/.test(ref) ? ref : /^[a-f0-9]{64}$/.test(ref) ? `sha256:${ref}` : null;
    if (full) {
      const img = index.images.get(full as Digest);
      if (img) return { img };
    }
    let parsed;
    try {
      parsed = full ? null : parseReference(ref);
    } catch (err) {
      if (!/^(sha256:)?[a-f0-9]+$/.test(ref)) throw err;
    }
    if (parsed) {
      const key = parsed.digest ? digestKey(parsed) : tagKey(parsed);
      const id = index.refs.get(key);
      if (id) return { img: index.images.get(id)!, key };
      // name@digest also finds an image by its manifest digest
      if (parsed.digest) for (const img of index.images.values()) if (img.manifestDigest === parsed.digest) return { img, key };
    }
    const m = /^(?:sha256:)?([a-f0-9]{1,64})$/.exec(ref);
    if (m) {
      const found = [...index.images.keys()].filter((id) => id.startsWith(`sha256:${m[1]}`));
      if (found.length > 1) throw invalidArgument(`multiple IDs found with provided prefix: ${ref}`);
      if (found.length === 1) return { img: index.images.get(found[0])! };
    }
    throw notFound(`No such image: ${parsed ? familiarString({ ...parsed, tag: parsed.digest ? parsed.tag : (parsed.tag ?? 'latest') }) : ref}`);
  }

  async function importRootfs(source: Readable | string, o: ImportOptions): Promise<ImageRecord> {
    const target = o.ref ? parseTarget(o.ref) : undefined;
    const base = applyChanges({}, o.changes ?? []); // bad changes fail before any work
    let tar: Readable;
    if (typeof source === 'string') {
      const st = await stat(source).catch(() => null);
      if (!st) throw notFound(`${source}: no such file or directory`);
      tar = st.isDirectory() ? packTar(source) : await plainTar(createReadStream(source));
    } else tar = await plainTar(source);
    // the upload runs outside the index queue (a slow client must not hold up tag/rmi); what follows,
    // inside it, cannot race with a removal collecting the same blob or layer
    const layer = await content.write(tar);
    const id = await serialized(async () => {
      if (!(await content.has(layer.digest))) throw unavailable('the layer was removed by a concurrent image removal: import again');
      try {
        await snapshots.unpackLayer(layer.digest, () => content.read(layer.digest));
        unpacked.add(layer.digest);
      } catch (err) {
        if (layer.created && !usedBlobs().has(layer.digest)) await content.remove(layer.digest);
        throw err instanceof SkiffError ? err : invalidArgument(`the root filesystem is not a valid tar archive: ${(err as Error).message}`, err);
      }
      const created = new Date().toISOString();
      const config: ImageConfig = {
        architecture: goArch[o.platform?.architecture ?? process.arch] ?? o.platform?.architecture ?? process.arch,
        os: o.platform?.os ?? 'linux',
        created,
        config: base,
        rootfs: { type: 'layers', diff_ids: [layer.digest] },
        history: [{ created, comment: o.message || `Imported from ${typeof source === 'string' ? source : '-'}` }],
      };
      const configBlob = await content.write(Buffer.from(JSON.stringify(config)));
      const manifest: Manifest = {
        schemaVersion: 2,
        mediaType: MEDIA_MANIFEST,
        config: { mediaType: MEDIA_CONFIG, digest: configBlob.digest, size: configBlob.size },
        layers: [{ mediaType: MEDIA_LAYER, digest: layer.digest, size: layer.size }],
      };
      const manifestBlob = await content.write(Buffer.from(JSON.stringify(manifest)));
      const id = configBlob.digest;
      index.images.set(id, { id, manifestDigest: manifestBlob.digest, manifest, config: deepFreeze(config), size: layer.size });
      if (target) index.refs.set(target, id);
      await index.save();
      return id;
    });
    const rec = index.record(id);
    if (target) reportImage(opts.events, rec, 'tag', familiarString(parseReference(target)));
    reportImage(opts.events, rec, 'import');
    return rec;
  }

  function parseTarget(ref: string): string {
    const r = parseReference(ref);
    if (r.digest) throw invalidArgument(`refusing to create a tag with a digest reference: "${ref}"`);
    return tagKey(r);
  }

  /** blobs still referenced by some image */
  function usedBlobs(): Set<string> {
    const used = new Set<string>();
    for (const img of index.images.values()) {
      used.add(img.id).add(img.manifestDigest);
      for (const l of img.manifest.layers) used.add(l.digest);
    }
    return used;
  }

  /** delete the blobs and unpacked layers of a removed image that no remaining image shares */
  async function collect(gone: Image): Promise<void> {
    const used = usedBlobs();
    const diffIds = new Set([...index.images.values()].flatMap((i) => i.config.rootfs.diff_ids));
    for (const d of [gone.id, gone.manifestDigest, ...gone.manifest.layers.map((l) => l.digest)]) {
      if (!used.has(d)) await content.remove(d);
    }
    for (const diffId of gone.config.rootfs.diff_ids) {
      if (diffIds.has(diffId)) continue;
      unpacked.delete(diffId);
      await snapshots.removeLayer(diffId);
    }
  }

  async function remove(ref: string, o: { force: boolean; noPrune?: boolean; isInUse: InUse }): Promise<RemovedImage[]> {
    const { out, img } = await removeLocked(ref, o);
    for (const r of out) reportImage(opts.events, img, r.Deleted ? 'delete' : 'untag');
    return out;
  }

  function removeLocked(ref: string, o: { force: boolean; noPrune?: boolean; isInUse: InUse }): Promise<{ out: RemovedImage[]; img: Image }> {
    return serialized(async () => {
      const { img, key } = resolve(ref);
      const id = img.id;
      const refs = index.refsOf(id);
      const user = o.isInUse(id);
      const container = typeof user === 'string' ? `container ${shortId(user)}` : 'a container';
      const out: RemovedImage[] = [];
      const repos = new Set(refs.map((k) => fullName(parseReference(k))));
      if (key) {
        if (!o.force && refs.length === 1 && user) {
          throw conflict(`conflict: unable to remove repository reference "${ref}" (must force) - ${container} is using its referenced image ${shortId(id)}`);
        }
        index.refs.delete(key);
        out.push({ Untagged: familiarString(parseReference(key)) });
        // docker: the last tag of a repository takes that repository's digest references with it
        const others = untagDigestsOfRepo(key, refs);
        for (const k of others) out.push({ Untagged: familiarString(parseReference(k)) });
        if (refs.length - others.length > 1) {
          await index.save();
          return { out, img };
        }
      } else {
        if (repos.size > 1 && !o.force) {
          throw conflict(`conflict: unable to delete ${shortId(id)} (must be forced) - image is referenced in multiple repositories`);
        }
        if (user && !o.force) {
          throw conflict(`conflict: unable to delete ${shortId(id)} (must be forced) - image is being used by ${container}`);
        }
        for (const k of refs) {
          index.refs.delete(k);
          out.push({ Untagged: familiarString(parseReference(k)) });
        }
      }
      // a container still runs on these layers: the image stays, untagged (<none>), until it is unused
      if (user) {
        await index.save();
        return { out, img };
      }
      index.images.delete(id);
      out.push({ Deleted: id });
      const parents = o.noPrune ? [] : untaggedParents(img, o.isInUse);
      for (const p of parents) {
        index.images.delete(p.id);
        out.push({ Deleted: p.id });
      }
      await index.save();
      for (const gone of [img, ...parents]) await collect(gone);
      return { out, img };
    });
  }

  /**
   * docker's rmi prunes parents: the chain of untagged images below a removed one (a build's step images),
   * up to one that is tagged, used by a container, or a parent of another image too.
   */
  function untaggedParents(img: Image, isInUse: InUse): Image[] {
    const chain: Image[] = [];
    const gone = new Set([img.id]);
    for (let p = img.parent; p; ) {
      const parent = index.images.get(p);
      if (!parent || index.refsOf(p).length || isInUse(p)) break;
      if ([...index.images.values()].some((i) => i.parent === p && !gone.has(i.id))) break;
      chain.push(parent);
      gone.add(p);
      p = parent.parent;
    }
    return chain;
  }

  /** after untagging tag `key`: the digest refs of its repository when no tag of it is left (removed from the index) */
  function untagDigestsOfRepo(key: string, refs: string[]): string[] {
    if (key.includes('@')) return [];
    const repo = fullName(parseReference(key));
    const sameRepo = (k: string) => fullName(parseReference(k)) === repo;
    if (refs.some((k) => k !== key && !k.includes('@') && sameRepo(k))) return [];
    const gone = refs.filter((k) => k.includes('@') && sameRepo(k));
    for (const k of gone) index.refs.delete(k);
    return gone;
  }

  async function layerPaths(id: Digest): Promise<string[]> {
    const img = index.images.get(id) ?? resolve(id).img;
    const paths: string[] = [];
    const { diff_ids } = img.config.rootfs;
    for (let i = 0; i < diff_ids.length; i++) {
      const diffId = diff_ids[i];
      if (!unpacked.has(diffId)) {
        // unpacked on import; again from the blob after a crash or a manual clean-up
        const blob = img.manifest.layers[i]?.digest;
        if (!blob || !isDigest(blob)) throw notFound(`layer ${i} of image ${shortId(id)} is missing`);
        // a pulled layer's blob is compressed: its plain tar is checked against the diff id on the way
        await snapshots.unpackLayer(diffId, () => content.read(blob), { verify: blob !== diffId });
        unpacked.add(diffId);
      }
      paths.push(snapshots.layerPath(diffId));
    }
    return paths;
  }

  return {
    list: async () => [...index.images.keys()].map((id) => index.record(id)).sort((a, b) => (a.created < b.created ? 1 : -1)),
    get: async (ref) => index.record(resolve(ref).img.id),
    importRootfs,
    tag: (source, target) =>
      serialized(async () => {
        const { img } = resolve(source);
        const key = parseTarget(target);
        // a rebuild tags the same image again: nothing changed, so no index write (two fsyncs)
        if (index.refs.get(key) !== img.id) {
          index.refs.set(key, img.id);
          await index.save();
        }
        reportImage(opts.events, img, 'tag', familiarString(parseReference(key)));
      }),
    remove,
    layerPaths,
    async commit(upper, o) {
      const unpackLayer = async (diffId: Digest, open: () => Readable) => {
        await snapshots.unpackLayer(diffId, open);
        unpacked.add(diffId);
      };
      const deps = { content, index, serialized, usedBlobs, parseTarget, unpackLayer };
      const id = await commitUpper(deps, upper, o.parent ? resolve(o.parent).img : null, o);
      const rec = index.record(id);
      if (o.ref) reportImage(opts.events, rec, 'tag', familiarString(parseReference(parseTarget(o.ref))));
      return rec;
    },
    // ---- save/load (issue 10): archive-save.ts, archive-load.ts
    async save(refs, o) {
      const selected = selectImages({ content, index, resolve }, refs, o);
      const stream = await saveArchive({ content, index, resolve }, selected);
      for (const { img } of selected) reportImage(opts.events, img, 'save');
      return stream;
    },
    load(tar, o, progress) {
      const dropLayer = async (diffId: Digest) => {
        unpacked.delete(diffId);
        await snapshots.removeLayer(diffId);
      };
      const unpackLayer = async (diffId: Digest, open: () => Readable) => {
        await snapshots.unpackLayer(diffId, open);
        unpacked.add(diffId);
      };
      const report = (img: Image, action: string) => reportImage(opts.events, img, action);
      return loadArchive({ content, index, ingestDir: join(opts.root, 'content', 'ingest'), serialized, usedBlobs, unpackLayer, dropLayer, report }, tar, o, progress);
    },
    async pull(ref, o, progress) {
      const rec = await pullImage(transferDeps(), ref, o, progress);
      reportImage(opts.events, rec, 'pull', ref);
      return rec;
    },
    async push(ref, o, progress) {
      const out = await pushImage(transferDeps(), ref, o, progress, o.allTags);
      reportImage(opts.events, resolve(ref.includes(':') || !o.allTags ? ref : `${ref}:${out[0]?.tag}`).img, 'push', ref);
      return out;
    },
    login: (auth, signal) => loginCheck(auth, opts.registries ?? {}, signal),
  };

  function transferDeps(): TransferDeps {
    const unpackLayer = async (diffId: Digest, open: () => Readable, o?: UnpackOptions) => {
      await snapshots.unpackLayer(diffId, open, o);
      unpacked.add(diffId);
    };
    const dropLayer = async (diffId: Digest) => {
      unpacked.delete(diffId);
      await snapshots.removeLayer(diffId);
    };
    return { content, index, serialized, usedBlobs, unpackLayer, dropLayer, metaDir: join(opts.root, 'distribution'), registries: opts.registries ?? {} };
  }
}

function restore(index: ImageIndex, images: Map<Digest, Image>, refs: Map<string, Digest>): void {
  index.images.clear();
  for (const [k, v] of images) index.images.set(k, v);
  index.refs.clear();
  for (const [k, v] of refs) index.refs.set(k, v);
  index.invalidate();
}

export type { ContentStore };
