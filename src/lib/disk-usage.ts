// Bytes on disk, as docker counts them (moby's directory.Size): the sizes of everything that is not a
// directory, each inode once. Used for SizeRw (a container's upper dir), image layers and reclaimed space.
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from './errors.ts';

/** Sum of file sizes under `dir` (0 when it does not exist); `seen` dedupes hard links across calls. */
export async function dirSize(dir: string, seen: Set<string> = new Set()): Promise<number> {
  let total = 0;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return 0;
    throw err;
  }
  for (const name of names) {
    const p = join(dir, name);
    const st = await lstat(p).catch(() => null); // removed while we walk: counts nothing
    if (!st) continue;
    if (st.isDirectory()) {
      total += await dirSize(p, seen);
      continue;
    }
    const key = `${st.dev}:${st.ino}`;
    if (st.nlink > 1) {
      if (seen.has(key)) continue;
      seen.add(key);
    }
    total += st.size;
  }
  return total;
}
