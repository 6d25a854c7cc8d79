// Manifests in a repository: put (checked: shape, digest, every referenced blob/manifest present),
// resolve by tag or digest, delete, and the subject links the referrers API reads.
import { createHash } from 'node:crypto';
import { readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { errnoCode } from '../lib/errors.ts';
import { writeFileAtomic } from '../lib/atomic.ts';
import { blobSize, exists, putBlobBytes, repoBlobSize, touchBlobs } from './blobs.ts';
import { registryError } from './errors.ts';
import type { Layout } from './layout.ts';
import { parseManifest, type Descriptor } from './manifest-format.ts';
import { isTag, looksLikeDigest, parseDigest, parseTag, tryParseDigest, type Digest, type RepoName } from './names.ts';

export interface StoredManifest {
  digest: Digest;
  mediaType: string;
  size: number;
}

export interface PutResult {
  digest: Digest;
  subject?: Digest;
}

const manifestUnknown = (name: RepoName, reference: string) =>
  registryError('MANIFEST_UNKNOWN', 'manifest unknown', { detail: { name, reference } });

/** Store a manifest under a tag or its digest. The bytes are kept exactly as sent (their digest is the id). */
export async function putManifest(layout: Layout, name: RepoName, reference: string, bytes: Buffer, contentType: string): Promise<PutResult> {
  const byDigest = looksLikeDigest(reference) ? parseDigest(reference) : undefined;
  if (!byDigest) parseTag(reference);
  const parsed = parseManifest(bytes, contentType);
  const algorithm = byDigest?.algorithm ?? 'sha256';
  const hex = createHash(algorithm).update(bytes).digest('hex');
  const digest: Digest = { algorithm, hex, text: `${algorithm}:${hex}` };
  if (byDigest && byDigest.hex !== hex) {
    throw registryError('DIGEST_INVALID', 'provided digest did not match uploaded content', { detail: { expected: byDigest.text, actual: digest.text } });
  }
  // touch, then check: a gc sweeping meanwhile either sees the blobs young and keeps them, or has moved
  // them aside already and this check fails cleanly (gc.ts removeUnlessTouched)
  await touchBlobs(layout, [...parsed.blobs, ...parsed.manifests]);
  await checkReferences(layout, name, parsed.blobs, parsed.manifests);
  // the bytes and the repository's link go to disk at once (each synced: a link without its blob reads as
  // unknown, and gc skips it); the tag, which makes them reachable by name, only once both are there
  await Promise.all([storeManifestBytes(layout, bytes, digest), linkManifest(layout, name, digest, parsed.mediaType)]);
  if (parsed.subject) await linkReferrer(layout, name, parsed.subject, digest);
  if (!byDigest) await writeFileAtomic(layout.tag(name, reference), digest.text);
  return { digest, subject: parsed.subject };
}

async function storeManifestBytes(layout: Layout, bytes: Buffer, digest: Digest): Promise<void> {
  if ((await blobSize(layout, digest)) !== bytes.length) await putBlobBytes(layout, bytes, digest);
  else await touchBlobs(layout, [digest]);
}

async function linkManifest(layout: Layout, name: RepoName, digest: Digest, mediaType: string): Promise<void> {
  const link = layout.manifestLink(name, digest);
  if (!(await exists(link))) await writeFileAtomic(link, mediaType);
}

async function checkReferences(layout: Layout, name: RepoName, blobs: Digest[], manifests: Digest[]): Promise<void> {
  const missing: string[] = [];
  await Promise.all(blobs.map(async (d) => {
    if ((await repoBlobSize(layout, name, d)) === undefined) missing.push(d.text);
  }));
  await Promise.all(manifests.map(async (d) => {
    if (!(await exists(layout.manifestLink(name, d))) || (await blobSize(layout, d)) === undefined) missing.push(d.text);
  }));
  if (missing.length) {
    throw registryError('MANIFEST_BLOB_UNKNOWN', `blob unknown to registry: ${missing[0]}`, { detail: { digest: missing[0], missing } });
  }
}

async function linkReferrer(layout: Layout, name: RepoName, subject: Digest, referrer: Digest): Promise<void> {
  const path = join(layout.referrersDir(name, subject), `${referrer.algorithm}-${referrer.hex}`);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, '');
}

/** A tag or digest → the manifest this repository holds; MANIFEST_UNKNOWN (NAME_UNKNOWN for no repository). */
export async function resolveManifest(layout: Layout, name: RepoName, reference: string): Promise<StoredManifest> {
  let digest: Digest | undefined;
  if (looksLikeDigest(reference)) digest = parseDigest(reference);
  else {
    if (!isTag(reference)) throw registryError('MANIFEST_INVALID', 'invalid tag', { detail: { tag: reference } });
    digest = await readTag(layout, name, reference);
  }
  if (!digest) throw await unknownIn(layout, name, reference);
  let mediaType: string;
  try {
    mediaType = await readFile(layout.manifestLink(name, digest), 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') throw await unknownIn(layout, name, reference);
    throw err;
  }
  const size = await blobSize(layout, digest);
  if (size === undefined) throw manifestUnknown(name, reference);
  return { digest, mediaType, size };
}

async function unknownIn(layout: Layout, name: RepoName, reference: string) {
  if (!(await exists(layout.repo(name)))) return registryError('NAME_UNKNOWN', 'repository name not known to registry', { detail: { name } });
  return manifestUnknown(name, reference);
}

async function readTag(layout: Layout, name: RepoName, tag: string): Promise<Digest | undefined> {
  try {
    return tryParseDigest((await readFile(layout.tag(name, tag), 'utf8')).trim());
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

/** DELETE by digest removes the manifest from the repository (and its tags); by tag removes the tag only. */
export async function deleteManifest(layout: Layout, name: RepoName, reference: string): Promise<void> {
  const m = await resolveManifest(layout, name, reference);
  if (!looksLikeDigest(reference)) {
    await rm(layout.tag(name, reference), { force: true });
    return;
  }
  for (const tag of await listTags(layout, name)) {
    const d = await readTag(layout, name, tag);
    if (d?.text === m.digest.text) await rm(layout.tag(name, tag), { force: true });
  }
  const subject = await manifestSubject(layout, m.digest);
  if (subject) await rm(join(layout.referrersDir(name, subject), `${m.digest.algorithm}-${m.digest.hex}`), { force: true });
  await rm(layout.manifestLink(name, m.digest), { force: true });
}

async function manifestSubject(layout: Layout, d: Digest): Promise<Digest | undefined> {
  try {
    return parseManifest(await readFile(layout.blob(d)), '').subject;
  } catch {
    return undefined; // a stored manifest was checked when put; one that no longer parses has no subject to unlink
  }
}

export async function listTags(layout: Layout, name: RepoName): Promise<string[]> {
  try {
    return (await readdir(layout.tagsDir(name))).filter((t) => isTag(t)).sort();
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
    if (!(await exists(layout.repo(name)))) throw registryError('NAME_UNKNOWN', 'repository name not known to registry', { detail: { name } });
    return [];
  }
}

/** The manifests whose subject is `subject`, as descriptors (the referrers API's index entries). */
export async function listReferrers(layout: Layout, name: RepoName, subject: Digest, artifactType?: string): Promise<Descriptor[]> {
  let entries: string[];
  try {
    entries = await readdir(layout.referrersDir(name, subject));
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
  const out: Descriptor[] = [];
  for (const entry of entries.sort()) {
    const d = tryParseDigest(entry.replace('-', ':'));
    if (!d) continue;
    let bytes: Buffer;
    let mediaType: string;
    try {
      mediaType = await readFile(layout.manifestLink(name, d), 'utf8');
      bytes = await readFile(layout.blob(d));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') continue; // deleted meanwhile
      throw err;
    }
    const parsed = parseManifest(bytes, mediaType);
    if (artifactType !== undefined && parsed.artifactType !== artifactType) continue;
    const desc: Descriptor = { mediaType, digest: d.text, size: bytes.length };
    if (parsed.artifactType) desc.artifactType = parsed.artifactType;
    if (parsed.annotations) desc.annotations = parsed.annotations;
    out.push(desc);
  }
  return out;
}

/** Every repository name, sorted (a directory holding `_manifests`, `_layers` or `_tags` is one). */
export async function listRepositories(layout: Layout): Promise<string[]> {
  const out: string[] = [];
  async function walk(dir: string, prefix: string): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return;
      throw err;
    }
    if (prefix && entries.some((e) => e.name === '_manifests' || e.name === '_layers' || e.name === '_tags')) out.push(prefix);
    for (const e of entries) {
      if (e.isDirectory() && !e.name.startsWith('_')) await walk(join(dir, e.name), prefix ? `${prefix}/${e.name}` : e.name);
    }
  }
  await walk(layout.repositories, '');
  return out.sort();
}
