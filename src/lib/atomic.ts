// One way to write state: temp file + fsync + rename (+ fsync of the directory), so a crash leaves
// either the old or the new content, never half of it.
import { open, readFile, rename, mkdir, rm } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';

export interface AtomicWriteOptions {
  mode?: number;
  /**
   * The caller knows the file exists (it wrote it before): the directory is neither created nor synced.
   * Replacing still never exposes half a file; after a crash the previous content may come back, which
   * is what docker's own atomic writes promise (they never sync the directory). Spares two fs round trips
   * where every millisecond counts (a container record written before `start` answers).
   */
  replace?: boolean;
}

export async function writeFileAtomic(path: string, data: string | Uint8Array, opts: AtomicWriteOptions | number = {}): Promise<void> {
  const o = typeof opts === 'number' ? { mode: opts } : opts;
  const dir = dirname(path);
  if (!o.replace) await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  const fh = await open(tmp, 'w', o.mode ?? 0o644);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (err) {
    await fh.close();
    await rm(tmp, { force: true });
    throw err;
  }
  // the data is on disk: the rename need not wait for the close
  const closed = fh.close();
  try {
    await rename(tmp, path);
  } finally {
    await closed;
  }
  if (!o.replace) await syncDir(dir);
}

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** A state file's text, or undefined when there is none yet (the read side of writeFileAtomic) */
export async function readFileIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException)?.code === 'ENOENT') return undefined;
    throw err;
  }
}
