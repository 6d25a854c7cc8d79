// COPY and ADD into a step's mounted root filesystem, as docker's classic builder copies (builder/dockerfile
// copy.go): a directory source gives its contents, a file goes to `dest/` or becomes `dest`, new files are
// root's (or --chown's), modes are the source's (or --chmod's), mtimes are kept, and every path is resolved
// inside the root as a chroot would, so an image's symlink never leads a write onto the host.
import { copyFile, chmod, lchown, lstat, lutimes, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { posix } from 'node:path';
import type { CopySelection, ContextEntry } from '../context/index.ts';
import type { InlineFile } from '../dockerfile/index.ts';
import { extractTar, isTarHeader, plainTar, resolveInRoot } from '../../../lib/tar.ts';
import { invalidArgument, errnoCode } from '../../../lib/errors.ts';

export interface CopyOptions {
  /** owner of what is copied and of the directories made for it */
  owner: { uid: number; gid: number };
  /** --chmod: the mode of every copied file and directory */
  mode?: number;
  /** ADD: local tar archives (plain, gzip, bzip2, xz, zstd) are unpacked into the destination */
  extractArchives?: boolean;
}

/** `dest` made absolute against the working directory, as docker does (`.` and `x/` keep naming a directory). */
export function destPath(dest: string, workdir: string | undefined): string {
  const abs = dest.startsWith('/') ? dest : posix.join(workdir || '/', dest);
  const dirLike = dest.endsWith('/') || dest === '.' || dest.endsWith('/.');
  const clean = posix.normalize(abs);
  return dirLike && clean !== '/' ? clean.replace(/\/?$/, '/') : clean;
}

/** Copy the selection into `root` at `dest` (absolute, in the root). */
export async function copyIntoRoot(root: string, dest: string, sel: CopySelection, o: CopyOptions): Promise<void> {
  const dirs = new Map<string, string>(); // in-root dir → host path, already made
  for (const source of sel.sources) {
    if (source.isDir) {
      await makeDirs(root, dest, o, dirs);
      for (const e of source.entries) await copyEntry(root, posix.join(dest, e.rel), e, o, dirs);
      continue;
    }
    const entry = source.entries[0];
    if (o.extractArchives && entry.stats.isFile() && (await isArchive(entry.path))) {
      const into = await makeDirs(root, dest, o, dirs);
      await extractTar(createReadStream(entry.path), into, { chown: true, symlinkParents: 'follow-in-root' });
      continue;
    }
    const intoDir = sel.destIsDir || (await isDirInRoot(root, dest));
    const target = intoDir ? posix.join(dest, posix.basename(source.contextPath || source.given)) : dest;
    await copyEntry(root, target, entry, o, dirs);
  }
}

/** `COPY <<EOF /file`: heredoc bodies as files (mode 0644 unless --chmod). */
export async function writeInlineFiles(root: string, dest: string, files: InlineFile[], destIsDir: boolean, o: CopyOptions): Promise<void> {
  const dirs = new Map<string, string>();
  for (const f of files) {
    const target = destIsDir || files.length > 1 || (await isDirInRoot(root, dest)) ? posix.join(dest, f.name) : dest;
    const host = await hostPath(root, target, o, dirs);
    await removeNonDir(host);
    await writeFile(host, f.data, { mode: o.mode ?? 0o644 });
    await chmod(host, o.mode ?? 0o644);
    await lchown(host, o.owner.uid, o.owner.gid);
  }
}

/** `WORKDIR`: the directory exists afterwards (root's, 0755, as the classic builder makes it). */
export async function ensureDir(root: string, dir: string): Promise<void> {
  await makeDirs(root, dir, { owner: { uid: 0, gid: 0 } }, new Map());
}

async function copyEntry(root: string, inRoot: string, e: ContextEntry, o: CopyOptions, dirs: Map<string, string>): Promise<void> {
  const mode = o.mode ?? e.stats.mode & 0o7777;
  if (e.stats.isDirectory()) {
    const host = await makeDirs(root, inRoot, o, dirs);
    await chmod(host, mode);
    await lchown(host, o.owner.uid, o.owner.gid);
    await lutimes(host, e.stats.atime, e.stats.mtime);
    return;
  }
  const host = await hostPath(root, inRoot, o, dirs);
  const existing = await lstat(host).catch(() => null);
  if (existing?.isDirectory()) throw invalidArgument(`cannot copy to non-directory: ${inRoot} is a directory`);
  if (existing) await rm(host, { force: true });
  if (e.stats.isSymbolicLink()) {
    await symlink(e.linkTarget ?? '', host);
  } else if (e.stats.isFile()) {
    await copyFile(e.path, host);
    await chmod(host, mode);
  } else {
    return; // sockets, fifos and devices in a context are left out, as a tar of it would hold them only as headers
  }
  await lchown(host, o.owner.uid, o.owner.gid);
  await lutimes(host, e.stats.atime, e.stats.mtime);
}

/** The host path of `inRoot` whose parent directories exist (made as needed); the last element is not followed. */
async function hostPath(root: string, inRoot: string, o: CopyOptions, dirs: Map<string, string>): Promise<string> {
  const parent = await makeDirs(root, posix.dirname(inRoot), o, dirs);
  return posix.join(parent, posix.basename(inRoot));
}

/** mkdir -p inside the root, symlinks resolved in it; made directories get the owner, 0755. */
async function makeDirs(root: string, inRoot: string, o: CopyOptions, dirs: Map<string, string>): Promise<string> {
  const clean = posix.normalize('/' + inRoot).replace(/\/+$/, '') || '/';
  const known = dirs.get(clean);
  if (known) return known;
  if (clean === '/') return root;
  const parent = await makeDirs(root, posix.dirname(clean), o, dirs);
  let host = posix.join(parent, posix.basename(clean));
  const st = await lstat(host).catch(() => null);
  if (st?.isSymbolicLink()) host = await resolveInRoot(root, clean);
  const now = st?.isSymbolicLink() ? await lstat(host).catch(() => null) : st;
  if (!now) {
    await mkdir(host, { mode: 0o755 });
    await chmod(host, 0o755);
    await lchown(host, o.owner.uid, o.owner.gid);
  } else if (!now.isDirectory()) {
    throw invalidArgument(`cannot copy into ${clean}: it is not a directory in the image`);
  }
  dirs.set(clean, host);
  return host;
}

async function isDirInRoot(root: string, inRoot: string): Promise<boolean> {
  try {
    return (await lstat(await resolveInRoot(root, inRoot))).isDirectory();
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return false;
    throw err;
  }
}

async function removeNonDir(host: string): Promise<void> {
  const st = await lstat(host).catch(() => null);
  if (st?.isDirectory()) throw invalidArgument(`cannot copy to non-directory: ${host} is a directory`);
  if (st) await rm(host, { force: true });
}

/**
 * What ADD unpacks, as docker's: a file whose content (decompressed, when it is gzip, bzip2, xz or zstd)
 * starts with a tar header. A compressed file that is not a tar (`notes.txt.gz`) is copied as it is.
 */
async function isArchive(path: string): Promise<boolean> {
  const plain = await plainTar(createReadStream(path));
  try {
    const head = await firstBytes(plain, 512);
    return isTarHeader(head);
  } catch {
    return false; // a stream the decompressor rejects is no archive: copied as a file
  } finally {
    plain.destroy();
  }
}

async function firstBytes(stream: NodeJS.ReadableStream, n: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let have = 0;
  for await (const chunk of stream) {
    parts.push(chunk as Buffer);
    have += (chunk as Buffer).length;
    if (have >= n) break;
  }
  return Buffer.concat(parts).subarray(0, n);
}
