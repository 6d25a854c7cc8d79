// The kubelet's AtomicWriter: a volume's files live in a timestamped directory that `..data` points at; a
// change writes a new directory and swaps the symlink with one rename, so a reader sees the old set or the
// new one, never a mix. User-visible names are symlinks through ..data (what configMap updates rely on).
import { lstat, mkdir, readdir, readFile, readlink, rename, rm, symlink, writeFile, chmod } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

export interface FileProjection { path: string; data: Buffer; mode: number }

async function same(dir: string, files: FileProjection[]): Promise<boolean> {
  const cur = await readlink(join(dir, '..data')).catch(() => '');
  if (!cur) return false;
  const have = await listFiles(join(dir, cur));
  if (have.length !== files.length) return false;
  for (const f of files) {
    const buf = await readFile(join(dir, cur, f.path)).catch(() => undefined);
    if (!buf || !buf.equals(f.data)) return false;
  }
  return true;
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (e.isDirectory()) out.push(...(await listFiles(join(dir, e.name), `${prefix}${e.name}/`)));
    else out.push(prefix + e.name);
  }
  return out;
}

/** writes the set of files into dir atomically; returns false when nothing changed */
export async function writeAtomicDir(dir: string, files: FileProjection[]): Promise<boolean> {
  await mkdir(dir, { recursive: true });
  if (await same(dir, files)) return false;
  const tsName = `..${new Date().toISOString().replace(/[-:]/g, '_').replace('T', '_').replace(/\..*$/, '')}.${randomBytes(4).toString('hex')}`;
  const ts = join(dir, tsName);
  await mkdir(ts, { mode: 0o755 });
  for (const f of files) {
    const p = join(ts, f.path);
    await mkdir(dirname(p), { recursive: true });
    await writeFile(p, f.data);
    await chmod(p, f.mode);
  }
  const old = await readlink(join(dir, '..data')).catch(() => '');
  const tmpLink = join(dir, '..data_tmp');
  await rm(tmpLink, { force: true });
  await symlink(tsName, tmpLink);
  await rename(tmpLink, join(dir, '..data'));
  // user-visible names: one symlink per top-level entry, through ..data
  const top = new Set(files.map((f) => f.path.split('/')[0]));
  for (const name of top) {
    const link = join(dir, name);
    const st = await lstat(link).catch(() => undefined);
    if (st?.isSymbolicLink()) continue;
    if (st) await rm(link, { recursive: true, force: true });
    await symlink(join('..data', name), link);
  }
  for (const e of await readdir(dir)) {
    if (e.startsWith('..')) continue;
    if (!top.has(e)) await rm(join(dir, e), { force: true });
  }
  if (old && old !== tsName) await rm(join(dir, old), { recursive: true, force: true });
  return true;
}
