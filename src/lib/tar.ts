// The one tar reader/writer of skiff (layers, `docker cp`, import, save/load), on `tar-stream`.
//
// extractTar is safe against hostile archives, like docker's chrooted unpack but without a chroot:
// every entry path is cleaned and must stay inside destDir, parent directories are checked with lstat
// so nothing is ever written THROUGH a symlink, hardlink targets must be inside, and an existing
// symlink at an entry's own path is replaced, never followed (files open with O_EXCL|O_NOFOLLOW).
// File system calls are synchronous: each is a few microseconds, and the libuv thread-pool round trip of
// the async ones made unpacking a 6,600-entry rootfs ten times slower than GNU tar. The event loop still
// turns between the stream's chunks.
// zlib and child_process are loaded when an archive needs them: the CLI packs build contexts through here,
// and loading both costs its start ~6 ms.
import { openSync, writeSync, closeSync, fchownSync, fchmodSync, futimesSync, mkdirSync, lstatSync, rmSync, symlinkSync, linkSync, chmodSync, lchownSync, lutimesSync, readdirSync, readlinkSync, constants as fsc } from 'node:fs';
import type { Stats } from 'node:fs';
import { posix, join } from 'node:path';
import { Readable, Transform, pipeline } from 'node:stream';
import { promisify } from 'node:util';
import tarStream from 'tar-stream';
import type { Headers } from 'tar-stream';
import { invalidArgument, failedPrecondition, errnoCode } from './errors.ts';
import { gunzipStage, programStage } from './program-stage.ts';

const run = (cmd: string, args: string[]) => promisify(process.getBuiltinModule('node:child_process').execFile)(cmd, args);

export interface ExtractOptions {
  /**
   * `.wh.NAME` / `.wh..wh..opq` entries: 'overlay' makes overlay whiteouts (char 0:0, opaque xattr) for a
   * layer dir; 'apply' deletes what they name (flattening, cp); 'none' (default) keeps them as files.
   */
  whiteouts?: 'overlay' | 'apply' | 'none';
  /** fail instead of replacing a directory with a non-directory or the reverse (docker cp's flag) */
  noOverwriteDirNonDir?: boolean;
  /** keep the archive's uid/gid (layers); default false: files belong to the extracting user (docker cp) */
  chown?: boolean;
  /**
   * A parent component that is a symlink: 'refuse' (default) rejects the entry; 'follow-in-root' resolves
   * it as a chroot at destDir would (an absolute target is taken relative to destDir), for `docker cp`
   * into a root filesystem where /bin may link to usr/bin.
   */
  symlinkParents?: 'refuse' | 'follow-in-root';
  /**
   * Accept an archive whose last entry lacks its padding and the end-of-archive blocks: docker's CLI
   * (28) sends a build context with a `-f` Dockerfile from outside it that way (its tar wrapper stops short).
   */
  padEnd?: boolean;
}

/** Unpack a tar stream (plain, gzip, zstd, bzip2 or xz) into destDir. Resolves with the sum of file sizes. */
export async function extractTar(source: Readable, destDir: string, opts: ExtractOptions = {}): Promise<{ size: number }> {
  const decompress = await decompressor(source);
  const extract = tarStream.extract();
  const feed = new Promise<void>((resolve, reject) => {
    const done = (err: Error | null | undefined) => (err ? reject(err) : resolve());
    const stages: NodeJS.ReadWriteStream[] = [...(decompress ? [decompress] : []), ...(opts.padEnd ? [tarEndPadding()] : [])];
    pipeline([source, ...stages, extract as unknown as NodeJS.WritableStream], done);
  });
  feed.catch(() => {}); // the iterator below sees the same error
  const ctx: Ctx = { root: destDir, opts, dirs: new Set(['']), written: new Set(), dirTimes: [], size: 0 };
  try {
    for await (const entry of extract) {
      try {
        await extractEntry(ctx, entry.header, entry);
      } finally {
        entry.resume(); // drain what the handler did not read, so the next header can be parsed
      }
    }
    await feed;
  } catch (err) {
    source.destroy();
    extract.destroy();
    throw err;
  }
  // directories last: writing their children changed their mtime
  for (const { path, mtime } of ctx.dirTimes) {
    try {
      lutimesSync(path, mtime, mtime);
    } catch (err) {
      ignoreEnoent(err);
    }
  }
  return { size: ctx.size };
}

interface Ctx {
  root: string;
  opts: ExtractOptions;
  /** relative dirs known to be real directories inside root (no symlink on the way) */
  dirs: Set<string>;
  /** relative paths this archive wrote (an opaque whiteout in 'apply' mode keeps those) */
  written: Set<string>;
  dirTimes: Array<{ path: string; mtime: Date }>;
  size: number;
}

/** Pads what passes to whole 512-byte blocks and adds the two zero blocks that end an archive. */
function tarEndPadding(): Transform {
  let total = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      total += chunk.length;
      done(null, chunk);
    },
    flush(done) {
      done(null, Buffer.alloc(((512 - (total % 512)) % 512) + 1024));
    },
  });
}

/** Clean an entry name as docker does: absolute names become relative; `..` out of the root is refused. */
export function cleanEntryName(name: string): string {
  let p = posix.normalize(name);
  while (p.startsWith('/')) p = p.slice(1);
  if (p === '..' || p.startsWith('../')) throw invalidArgument(`tar entry "${name}" escapes the destination`);
  if (p === '.' || p === './') return '';
  return p.endsWith('/') ? p.slice(0, -1) : p;
}

async function extractEntry(ctx: Ctx, h: Headers, body: Readable): Promise<void> {
  const rel = cleanEntryName(h.name);
  const base = posix.basename(rel);
  const mode = ctx.opts.whiteouts ?? 'none';
  if (base.startsWith('.wh.') && mode !== 'none') return whiteout(ctx, rel, h.name, mode);
  if (rel === '') return; // docker skips `.`: the destination's own mode and owner stay
  const parent = await parentDir(ctx, posix.dirname(rel), h.name);
  const path = join(parent, base);
  ctx.written.add(rel);
  const existing = lstatOrNull(path);
  const type = h.type ?? 'file';
  if (existing) {
    if (ctx.opts.noOverwriteDirNonDir && existing.isDirectory() !== (type === 'directory')) {
      throw invalidArgument(`cannot overwrite ${existing.isDirectory() ? 'directory' : 'non-directory'} "${rel}" with ${type === 'directory' ? 'directory' : 'non-directory'}`);
    }
    if (!(existing.isDirectory() && type === 'directory')) {
      forgetDirs(ctx, rel);
      rmSync(path, { recursive: true, force: true });
    }
  }
  const perm = (h.mode ?? 0o644) & 0o7777;
  switch (type) {
    case 'directory':
      if (!existing?.isDirectory()) mkdirSync(path, { mode: 0o700 });
      ctx.dirs.add(rel);
      ctx.dirTimes.push({ path, mtime: h.mtime ?? new Date() });
      return setMeta(ctx, path, h, perm, false);
    case 'file':
    case 'contiguous-file': {
      const fd = openSync(path, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, 0o600);
      try {
        for await (const chunk of body) {
          const buf = chunk as Buffer;
          for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off);
        }
        if (ctx.opts.chown) fchownSync(fd, h.uid ?? 0, h.gid ?? 0);
        fchmodSync(fd, perm); // after chown, which clears setuid bits
        if (h.mtime) futimesSync(fd, h.mtime, h.mtime);
      } finally {
        closeSync(fd);
      }
      ctx.size += h.size ?? 0;
      return;
    }
    case 'symlink':
      symlinkSync(h.linkname ?? '', path);
      return setMeta(ctx, path, h, perm, true);
    case 'link': {
      const target = cleanLinkName(h.linkname ?? '', h.name);
      const targetPath = join(await parentDir(ctx, posix.dirname(target), h.name, false), posix.basename(target));
      const st = lstatOrNull(targetPath);
      if (!st || st.isDirectory()) throw invalidArgument(`tar entry "${h.name}" links to "${h.linkname}", which is not a file in the archive`);
      linkSync(targetPath, path);
      return;
    }
    case 'character-device':
    case 'block-device':
    case 'fifo': {
      const kind = type === 'fifo' ? ['p'] : [type === 'block-device' ? 'b' : 'c', String(h.devmajor ?? 0), String(h.devminor ?? 0)];
      await mknod(path, perm, kind);
      return setMeta(ctx, path, h, perm, false);
    }
    default:
      return; // pax/gnu headers are folded in by tar-stream; anything else (sockets) is skipped as docker does
  }
}

function cleanLinkName(linkname: string, entry: string): string {
  try {
    const t = cleanEntryName(linkname);
    if (t === '') throw invalidArgument('');
    return t;
  } catch {
    throw invalidArgument(`tar entry "${entry}" is a hardlink to "${linkname}", outside the destination`);
  }
}

function setMeta(ctx: Ctx, path: string, h: Headers, perm: number, isLink: boolean): void {
  if (ctx.opts.chown) lchownSync(path, h.uid ?? 0, h.gid ?? 0);
  if (!isLink) chmodSync(path, perm);
  if (isLink && h.mtime) lutimesSync(path, h.mtime, h.mtime);
}

/**
 * The host path of relative dir `rel` inside the root, creating missing components (0755, as docker).
 * A component that is a symlink is refused, or resolved inside the root in 'follow-in-root' mode.
 */
async function parentDir(ctx: Ctx, rel: string, entry: string, create = true): Promise<string> {
  if (rel === '.' || rel === '') return ctx.root;
  if (ctx.dirs.has(rel)) return join(ctx.root, rel);
  if (ctx.opts.symlinkParents === 'follow-in-root') {
    const resolved = await resolveInRoot(ctx.root, rel);
    if (create) mkdirSync(resolved, { recursive: true, mode: 0o755 });
    return resolved;
  }
  let cur = '';
  for (const part of rel.split('/')) {
    cur = cur ? `${cur}/${part}` : part;
    if (ctx.dirs.has(cur)) continue;
    const p = join(ctx.root, cur);
    const st = lstatOrNull(p);
    if (!st && !create) throw invalidArgument(`tar entry "${entry}" links to a path that is not in the archive`);
    if (!st) mkdirSync(p, { mode: 0o755 });
    else if (st.isSymbolicLink()) throw invalidArgument(`tar entry "${entry}" would be written through the symlink "${cur}"`);
    else if (!st.isDirectory()) throw invalidArgument(`tar entry "${entry}": "${cur}" is not a directory`);
    ctx.dirs.add(cur);
  }
  return join(ctx.root, rel);
}

function forgetDirs(ctx: Ctx, rel: string): void {
  if (!ctx.dirs.delete(rel)) return;
  for (const d of ctx.dirs) if (d.startsWith(rel + '/')) ctx.dirs.delete(d);
}

async function whiteout(ctx: Ctx, rel: string, name: string, mode: 'overlay' | 'apply'): Promise<void> {
  const dirRel = posix.dirname(rel) === '.' ? '' : posix.dirname(rel);
  const base = posix.basename(rel);
  const dir = await parentDir(ctx, dirRel, name);
  if (base === '.wh..wh..opq') {
    if (mode === 'overlay') return setOpaque(dir);
    for (const child of readdirSync(dir)) {
      const childRel = dirRel ? `${dirRel}/${child}` : child;
      if (ctx.written.has(childRel)) continue;
      forgetDirs(ctx, childRel);
      rmSync(join(dir, child), { recursive: true, force: true });
    }
    return;
  }
  if (base.startsWith('.wh..wh.')) return; // aufs bookkeeping (.wh..wh.plnk …): docker skips it too
  const target = base.slice('.wh.'.length);
  const path = join(dir, target);
  const targetRel = dirRel ? `${dirRel}/${target}` : target;
  forgetDirs(ctx, targetRel);
  rmSync(path, { recursive: true, force: true });
  if (mode === 'overlay') await mknod(path, 0, ['c', '0', '0']);
}

/** Resolve `rel` inside root as a chroot would: symlinks followed, absolute targets taken from root, never above it. */
export async function resolveInRoot(root: string, rel: string): Promise<string> {
  const parts = rel.split('/').filter((p) => p && p !== '.');
  const done: string[] = [];
  let hops = 0;
  while (parts.length) {
    const part = parts.shift()!;
    if (part === '..') {
      done.pop();
      continue;
    }
    const p = join(root, ...done, part);
    const st = lstatOrNull(p);
    if (st?.isSymbolicLink()) {
      if (++hops > 40) throw invalidArgument(`too many levels of symbolic links resolving "${rel}"`);
      const target = readlinkSync(p);
      if (target.startsWith('/')) done.length = 0;
      parts.unshift(...target.split('/').filter((x) => x && x !== '.'));
      continue;
    }
    done.push(part);
  }
  return join(root, ...done);
}

async function mknod(path: string, perm: number, kind: string[]): Promise<void> {
  await run('mknod', ['-m', perm.toString(8), path, ...kind]);
}

async function setOpaque(dir: string): Promise<void> {
  try {
    await run('setfattr', ['-n', 'trusted.overlay.opaque', '-v', 'y', dir]);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') throw failedPrecondition('setfattr is missing (Debian package "attr"): needed for opaque whiteouts in layers', err);
    throw err;
  }
}

function lstatOrNull(p: string): Stats | null {
  return lstatSync(p, { throwIfNoEntry: false }) ?? null;
}

/** The plain tar inside `source`: gunzipped (or zstd-decompressed) on the fly when its magic bytes say so. */
export async function plainTar(source: Readable, o: { inProcess?: boolean } = {}): Promise<Readable> {
  const decompress = await decompressor(source, o);
  if (!decompress) return source;
  return pipeline(source, decompress, () => {}) as unknown as Readable;
}

function ignoreEnoent(err: unknown): void {
  if (errnoCode(err) !== 'ENOENT') throw err;
}

/** Sniff the first bytes: a gzip/zstd decompressor to put in the pipeline, or null for a plain tar. */
async function decompressor(source: Readable, o: { inProcess?: boolean } = {}): Promise<NodeJS.ReadWriteStream | null> {
  const head = await peek(source, 4);
  if (head[0] === 0x1f && head[1] === 0x8b) return gunzipStage(o);
  if (head.readUInt32LE(0) === 0xfd2fb528) return process.getBuiltinModule('node:zlib').createZstdDecompress();
  if (head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68) return spawnDecompressor('bzip2');
  if (head[0] === 0xfd && head[1] === 0x37 && head[2] === 0x7a) return spawnDecompressor('xz');
  return null;
}

/** bzip2 and xz through their own programs, as docker's DecompressStream runs `xz -d -c -q` (no zlib for them). */
function spawnDecompressor(cmd: 'bzip2' | 'xz'): NodeJS.ReadWriteStream {
  return programStage(cmd, ['-d', '-c', '-q'], { pkg: cmd === 'xz' ? 'xz-utils' : 'bzip2', input: `${cmd}-compressed tar` });
}

/** Read at least n bytes (or until the end) and put them back, so the stream starts intact. */
async function peek(source: Readable, n: number): Promise<Buffer> {
  const got: Buffer[] = [];
  let len = 0;
  while (len < n) {
    const chunk = source.read() as Buffer | null;
    if (chunk !== null) {
      got.push(Buffer.from(chunk));
      len += chunk.length;
      continue;
    }
    if (source.readableEnded) break;
    const ended = await new Promise<boolean>((resolve, reject) => {
      const done = (v: boolean) => () => {
        source.off('readable', onReadable).off('end', onEnd).off('error', onError);
        resolve(v);
      };
      const onReadable = done(false);
      const onEnd = done(true);
      const onError = (e: Error) => {
        source.off('readable', onReadable).off('end', onEnd);
        reject(e);
      };
      source.once('readable', onReadable).once('end', onEnd).once('error', onError);
    });
    if (ended) break;
  }
  const head = Buffer.concat(got);
  if (head.length) source.unshift(head);
  return head.length >= 4 ? head : Buffer.concat([head, Buffer.alloc(4 - head.length)]);
}

// the writing half lives in tar-pack.ts; this stays the one door for both
export { packTar, type PackOptions } from './tar-pack.ts';

/** A tar header block: 512 bytes whose checksum field matches (docker's archive sniffing) */
export function isTarHeader(head: Buffer): boolean {
  if (head.length < 512) return false;
  const stored = parseInt(head.subarray(148, 156).toString('latin1').replace(/\0.*$/s, '').trim(), 8);
  if (Number.isNaN(stored)) return false;
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : head[i];
  return sum === stored;
}
