// The cache's content hash of what a COPY/ADD takes from the context: names, types, modes, owners,
// symlink targets and file contents, never mtimes, so a touched file keeps its cache and one changed
// byte anywhere misses it. Large files are hashed as streams (a 1 GB file costs 64 KiB chunks, not 1 GB).
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import type { Stats } from 'node:fs';
import type { CopySelection } from './sources.ts';

/** `sha256:<hex>` over the selection, in its (sorted) order; the same tree always gives the same hash. */
export async function hashCopySources(selection: CopySelection): Promise<string> {
  const h = createHash('sha256');
  for (const source of selection.sources) {
    h.update(record(['source', source.contextPath, source.isDir ? 'dir' : 'file']));
    for (const e of source.entries) {
      const content = e.stats.isFile() ? await hashFile(e.path, e.stats.size) : '';
      h.update(record([e.rel, typeOf(e.stats), (e.stats.mode & 0o7777).toString(8), String(e.stats.uid), String(e.stats.gid), e.linkTarget ?? '', String(e.stats.isFile() ? e.stats.size : 0), content, deviceOf(e.stats)]));
    }
  }
  return 'sha256:' + h.digest('hex');
}

/** One entry's fields, length-prefixed so no name can imitate another entry's fields. */
function record(fields: string[]): string {
  return fields.map((f) => `${Buffer.byteLength(f)}:${f}`).join('') + '\n';
}

function typeOf(st: Stats): string {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFIFO()) return 'fifo';
  if (st.isCharacterDevice()) return 'char';
  if (st.isBlockDevice()) return 'block';
  return 'socket';
}

function deviceOf(st: Stats): string {
  return st.isCharacterDevice() || st.isBlockDevice() ? String(st.rdev) : '';
}

/**
 * A file up to this size is read at once, synchronously: a stream's open, reads and close are each a
 * thread-pool round trip, which for a small file cost far more than the read (extractTar writes so too).
 */
const ONE_READ = 256 * 1024;

async function hashFile(path: string, size: number): Promise<string> {
  const h: Hash = createHash('sha256');
  if (size <= ONE_READ) return h.update(readFileSync(path)).digest('hex');
  for await (const chunk of createReadStream(path, { highWaterMark: 64 * 1024 })) h.update(chunk as Buffer);
  return h.digest('hex');
}
