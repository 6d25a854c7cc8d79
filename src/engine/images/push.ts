// `docker push`: each layer goes up unless the registry has it (HEAD by the digest it was last seen with
// there) or can link it from another repository of the same registry (cross-repo mount); then the config
// and an OCI manifest under the tag. A blob stored as the push wants it goes up as it is, in resumable
// chunks: a pulled layer (kept compressed, layers.ts) with the default gzip, a built one (a plain tar) with
// `pushCompression: 'none'`. Otherwise the plain tar is compressed on the fly (gzip level 1, igzip when
// installed; or zstd) while it streams up, so the digest is known only at its end (a streamed PATCH, then
// PUT ?digest=).
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { PassThrough, type Duplex } from 'node:stream';
import { createZstdCompress, constants as zlib } from 'node:zlib';
import type { Digest, PushOptions, PushResult } from '../types.ts';
import { invalidArgument, notFound } from '../../lib/errors.ts';
import { gzipStage } from '../../lib/program-stage.ts';
import { openSession, headBlob, startUpload, uploadBlob, uploadStream, putManifest, isTransient, OCI_MANIFEST, OCI_CONFIG, OCI_LAYER, OCI_LAYER_GZIP, OCI_LAYER_ZSTD, layerCompression, type RegistrySession } from '../../lib/distribution/index.ts';
import { parseReference, familiarName, fullName, digestKey, type ImageRef } from './reference.ts';
import type { Descriptor, Image } from './store.ts';
import { remember, sightings, type BlobSighting } from './transfer-meta.ts';
import { byteReporter, eachLimited, shortDigest, type ProgressFn } from './transfer-progress.ts';
import type { TransferDeps } from './transfer-deps.ts';
import { diffSize, isPlainLayer, layerTar } from './layers.ts';

/** Push `ref` (NAME[:TAG]; a NAME alone pushes every tag of that repository, as the API's empty tag does). */
export async function pushImage(d: TransferDeps, ref: string, o: PushOptions, progress: ProgressFn, allTags = false): Promise<PushResult[]> {
  const r = parseReference(ref);
  if (r.digest) throw invalidArgument(`cannot push a digest reference: "${ref}"`);
  const repoKey = fullName(r);
  const tags = allTags && !r.tag ? [...d.index.refs.keys()].filter((k) => k.startsWith(`${repoKey}:`)).map((k) => k.slice(repoKey.length + 1)) : [r.tag ?? 'latest'];
  if (!tags.length || !tags.every((t) => d.index.refs.has(`${repoKey}:${t}`))) {
    throw notFound(`An image does not exist locally with the tag: ${familiarName(r)}`);
  }
  progress({ status: `The push refers to repository [${repoKey.replace(/^docker\.io\//, 'docker.io/')}]` });
  const results: PushResult[] = [];
  for (const tag of tags) {
    const img = d.index.images.get(d.index.refs.get(`${repoKey}:${tag}`)!)!;
    results.push(await pushTag(d, { ...r, tag }, img, o, progress));
  }
  return results;
}

async function pushTag(d: TransferDeps, r: ImageRef & { tag: string }, img: Image, o: PushOptions, progress: ProgressFn): Promise<PushResult> {
  const diffIds = img.config.rootfs.diff_ids;
  const seen = await Promise.all(diffIds.map((id) => sightings(d.metaDir, id)));
  const mountFrom = new Set(seen.flat().filter((x) => x.registry === r.domain && x.repo !== r.path).map((x) => x.repo));
  const scopes = [`repository:${r.path}:pull,push`, ...[...mountFrom].slice(0, 5).map((p) => `repository:${p}:pull`)];
  const s = openSession(r.domain, { auth: o.auth, scopes, signal: o.signal, insecure: d.registries.insecure, certsDir: d.registries.certsDir });
  // layers listed top first, as docker shows them
  const order = diffIds.map((_, i) => i).reverse();
  for (const i of order) progress({ status: 'Preparing', id: shortDigest(diffIds[i]) });
  for (const i of order.slice(5)) progress({ status: 'Waiting', id: shortDigest(diffIds[i]) });
  const descriptors: Descriptor[] = new Array(diffIds.length);
  const stored = img.manifest.layers.length === diffIds.length ? img.manifest.layers : null;
  await eachLimited(order, 5, async (i) => {
    const blob = stored?.[i] ?? { mediaType: OCI_LAYER, digest: diffIds[i], size: 0 };
    descriptors[i] = await pushLayer(d, s, r, diffIds[i], blob, seen[i], progress);
  });
  const configPath = d.content.blobPath(img.id);
  const configSize = (await stat(configPath)).size;
  if ((await headBlob(s, r.path, img.id)) === null) {
    const up = await startUpload(s, r.path);
    if (!up.mounted) await uploadBlob(s, r.path, { digest: img.id, size: configSize, open: (a, b) => createReadStream(configPath, { start: a, end: b - 1 }) }, up.location);
  }
  const manifest = { schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: OCI_CONFIG, digest: img.id, size: configSize }, layers: descriptors };
  const bytes = Buffer.from(JSON.stringify(manifest));
  const digest = (await putManifest(s, r.path, r.tag, bytes, OCI_MANIFEST)) as Digest;
  progress({ status: `${r.tag}: digest: ${digest} size: ${bytes.length}` });
  // the pushed manifest's digest becomes a repo digest of the image, as docker records it
  await d.serialized(async () => {
    if (!d.index.images.has(img.id)) return;
    d.index.refs.set(digestKey({ ...r, digest }), img.id);
    await d.index.save();
  });
  return { digest, size: bytes.length, tag: r.tag };
}

async function pushLayer(d: TransferDeps, s: RegistrySession, r: ImageRef, diffId: Digest, blob: Descriptor, seen: BlobSighting[], progress: ProgressFn): Promise<Descriptor> {
  const id = shortDigest(diffId);
  const here = seen.filter((x) => x.registry === r.domain);
  const plain = d.registries.pushCompression === 'none';
  const asStored = sendsAsStored(d, blob, diffId);
  // the registry may have it already: as this repository's blob (the one we would send), or in another one to mount from
  const own = plain ? { digest: diffId, mediaType: OCI_LAYER, size: diffSize(blob) } : asStored ? { digest: blob.digest, mediaType: pushedMediaType(blob.mediaType), size: blob.size } : null;
  const mine = own ? [{ registry: r.domain, repo: r.path, ...own }] : [];
  const candidates = [...mine, ...here.filter((x) => (plain ? x.digest === diffId : x.digest !== own?.digest))];
  for (const c of candidates) {
    const size = await headBlob(s, r.path, c.digest);
    if (size !== null) {
      progress({ status: 'Layer already exists', id });
      return { mediaType: c.mediaType, digest: c.digest as Digest, size: size >= 0 ? size : c.size };
    }
  }
  for (const c of here.filter((x) => x.repo !== r.path).slice(0, 3)) {
    const up = await startUpload(s, r.path, { digest: c.digest, from: c.repo });
    if (up.mounted) {
      progress({ status: `Mounted from ${c.repo}`, id });
      await remember(d.metaDir, diffId, { ...c, repo: r.path });
      return { mediaType: c.mediaType, digest: c.digest as Digest, size: c.size };
    }
  }
  const path = d.content.blobPath(blob.digest);
  await stat(path); // a missing blob fails here, before any upload starts
  const size = asStored ? blob.size : diffSize(blob);
  let desc: Descriptor;
  // a cut connection starts the layer's upload again (docker: `Retrying in N seconds`), at most 3 times
  for (let attempt = 1; ; attempt++) {
    try {
      desc = await uploadLayer(d, s, r, blob, diffId, asStored, byteReporter(progress, id, 'Pushing', size));
      break;
    } catch (err) {
      if (s.signal?.aborted || !isTransient(err) || attempt >= 4) throw err;
      progress({ status: `Retrying in ${attempt} second${attempt > 1 ? 's' : ''}`, id });
      await sleep(attempt * 1000, undefined, { signal: s.signal });
    }
  }
  progress({ status: 'Pushed', id });
  await remember(d.metaDir, diffId, { registry: r.domain, repo: r.path, digest: desc.digest, mediaType: desc.mediaType, size: desc.size });
  return desc;
}

/** the stored blob goes up as it is: compressed as the push wants it (a pulled layer), or plain when that is wanted */
function sendsAsStored(d: TransferDeps, blob: Descriptor, diffId: Digest): boolean {
  const want = d.registries.pushCompression ?? 'gzip';
  if (isPlainLayer(blob, diffId)) return want === 'none';
  return layerCompression(blob.mediaType) === want;
}

/** the media type an OCI manifest gives the blob (docker's gzip layer type is the same format) */
function pushedMediaType(mediaType: string): string {
  const c = layerCompression(mediaType);
  return c === 'gzip' ? OCI_LAYER_GZIP : c === 'zstd' ? OCI_LAYER_ZSTD : c === 'none' ? OCI_LAYER : mediaType;
}

/**
 * One upload of a layer: its blob as stored (resumable chunks, digest known), or its plain tar compressed
 * on the fly (one streamed PATCH; the digest is known at the end).
 */
async function uploadLayer(d: TransferDeps, s: RegistrySession, r: ImageRef, blob: Descriptor, diffId: Digest, asStored: boolean, onBytes: (n: number) => void): Promise<Descriptor> {
  const up = await startUpload(s, r.path);
  if (up.mounted) throw new Error('unreachable: an upload without mount was answered as mounted');
  const path = d.content.blobPath(blob.digest);
  if (asStored) {
    const size = isPlainLayer(blob, diffId) ? (await stat(path)).size : blob.size;
    await uploadBlob(s, r.path, { digest: blob.digest, size, open: (a, b) => createReadStream(path, { start: a, end: b - 1 }), onBytes }, up.location);
    return { mediaType: isPlainLayer(blob, diffId) ? OCI_LAYER : pushedMediaType(blob.mediaType), digest: blob.digest, size };
  }
  const src = await layerTar(d.content, blob, diffId);
  src.on('data', (c: Buffer) => onBytes(c.length));
  const want = d.registries.pushCompression ?? 'gzip';
  const packer = (want === 'zstd' ? createZstdCompress({ params: { [zlib.ZSTD_c_compressionLevel]: 1 } }) : want === 'none' ? new PassThrough() : gzipStage(1)) as Duplex;
  src.on('error', (err) => packer.destroy(err));
  let sent;
  try {
    sent = await uploadStream(s, up.location, src.pipe(packer));
  } finally {
    packer.destroy(); // a failed upload leaves no compressor (igzip: a process) waiting on its output
    src.destroy();
  }
  return { mediaType: want === 'zstd' ? OCI_LAYER_ZSTD : want === 'none' ? OCI_LAYER : OCI_LAYER_GZIP, digest: sent.digest as Digest, size: sent.size };
}
