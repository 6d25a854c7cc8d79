// The writing half of skiff's one tar code (tar.ts is the door): a directory, some paths in it, or one
// renamed file as a sorted tar stream — layers, `docker cp` out, build contexts. File system calls are
// synchronous, as extractTar's: each is microseconds, where a thread-pool round trip costs far more.
import { createReadStream, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import tarStream from 'tar-stream';
import type { Headers } from 'tar-stream';
import { cleanEntryName } from './tar.ts';

export interface PackOptions {
  /** paths (relative to root) to include, each with what is below it; default: everything in root */
  include?: string[];
  /** pack root itself (a file or a dir) as one top entry of this name (`docker cp` out: the basename) */
  rename?: string;
  /**
   * Decide per path (relative to root): 'keep'; 'omit' leaves the entry out but still walks a directory's
   * children (a .dockerignore'd dir with re-included files); 'prune' leaves out a directory and all below it.
   */
  filter?: (name: string, st: Stats) => 'keep' | 'omit' | 'prune';
  /** the owner every entry gets (docker's build context: 0:0); default: each file's own */
  owner?: { uid: number; gid: number };
  /** small files (a Dockerfile from outside a build context) appended after the walk */
  extra?: Array<{ name: string; mode: number; content: Buffer }>;
}

/**
 * A tar stream of root's contents (names relative to root, sorted, symlinks not followed), of some
 * paths inside it (`string[]`), or of root itself renamed (`{ rename }`). Hardlinked files are packed once
 * and linked after; sockets are skipped.
 */
export function packTar(root: string, paths?: string[] | PackOptions): Readable {
  const o: PackOptions = Array.isArray(paths) ? { include: paths } : (paths ?? {});
  const pack = tarStream.pack();
  const seen = new Map<string, string>();
  (async () => {
    if (o.rename !== undefined) {
      await packPath(pack, root, o.rename.replace(/^\/+/, ''), seen);
    } else if (o.include) {
      const names = o.include.map((p) => cleanEntryName(p)).filter((p) => p !== '').sort(byteOrder);
      for (const name of names) await packPath(pack, join(root, name), name, seen);
    } else {
      for (const name of readdirSync(root).sort(byteOrder)) await packPath(pack, join(root, name), name, seen, o);
    }
    const now = new Date();
    for (const x of o.extra ?? []) {
      await new Promise<void>((resolve, reject) => pack.entry({ name: x.name, mode: x.mode, uid: o.owner?.uid, gid: o.owner?.gid, mtime: now, type: 'file', size: x.content.length }, x.content, (err) => (err ? reject(err) : resolve())));
    }
    pack.finalize();
  })().catch((err) => pack.destroy(err));
  return Readable.from(pack as unknown as AsyncIterable<Buffer>, { objectMode: false });
}

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

async function packPath(pack: tarStream.Pack, path: string, name: string, seen: Map<string, string>, o: PackOptions = {}): Promise<void> {
  const st = lstatSync(path);
  const h: Headers = { name, mode: st.mode & 0o7777, uid: o.owner?.uid ?? st.uid, gid: o.owner?.gid ?? st.gid, mtime: st.mtime };
  const verdict = o.filter ? o.filter(name, st) : 'keep';
  if (verdict === 'prune' || (verdict === 'omit' && !st.isDirectory())) return;
  if (st.isDirectory()) {
    if (verdict === 'keep') await entry(pack, { ...h, name: name + '/', type: 'directory' });
    for (const child of readdirSync(path).sort(byteOrder)) await packPath(pack, join(path, child), `${name}/${child}`, seen, o);
  } else if (st.isSymbolicLink()) {
    await entry(pack, { ...h, type: 'symlink', linkname: readlinkSync(path) });
  } else if (st.isFile()) {
    const key = `${st.dev}:${st.ino}`;
    const first = st.nlink > 1 ? seen.get(key) : undefined;
    if (first) return entry(pack, { ...h, type: 'link', linkname: first });
    if (st.nlink > 1) seen.set(key, name);
    if (st.size <= ONE_READ) {
      const data = readFileSync(path);
      return entry(pack, { ...h, type: 'file', size: data.length }, data);
    }
    const sink = pack.entry({ ...h, type: 'file', size: st.size });
    await process.getBuiltinModule('node:stream/promises').pipeline(createReadStream(path), sink);
  } else if (st.isCharacterDevice() || st.isBlockDevice()) {
    const [devmajor, devminor] = [Math.floor(st.rdev / 256) & 0xfff, (st.rdev & 0xff) | ((Math.floor(st.rdev / 4096) & 0xfff00))];
    await entry(pack, { ...h, type: st.isCharacterDevice() ? 'character-device' : 'block-device', devmajor, devminor });
  } else if (st.isFIFO()) {
    await entry(pack, { ...h, type: 'fifo' });
  }
}

/** a file up to this size is read at once (a stream's open, reads and close: a thread-pool trip each) */
const ONE_READ = 256 * 1024;

function entry(pack: tarStream.Pack, h: Headers, data?: Buffer): Promise<void> {
  const done = (resolve: () => void, reject: (e: Error) => void) => (err?: Error | null) => (err ? reject(err) : resolve());
  return new Promise((resolve, reject) => (data ? pack.entry(h, data, done(resolve, reject)) : pack.entry(h, done(resolve, reject))));
}
