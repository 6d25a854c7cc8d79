// Blob uploads in flight (POST starts one, PATCH appends a chunk, PUT ?digest= finishes it, DELETE
// cancels). The bytes live in uploads/<id>/data; a running sha256 of them is kept in memory so finishing
// costs no second read. After a restart (or a chunk cut mid-way) the hash is rebuilt from the file.
import { createHash, randomUUID, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../lib/errors.ts';
import { appendHashed, checkContent, commitBlobFile, linkLayer } from './blobs.ts';
import { registryError } from './errors.ts';
import type { Layout } from './layout.ts';
import type { Digest, RepoName } from './names.ts';

interface LiveUpload {
  /** sha256 of data[0, offset) — undefined when it may not match the file (a failed append) */
  hash?: Hash;
  offset: number;
  /** a PATCH or PUT is writing: a second one at the same time is refused */
  busy: boolean;
  /**
   * the datasync started when the last append ended (its reply does not wait for it): the closing PUT
   * awaits it instead of syncing again; `at` is the size it covers, `ok` whether the bytes reached the disk
   */
  synced?: { at: number; ok: Promise<boolean> };
}

export interface Uploads {
  layout: Layout;
  live: Map<string, LiveUpload>;
}

export const newUploads = (layout: Layout): Uploads => ({ layout, live: new Map() });

const dataPath = (u: Uploads, id: string) => join(u.layout.upload(id), 'data');
const ID_RE = /^[a-f0-9-]{36}$/;

export async function startUpload(u: Uploads, name: RepoName): Promise<string> {
  const id = randomUUID();
  const dir = u.layout.upload(id);
  await mkdir(dir, { recursive: true });
  await Promise.all([writeFile(join(dir, 'info.json'), JSON.stringify({ name, startedAt: new Date().toISOString() })), writeFile(join(dir, 'data'), '')]);
  u.live.set(id, { hash: createHash('sha256'), offset: 0, busy: false });
  return id;
}

/** The upload's size so far; BLOB_UPLOAD_UNKNOWN when there is no such upload for this repository. */
export async function uploadSize(u: Uploads, name: RepoName, id: string): Promise<number> {
  await checkUpload(u, name, id);
  return (await stat(dataPath(u, id))).size;
}

async function checkUpload(u: Uploads, name: RepoName, id: string): Promise<void> {
  const unknown = () => registryError('BLOB_UPLOAD_UNKNOWN', 'blob upload unknown to registry', { detail: { uuid: id } });
  if (!ID_RE.test(id)) throw unknown();
  try {
    const info = JSON.parse(await readFile(join(u.layout.upload(id), 'info.json'), 'utf8')) as { name?: string };
    if (info.name !== name) throw unknown();
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || err instanceof SyntaxError) throw unknown();
    throw err;
  }
}

/** The upload's state, (re)built from its file when memory does not hold it. */
async function liveState(u: Uploads, id: string): Promise<LiveUpload> {
  let live = u.live.get(id);
  if (!live) {
    live = { offset: (await stat(dataPath(u, id))).size, busy: false };
    u.live.set(id, live);
  }
  return live;
}

export interface AppendRange {
  start: number;
  end?: number;
}

/** Append a chunk (PATCH, or the body of the closing PUT); the upload's new size. */
export async function appendUpload(u: Uploads, name: RepoName, id: string, body: AsyncIterable<Buffer>, range?: AppendRange): Promise<number> {
  await checkUpload(u, name, id);
  const live = await liveState(u, id);
  if (live.busy) throw registryError('RANGE_INVALID', 'another request is writing this upload', { headers: rangeHeader(live.offset) });
  live.busy = true;
  try {
    if (range && range.start !== live.offset) {
      throw registryError('RANGE_INVALID', `chunk starts at ${range.start} but the upload has ${live.offset} bytes`, { headers: rangeHeader(live.offset) });
    }
    live.synced = undefined;
    const fh = await open(dataPath(u, id), 'a');
    const before = live.offset;
    try {
      const hashes = live.hash ? [live.hash] : [];
      const written = await appendHashed(fh, body, hashes);
      live.offset += written;
      if (range?.end !== undefined && range.end !== before + written - 1) {
        throw registryError('RANGE_INVALID', `chunk was announced as ${range.start}-${range.end} but ${written} bytes came`, { headers: rangeHeader(live.offset) });
      }
    } catch (err) {
      // what reached the file is unknown now: measure it again and rehash at the end
      live.hash = undefined;
      await fh.close().catch(() => undefined); // closed below otherwise; this path only reports err
      live.offset = (await stat(dataPath(u, id))).size;
      throw err;
    }
    live.synced = { at: live.offset, ok: syncBehind(fh) };
    return live.offset;
  } finally {
    live.busy = false;
  }
}

export const rangeHeader = (size: number): Record<string, string> => ({ Range: `0-${size > 0 ? size - 1 : 0}` });

/** Finish: verify the whole content against `expected`, move it into blobs/, link it to the repository. */
export async function finishUpload(u: Uploads, name: RepoName, id: string, expected: Digest, body?: AsyncIterable<Buffer>, range?: AppendRange): Promise<number> {
  if (body) await appendUpload(u, name, id, body, range);
  else await checkUpload(u, name, id);
  const live = await liveState(u, id);
  const size = live.offset; // the file's size: kept by every append, measured again after a failed one
  if (live.busy) throw registryError('RANGE_INVALID', 'another request is writing this upload', { headers: rangeHeader(live.offset) });
  live.busy = true;
  try {
    const file = dataPath(u, id);
    const hex = expected.algorithm === 'sha256' && live.hash && live.offset === size ? live.hash.copy().digest('hex') : await hashFile(file, expected.algorithm);
    try {
      checkContent({ expected }, { algorithm: expected.algorithm, hex, text: `${expected.algorithm}:${hex}` }, size);
    } catch (err) {
      await cancelUpload(u, name, id); // as distribution does: a wrong digest ends the upload
      throw err;
    }
    if (!(live.synced?.at === size && (await live.synced.ok))) {
      const fh = await open(file, 'r+');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    }
    await commitBlobFile(u.layout, file, expected);
    await Promise.all([linkLayer(u.layout, name, expected), rm(u.layout.upload(id), { recursive: true, force: true })]);
    u.live.delete(id);
    return size;
  } finally {
    live.busy = false;
  }
}

export async function cancelUpload(u: Uploads, name: RepoName, id: string): Promise<void> {
  await checkUpload(u, name, id);
  u.live.delete(id);
  await rm(u.layout.upload(id), { recursive: true, force: true });
}

/**
 * Sync the appended bytes, then close, behind the reply: the client's PUT (skopeo's comes ~1 ms after its
 * PATCH's reply) finds the sync done or under way. False when it failed: the PUT syncs again and reports it.
 */
function syncBehind(fh: FileHandle): Promise<boolean> {
  return fh
    .datasync()
    .then(() => true, () => false)
    .finally(() => fh.close())
    .catch(() => false); // the close failed: the bytes' state is unknown, so the PUT syncs again
}

async function hashFile(path: string, algorithm: string): Promise<string> {
  const h = createHash(algorithm);
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}
