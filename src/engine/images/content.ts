// The content store: blobs addressed by sha256 at CONTENT/blobs/sha256/<hex>. A blob is written to
// CONTENT/ingest/ while it is hashed, synced, then renamed into place: a blob that exists is complete and
// its name is its digest. A digest mismatch is an error and leaves nothing behind.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, mkdir, rename, rm, readFile, readdir, access } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Digest } from '../types.ts';
import { invalidArgument, notFound, errnoCode } from '../../lib/errors.ts';

export interface ContentStore {
  blobPath(digest: Digest): string;
  has(digest: Digest): Promise<boolean>;
  /**
   * stream a blob in; `expected` is checked when given. `created` is false when it was already there.
   * `verified`: the source itself fails unless its bytes are `expected` (readBlob checks as they pass),
   * so they are not hashed a second time here.
   */
  write(source: Readable | Uint8Array, expected?: Digest, o?: WriteOptions): Promise<{ digest: Digest; size: number; created: boolean }>;
  /** a blob written in pieces (a pull's layer, while its bytes are also unpacked), put in place by commit */
  ingest(): Promise<Ingest>;
  read(digest: Digest): Readable;
  readJson<T>(digest: Digest): Promise<T>;
  remove(digest: Digest): Promise<void>;
}

export interface Ingest {
  /** append the chunks, in one write */
  write(chunks: Uint8Array[]): Promise<void>;
  /** sync, and put the blob in place as `digest`, which the caller has checked (readBlob's sha256) */
  commit(digest: Digest): Promise<{ digest: Digest; size: number; created: boolean }>;
  /** remove what was written (a failed pull) */
  abort(): Promise<void>;
}

export interface WriteOptions {
  verified?: boolean;
}

export const isDigest = (s: string): s is Digest => /^sha256:[a-f0-9]{64}$/.test(s);

export const digestOf = (bytes: Uint8Array): Digest => `sha256:${createHash('sha256').update(bytes).digest('hex')}` as Digest;

export async function createContentStore(dir: string): Promise<ContentStore> {
  const blobs = join(dir, 'blobs', 'sha256');
  const ingest = join(dir, 'ingest');
  await mkdir(blobs, { recursive: true });
  await mkdir(ingest, { recursive: true });
  // half-written blobs of a crash
  for (const name of await readdir(ingest)) await rm(join(ingest, name), { force: true });

  const blobPath = (digest: Digest) => {
    if (!isDigest(digest)) throw invalidArgument(`invalid digest "${digest}"`);
    return join(blobs, digest.slice(7));
  };
  const has = (digest: Digest) => access(blobPath(digest)).then(() => true, () => false);

  async function write(source: Readable | Uint8Array, expected?: Digest, o: WriteOptions = {}) {
    if (expected) blobPath(expected); // validates
    const trusted = o.verified === true && expected !== undefined;
    const tmp = join(ingest, randomBytes(8).toString('hex'));
    const hash = createHash('sha256');
    let size = 0;
    const fh = await open(tmp, 'wx', 0o644);
    try {
      const chunks: AsyncIterable<Uint8Array> | Uint8Array[] = source instanceof Uint8Array ? [source] : source;
      for await (const chunk of chunks) {
        if (!trusted) hash.update(chunk);
        size += chunk.length;
        await fh.write(chunk);
      }
      await fh.sync();
    } catch (err) {
      await fh.close();
      await rm(tmp, { force: true });
      throw err;
    }
    await fh.close();
    const digest = trusted ? expected : (`sha256:${hash.digest('hex')}` as Digest);
    if (expected && digest !== expected) {
      await rm(tmp, { force: true });
      throw invalidArgument(`digest mismatch: expected ${expected}, got ${digest}`);
    }
    if (await has(digest)) {
      await rm(tmp, { force: true });
      return { digest, size, created: false };
    }
    await rename(tmp, blobPath(digest));
    return { digest, size, created: true };
  }

  async function ingestBlob(): Promise<Ingest> {
    const tmp = join(ingest, randomBytes(8).toString('hex'));
    const fh = await open(tmp, 'wx', 0o644);
    let size = 0;
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await fh.close();
    };
    return {
      async write(chunks) {
        let want = 0;
        for (const c of chunks) want += c.length;
        let done = (await fh.writev(chunks)).bytesWritten;
        // a short write (a full disk fails on the next call): the rest, from where it stopped
        if (done < want) {
          const rest = Buffer.concat(chunks).subarray(done);
          for (let off = 0; off < rest.length; ) off += (await fh.write(rest, off)).bytesWritten;
          done = want;
        }
        size += done;
      },
      async commit(digest) {
        blobPath(digest); // validates
        await fh.sync();
        await close();
        if (await has(digest)) {
          await rm(tmp, { force: true });
          return { digest, size, created: false };
        }
        await rename(tmp, blobPath(digest));
        return { digest, size, created: true };
      },
      async abort() {
        await close();
        await rm(tmp, { force: true });
      },
    };
  }

  return {
    blobPath,
    has,
    write,
    ingest: ingestBlob,
    read: (digest) => createReadStream(blobPath(digest)),
    async readJson<T>(digest: Digest): Promise<T> {
      try {
        return JSON.parse(await readFile(blobPath(digest), 'utf8')) as T;
      } catch (err) {
        if (errnoCode(err) === 'ENOENT') throw notFound(`blob ${digest} is missing from the content store`, err);
        throw err;
      }
    },
    remove: (digest) => rm(blobPath(digest), { force: true }),
  };
}
