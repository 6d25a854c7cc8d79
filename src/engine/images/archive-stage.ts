// The first half of `docker load` (issue 10): the archive's entries received into staging files next to
// the content store, each hashed on the way in. Nothing is written by an entry's own name (a `../` name
// is refused, a link is only remembered), so a hostile archive cannot reach outside; what the archive
// means is read afterwards (archive-read.ts), and a layer whose staged hash is already its diff id goes
// into the content store by a rename, without a second pass over its bytes.
import { createHash, randomBytes } from 'node:crypto';
import { open, readFile, rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import tarStream from 'tar-stream';
import type { Digest } from '../types.ts';
import { SkiffError, invalidArgument, notFound } from '../../lib/errors.ts';
import { plainTar } from '../../lib/tar.ts';

export type StagedEntry =
  | { type: 'file'; name: string; path: string; digest: Digest; size: number }
  | { type: 'link'; name: string; target: string }
  | { type: 'symlink'; name: string; target: string };

export interface Staged {
  entries: Map<string, StagedEntry>;
  /** an entry by its path in the archive, links followed (inside the archive only) */
  lookup(name: string): Extract<StagedEntry, { type: 'file' }>;
  has(name: string): boolean;
  /** a staged JSON file (manifest.json, index.json, configs, OCI manifests), size-limited */
  readJson<T>(entry: Extract<StagedEntry, { type: 'file' }>): Promise<T>;
  /** remove every staging file */
  discard(): Promise<void>;
}

/** an archive with more entries is refused (a docker-archive has a few per layer) */
const MAX_ENTRIES = 100_000;
/** JSON files above this are refused: a manifest or config is a few KB */
const MAX_JSON = 16 << 20;

const bad = (msg: string) => invalidArgument(`invalid archive: ${msg}`);

/** A name as it sits in the archive: `./a//b` → `a/b`; `..` out of it is refused. */
export function archivePath(name: string): string {
  let p = posix.normalize(name.replace(/^\/+/, ''));
  if (p === '..' || p.startsWith('../')) throw bad(`entry "${name}" escapes the archive`);
  if (p === '.' || p === './') return '';
  if (p.endsWith('/')) p = p.slice(0, -1);
  return p;
}

/** Receive `source` (plain, gzip or zstd tar) into files under `ingestDir`. */
export async function stageArchive(source: Readable, ingestDir: string, signal?: AbortSignal): Promise<Staged> {
  const entries = new Map<string, StagedEntry>();
  const files: string[] = [];
  const prefix = `load-${randomBytes(6).toString('hex')}-`;
  const discard = async () => {
    for (const f of files.splice(0)) await rm(f, { force: true });
  };
  const extract = tarStream.extract();
  const onAbort = () => extract.destroy(new Error('the load was cancelled'));
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const plain = await plainTar(source);
    const feed = new Promise<void>((resolve, reject) => pipeline(plain, extract as unknown as NodeJS.WritableStream, (err) => (err ? reject(err) : resolve())));
    feed.catch(() => {}); // the loop below sees the same error
    let count = 0;
    for await (const e of extract) {
      const h = e.header;
      try {
        if (++count > MAX_ENTRIES) throw bad(`more than ${MAX_ENTRIES} entries`);
        const name = archivePath(h.name);
        if (h.type === 'file' || h.type === 'contiguous-file') {
          const path = join(ingestDir, `${prefix}${files.length}`);
          files.push(path);
          const { digest, size } = await receiveFile(e as unknown as AsyncIterable<Buffer>, path);
          entries.set(name, { type: 'file', name, path, digest, size });
        } else if (h.type === 'symlink') {
          entries.set(name, { type: 'symlink', name, target: h.linkname ?? '' });
        } else if (h.type === 'link') {
          entries.set(name, { type: 'link', name, target: archivePath(h.linkname ?? '') });
        }
        // directories, devices and fifos mean nothing in an image archive
      } finally {
        e.resume();
      }
    }
    await feed;
  } catch (err) {
    extract.destroy();
    await discard();
    if (err instanceof SkiffError) throw err;
    throw invalidArgument(`invalid archive: ${(err as Error).message}`, err);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  return { entries, discard, has: (n) => entries.has(safeName(n)), lookup: (n) => lookup(entries, n), readJson };
}

function safeName(n: string): string {
  try {
    return archivePath(n);
  } catch {
    return '\0'; // a name that escapes is in no archive
  }
}

async function receiveFile(body: AsyncIterable<Buffer>, path: string): Promise<{ digest: Digest; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  const fh = await open(path, 'wx', 0o644); // the mode of a content store blob: an uncompressed layer is renamed into place
  try {
    for await (const chunk of body) {
      hash.update(chunk);
      size += chunk.length;
      for (let off = 0; off < chunk.length; ) off += (await fh.write(chunk, off)).bytesWritten;
    }
  } finally {
    await fh.close();
  }
  return { digest: `sha256:${hash.digest('hex')}` as Digest, size };
}

/** Follow hard and symbolic links inside the archive (docker follows them within its scope); out of it is an error. */
function lookup(entries: Map<string, StagedEntry>, name: string): Extract<StagedEntry, { type: 'file' }> {
  let cur = archivePath(name);
  for (let hops = 0; hops < 16; hops++) {
    const e = entries.get(cur);
    if (!e) throw notFound(`invalid archive: ${cur === archivePath(name) ? `"${name}" is missing` : `"${name}" links to "${cur}", which is missing`}`);
    if (e.type === 'file') return e;
    if (e.type === 'link') {
      cur = e.target;
      continue;
    }
    const target = e.target.startsWith('/') ? e.target : posix.join(posix.dirname(e.name), e.target);
    const resolved = posix.normalize(target.replace(/^\/+/, ''));
    if (e.target.startsWith('/') || resolved === '..' || resolved.startsWith('../')) {
      throw bad(`"${e.name}" is a symlink to "${e.target}", outside the archive`);
    }
    cur = resolved;
  }
  throw bad(`too many levels of links at "${name}"`);
}

async function readJson<T>(e: Extract<StagedEntry, { type: 'file' }>): Promise<T> {
  if (e.size > MAX_JSON) throw bad(`"${e.name}" is too large for a JSON file (${e.size} bytes)`);
  try {
    return JSON.parse(await readFile(e.path, 'utf8')) as T;
  } catch (err) {
    throw bad(`"${e.name}" is not valid JSON: ${(err as Error).message}`);
  }
}
