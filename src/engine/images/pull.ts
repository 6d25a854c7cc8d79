// `docker pull`: the manifest (this platform's, when the reference names an index), the config, then the
// layers, three at a time: each streams from the registry with its digest checked on the way, is
// decompressed (gzip, zstd or plain) into the content store, where its name must be the diff id the config
// lists (layers are stored uncompressed), and is unpacked. Only when everything is in is the image written
// to the index, with its tag and repo digest: a failed pull leaves no image and removes what it brought.
import { createHash } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import type { Digest, ImageConfig, ImageRecord, PullOptions } from '../types.ts';
import { invalidArgument, isKind, notFound, unavailable, SkiffError } from '../../lib/errors.ts';
import { dockerArch } from '../../lib/platform.ts';
import { plainTar } from '../../lib/tar.ts';
import { openSession, getManifest, readBlob, isIndex, OCI_MANIFEST, OCI_CONFIG, OCI_LAYER, OCI_LAYER_GZIP, OCI_LAYER_ZSTD, DOCKER_FOREIGN_LAYER, layerCompression, type RegistrySession } from '../../lib/distribution/index.ts';
import { readBody } from '../../lib/distribution/http.ts';
import { parseReference, familiarString, tagKey, digestKey, type ImageRef } from './reference.ts';
import { deepFreeze, type Descriptor, type Manifest } from './store.ts';
import { remember } from './transfer-meta.ts';
import { DIFF_SIZE, diffSize, layerBlobs, usedDiffIds } from './layers.ts';
import { byteReporter, eachLimited, shortDigest, type ProgressFn } from './transfer-progress.ts';
import type { TransferDeps } from './transfer-deps.ts';

interface RemoteManifest {
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  manifests?: undefined;
}
interface RemoteIndex {
  mediaType?: string;
  manifests: Array<Descriptor & { platform?: { os: string; architecture: string; variant?: string } }>;
}

export async function pullImage(d: TransferDeps, ref: string, o: PullOptions, progress: ProgressFn): Promise<ImageRecord> {
  const r = parseReference(ref);
  const tag = r.digest ? undefined : (r.tag ?? 'latest');
  const want = { ...r, tag };
  const s = openSession(r.domain, { auth: o.auth, scopes: [`repository:${r.path}:pull`], signal: o.signal, insecure: d.registries.insecure, certsDir: d.registries.certsDir });
  const { manifest, digest: manifestDigest } = await platformManifest(s, want, o);
  // after the manifest, as dockerd: a missing one is an HTTP error, not a broken stream
  progress({ status: `Pulling from ${r.path}`, id: tag ?? r.digest });
  const configBytes = await readBody(readBlob(s, r.path, manifest.config.digest, { size: manifest.config.size }), 8 << 20);
  const config = parseConfig(configBytes, want);
  const layers = manifest.layers.filter((l) => l.mediaType !== DOCKER_FOREIGN_LAYER);
  if (config.rootfs.diff_ids.length !== layers.length) throw invalidArgument(`layers from manifest don't match image configuration (${layers.length} layers, ${config.rootfs.diff_ids.length} diff ids)`);
  const configDigest = manifest.config.digest as Digest;
  const before = d.index.refs.get(tag ? tagKey(want) : digestKey(want));

  const brought: Brought[] = [];
  try {
    const stored = await fetchLayers(d, s, r, layers, config.rootfs.diff_ids, brought, progress);
    await d.serialized(async () => {
      for (const l of stored) {
        if (!(await d.content.has(l.digest))) throw unavailable('a layer was removed by a concurrent image removal: pull again');
      }
      const cfg = await d.content.write(configBytes, configDigest);
      const local: Manifest = {
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: OCI_CONFIG, digest: configDigest, size: cfg.size },
        layers: stored,
      };
      const m = await d.content.write(Buffer.from(JSON.stringify(local)));
      const old = d.index.images.get(configDigest);
      // an image that is here already (built, loaded or pulled) keeps its own manifest and parent
      if (!old) d.index.images.set(configDigest, { id: configDigest, manifestDigest: m.digest, manifest: local, config: deepFreeze(config), size: stored.reduce((a, l) => a + diffSize(l), 0) });
      if (tag) d.index.refs.set(tagKey(want), configDigest);
      d.index.refs.set(digestKey({ ...r, digest: manifestDigest }), configDigest);
      await d.index.save();
    });
  } catch (err) {
    await dropBrought(d, brought);
    throw err;
  }
  progress({ status: `Digest: ${manifestDigest}` });
  const name = familiarString({ ...want, digest: tag ? undefined : r.digest });
  progress({ status: before === configDigest ? `Status: Image is up to date for ${name}` : `Status: Downloaded newer image for ${name}` });
  return d.index.record(configDigest);
}

/** The image manifest to pull: the reference's, or the platform's entry of the index it names. */
async function platformManifest(s: RegistrySession, r: ImageRef, o: PullOptions): Promise<{ manifest: RemoteManifest; digest: string }> {
  let got = await fetchManifest(s, r, r.digest ?? r.tag!);
  const top = got.digest;
  const body = JSON.parse(got.bytes.toString('utf8')) as RemoteManifest | RemoteIndex;
  if (isIndex(got.mediaType) || Array.isArray((body as RemoteIndex).manifests)) {
    const want = o.platform ?? { os: 'linux', architecture: dockerArch() };
    const entry = (body as RemoteIndex).manifests.find((m) => m.platform && m.platform.os === want.os && m.platform.architecture === want.architecture && (!want.variant || m.platform.variant === want.variant));
    if (!entry) throw notFound(`no matching manifest for ${want.os}/${want.architecture}${want.variant ? `/${want.variant}` : ''} in the manifest list entries`);
    got = await fetchManifest(s, r, entry.digest);
    return { manifest: checkManifest(JSON.parse(got.bytes.toString('utf8')) as RemoteManifest, r), digest: top };
  }
  return { manifest: checkManifest(body as RemoteManifest, r), digest: top };
}

async function fetchManifest(s: RegistrySession, r: ImageRef, ref: string) {
  try {
    return await getManifest(s, r.path, ref);
  } catch (err) {
    if (isKind(err, 'NotFound')) throw notFound(`manifest for ${familiarString({ ...r, tag: r.digest ? undefined : r.tag })} not found: ${err.message}`, err);
    if (r.domain === 'docker.io' && isKind(err, 'Unavailable')) throw unavailable(`${err.message} (Docker Hub is not reachable from here: pull from a registry you can reach, e.g. 127.0.0.1:5000/${r.path.replace(/^library\//, '')})`, err);
    throw err;
  }
}

function checkManifest(m: RemoteManifest, r: ImageRef): RemoteManifest {
  if (!m?.config?.digest || !Array.isArray(m.layers)) throw invalidArgument(`the manifest of ${familiarString(r)} is not an image manifest`);
  return m;
}

function parseConfig(bytes: Buffer, r: ImageRef): ImageConfig {
  try {
    const c = JSON.parse(bytes.toString('utf8')) as ImageConfig;
    if (c?.rootfs?.type !== 'layers' || !Array.isArray(c.rootfs.diff_ids)) throw new Error('no rootfs.diff_ids');
    c.config ??= {};
    return c;
  } catch (err) {
    throw invalidArgument(`the image config of ${familiarString(r)} is not valid: ${(err as Error).message}`, err);
  }
}

/** what a pull stored or unpacked: taken away again when it fails */
interface Brought {
  blob?: Digest;
  diffId?: Digest;
}

/**
 * Each layer not here yet: its blob stored as pulled (compressed) while it is unpacked on a worker thread,
 * which checks the plain tar's digest against the diff id. Resolves with the local manifest's layers.
 */
async function fetchLayers(d: TransferDeps, s: RegistrySession, r: ImageRef, layers: Descriptor[], diffIds: Digest[], brought: Brought[], progress: ProgressFn): Promise<Descriptor[]> {
  const here = layerBlobs(d.index.images.values());
  const stored: Descriptor[] = new Array(layers.length);
  const todo: number[] = [];
  for (let i = 0; i < layers.length; i++) {
    const id = shortDigest(layers[i].digest);
    const have = here.get(diffIds[i]);
    if (have && (await d.content.has(have.digest))) {
      stored[i] = have;
      progress({ status: 'Already exists', id });
    } else {
      progress({ status: 'Pulling fs layer', id });
      todo.push(i);
    }
  }
  for (const i of todo.slice(3)) progress({ status: 'Waiting', id: shortDigest(layers[i].digest) });
  await eachLimited(todo, 3, async (i) => {
    stored[i] = await fetchLayer(d, s, r, layers[i], diffIds[i], brought, progress);
  });
  return stored;
}

async function fetchLayer(d: TransferDeps, s: RegistrySession, r: ImageRef, layer: Descriptor, diffId: Digest, brought: Brought[], progress: ProgressFn): Promise<Descriptor> {
  const id = shortDigest(layer.digest);
  const onBytes = byteReporter(progress, id, 'Downloading', layer.size);
  const blob = readBlob(s, r.path, layer.digest, { size: layer.size, onBytes });
  // each piece is written to the content store, then handed to the unpack (the worker takes it over, no copy)
  const toUnpack = new PassThrough({ highWaterMark: 8 << 20 });
  // the unpack sees an error through its own reading; before it starts (its temp dir) nothing listens
  toUnpack.on('error', () => {});
  let opened = false;
  let plainBytes = 0;
  const unpacking = d.unpackLayer(diffId, () => {
    opened = true;
    brought.push({ diffId }); // an unpack of unverified bytes: undone if the pull fails
    return toUnpack;
  }, { verify: true, handOver: true, unpacked: (n) => (plainBytes = n) }).then(async () => {
    // unpacked already (another image's layer): the bytes' diff id is checked here instead
    if (!opened) plainBytes = await plainDigest(toUnpack, diffId);
  }, (err: unknown) => {
    blob.destroy(err as Error);
    throw err;
  });
  const storing = storeAndFeed(d, blob, toUnpack, layer.digest as Digest).then((written) => {
    if (written.created) brought.push({ blob: written.digest });
    progress({ status: 'Verifying Checksum', id });
    progress({ status: 'Download complete', id });
  });
  const [st, un] = await Promise.allSettled([storing, unpacking]);
  // the unpack's own error first when it stopped the feed (the feed then only knows that it stopped)
  if (st.status === 'rejected' && !(st.reason instanceof UnpackStopped)) throw st.reason;
  if (un.status === 'rejected') {
    const err = un.reason as unknown;
    if (err instanceof SkiffError && /^digest mismatch/.test(err.message)) throw invalidArgument(`layers from manifest don't match image configuration: layer ${layer.digest} is not ${diffId}`, err);
    throw err;
  }
  if (st.status === 'rejected') throw st.reason;
  const size = plainBytes;
  progress({ status: 'Extracting', id, progressDetail: { current: size, total: size } });
  progress({ status: 'Pull complete', id });
  await remember(d.metaDir, diffId, { registry: r.domain, repo: r.path, digest: layer.digest, mediaType: layer.mediaType, size: layer.size });
  if (layer.digest === diffId) return { mediaType: OCI_LAYER, digest: diffId, size: layer.size };
  return { mediaType: localMediaType(layer.mediaType), digest: layer.digest as Digest, size: layer.size, annotations: { [DIFF_SIZE]: String(size) } };
}

/** the plain tar's length, after checking its digest (a layer that was unpacked already) */
async function plainDigest(source: Readable, diffId: Digest): Promise<number> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const c of await plainTar(source)) {
    hash.update(c as Buffer);
    bytes += (c as Buffer).length;
  }
  const got = `sha256:${hash.digest('hex')}`;
  if (got !== diffId) throw invalidArgument(`digest mismatch: expected ${diffId}, got ${got}`);
  return bytes;
}

/** the registry's layer type as an OCI manifest names it (docker's gzip type is the same format) */
function localMediaType(mediaType: string): string {
  const c = layerCompression(mediaType);
  return c === 'gzip' ? OCI_LAYER_GZIP : c === 'zstd' ? OCI_LAYER_ZSTD : mediaType;
}

/** the feed found the unpack gone (its error is the one to report) */
class UnpackStopped extends Error {}

const BATCH = 1 << 20;

/**
 * The blob's pieces into the content store, ~1 MiB per write, and each batch, once written, on to the
 * unpack: the store is done with those buffers, so the unpack may take them over (handOver).
 */
async function storeAndFeed(d: TransferDeps, blob: Readable, toUnpack: PassThrough, digest: Digest): Promise<{ digest: Digest; size: number; created: boolean }> {
  const ingest = await d.content.ingest();
  try {
    let batch: Buffer[] = [];
    let n = 0;
    const flush = async () => {
      if (!batch.length) return;
      await ingest.write(batch);
      for (const c of batch) {
        if (toUnpack.destroyed) throw new UnpackStopped('the unpack stopped');
        if (!toUnpack.write(c)) await drained(toUnpack);
      }
      batch = [];
      n = 0;
    };
    for await (const chunk of blob) {
      batch.push(chunk as Buffer);
      n += (chunk as Buffer).length;
      if (n >= BATCH || batch.length >= 256) await flush();
    }
    await flush();
    toUnpack.end();
    return await ingest.commit(digest);
  } catch (err) {
    if (!(err instanceof UnpackStopped)) toUnpack.destroy(err as Error);
    blob.destroy();
    await ingest.abort();
    throw err;
  }
}

/** room again in `w`; an UnpackStopped when it closed meanwhile */
function drained(w: PassThrough): Promise<void> {
  return new Promise((resolve, reject) => {
    if (w.destroyed) return reject(new UnpackStopped('the unpack stopped'));
    const done = (err?: Error) => {
      w.off('drain', onDrain).off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(new UnpackStopped('the unpack stopped'));
    w.once('drain', onDrain).once('close', onClose);
  });
}

/** a failed pull takes away the blobs and unpacked layers it brought that no image uses */
async function dropBrought(d: TransferDeps, brought: Brought[]): Promise<void> {
  await d.serialized(async () => {
    const used = d.usedBlobs();
    const diffs = usedDiffIds(d.index.images.values());
    for (const b of brought) {
      if (b.blob && !used.has(b.blob)) await d.content.remove(b.blob);
      if (b.diffId && !diffs.has(b.diffId) && !used.has(b.diffId)) await d.dropLayer(b.diffId);
    }
  });
}
