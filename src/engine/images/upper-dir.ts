// A container's overlay upper dir read two ways: as docker's change list (`docker diff`, moby's
// OverlayChanges) and as an OCI layer tar with whiteouts (moby's overlay2 Diff), both walked in the same
// lexical, parent-first order so a layer of the same files always has the same bytes.
import { existsSync, lstatSync, readdirSync, statSync, createReadStream, readlinkSync } from 'node:fs';
import type { BigIntStats, Stats } from 'node:fs';
import { join, posix } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import tarStream from 'tar-stream';
import type { Headers } from 'tar-stream';
import { errnoCode, failedPrecondition } from '../../lib/errors.ts';

const run = promisify(execFile);

/** docker's change kinds: 0 modified, 1 added, 2 deleted */
export type ChangeKind = 0 | 1 | 2;
export interface Change {
  Path: string;
  Kind: ChangeKind;
}

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** a whiteout: overlay's char device 0/0 */
const isWhiteout = (st: Stats) => st.isCharacterDevice() && st.rdev === 0;

/**
 * The extended attributes under `root` (one getfattr for the whole tree: Node has no xattr call), keyed by
 * path relative to root ('' for root itself). trusted.overlay.* are overlay's own and kept apart as `opaque`.
 */
export async function readXattrs(root: string): Promise<{ xattrs: Map<string, Record<string, Buffer>>; opaque: Set<string> }> {
  const xattrs = new Map<string, Record<string, Buffer>>();
  const opaque = new Set<string>();
  let out = '';
  try {
    ({ stdout: out } = await run('getfattr', ['-h', '-R', '-d', '-m', '-', '-e', 'hex', '--absolute-names', root], { maxBuffer: 256 * 1024 * 1024 }));
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') throw failedPrecondition('getfattr is missing (Debian package "attr"): needed to read layer xattrs', err);
    // getfattr exits 1 when some file could not be read (a file removed meanwhile); what it printed stands
    out = (err as { stdout?: string }).stdout ?? '';
  }
  let cur: string | null = null;
  for (const line of out.split('\n')) {
    if (line.startsWith('# file: ')) {
      const abs = unescapeOctal(line.slice(8));
      cur = abs === root ? '' : abs.startsWith(root + '/') ? abs.slice(root.length + 1) : null;
      continue;
    }
    const m = /^([^=]+)=0x([0-9a-f]*)$/.exec(line);
    if (!m || cur === null) continue;
    const value = Buffer.from(m[2], 'hex');
    if (m[1] === 'trusted.overlay.opaque') {
      if (value.toString() === 'y') opaque.add(cur);
    } else if (!m[1].startsWith('trusted.overlay.')) {
      xattrs.set(cur, { ...xattrs.get(cur), [m[1]]: value });
    }
  }
  return { xattrs, opaque };
}

/** getfattr writes unusual bytes of file names as `\NNN` octal */
function unescapeOctal(s: string): string {
  if (!s.includes('\\')) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const m = /^\\([0-7]{3})/.exec(s.slice(i, i + 4));
    if (m) {
      bytes.push(parseInt(m[1], 8));
      i += 3;
    } else bytes.push(...Buffer.from(s[i]));
  }
  return Buffer.from(bytes).toString();
}

/** the first lower layer holding `rel` (followed, as moby's os.Stat), or null */
function existsIn(lowers: string[], rel: string): string | null {
  for (const l of lowers) if (statSync(join(l, rel), { throwIfNoEntry: false })) return join(l, rel);
  return null;
}

/** moby's sameFsTime: the same second, and the same nanosecond unless one side has none */
function sameDir(a: BigIntStats, b: BigIntStats): boolean {
  const an = a.mtimeNs % 1_000_000_000n;
  const bn = b.mtimeNs % 1_000_000_000n;
  return a.size === b.size && a.mode === b.mode && a.mtimeNs / 1_000_000_000n === b.mtimeNs / 1_000_000_000n && (an === bn || an === 0n || bn === 0n);
}

/**
 * A dir in the upper dir only because the engine's own mount points (skip: /etc/hosts …, docker's init
 * layer) were made in it: not a change of the container's. A dir with nothing in it is a change (mkdir).
 */
function onlySkipped(upper: string, rel: string, skip: Set<string>, opaque: Set<string>): boolean {
  if (!skip.size || opaque.has(rel) || !lstatSync(join(upper, rel)).isDirectory()) return false;
  const names = readdirSync(join(upper, rel));
  return names.length > 0 && names.every((n) => skip.has(`${rel}/${n}`) || onlySkipped(upper, `${rel}/${n}`, skip, opaque));
}

/** `docker diff` of an upper dir over its lower dirs, in docker's order and with docker's parent rows. */
export async function upperChanges(upper: string, lowers: string[], skip: Set<string> = new Set()): Promise<Change[]> {
  if (!existsSync(upper)) return []; // a container never started has no upper dir yet: no changes
  const { opaque } = await readXattrs(upper);
  const changes: Change[] = [];
  const changedDirs = new Set<string>();
  const walk = (rel: string) => {
    for (const name of readdirSync(join(upper, rel)).sort(byteOrder)) {
      const childRel = rel ? `${rel}/${name}` : name;
      const path = '/' + childRel;
      const host = join(upper, childRel);
      const st = lstatSync(host);
      if (skip.has(childRel) || (st.isDirectory() && onlySkipped(upper, childRel, skip, opaque))) continue;
      let kind: ChangeKind | null;
      if (isWhiteout(st) || (st.isDirectory() && opaque.has(childRel) && existsIn(lowers, childRel))) kind = 2;
      else {
        kind = 1;
        const below = existsIn(lowers, childRel);
        if (below) {
          // a dir that is only there because something below it changed is no change of its own
          const b = statSync(below, { bigint: true });
          kind = b.isDirectory() && st.isDirectory() && sameDir(lstatSync(host, { bigint: true }), b) ? null : 0;
        }
      }
      if (kind !== null) {
        if (st.isDirectory()) changedDirs.add(path);
        if (kind !== 0) {
          const parent = posix.dirname(path);
          if (parent !== '/' && !changedDirs.has(parent)) {
            changes.push({ Path: parent, Kind: 0 });
            changedDirs.add(parent);
          }
        }
        changes.push({ Path: path, Kind: kind });
      }
      if (st.isDirectory()) walk(childRel);
    }
  };
  walk('');
  return changes;
}

/**
 * The upper dir as an OCI layer: names sorted, owners, modes, times, symlinks, hardlinks (once, then
 * linked) and xattrs (PAX SCHILY.xattr, text values only: tar-stream writes PAX values as strings) kept;
 * a whiteout device becomes `.wh.NAME`, an opaque dir gets `.wh..wh..opq` after its own entry.
 */
export function packUpperLayer(upper: string, skip: Set<string> = new Set()): Readable {
  const pack = tarStream.pack();
  (async () => {
    const { xattrs, opaque } = await readXattrs(upper);
    const seen = new Map<string, string>();
    if (!existsSync(upper)) return pack.finalize(); // never started: an empty layer
    const walk = async (rel: string) => {
      for (const name of readdirSync(join(upper, rel)).sort(byteOrder)) {
        const childRel = rel ? `${rel}/${name}` : name;
        if (skip.has(childRel) || onlySkipped(upper, childRel, skip, opaque)) continue;
        await packEntry(pack, upper, childRel, { xattrs, opaque, seen });
        if (lstatSync(join(upper, childRel)).isDirectory()) {
          if (opaque.has(childRel)) await entry(pack, { name: `${childRel}/.wh..wh..opq`, type: 'file', mode: 0o600, size: 0, mtime: new Date(0) });
          await walk(childRel);
        }
      }
    };
    await walk('');
    pack.finalize();
  })().catch((err) => pack.destroy(err));
  return Readable.from(pack as unknown as AsyncIterable<Buffer>, { objectMode: false });
}

interface PackState {
  xattrs: Map<string, Record<string, Buffer>>;
  opaque: Set<string>;
  seen: Map<string, string>;
}

async function packEntry(pack: tarStream.Pack, upper: string, rel: string, s: PackState): Promise<void> {
  const host = join(upper, rel);
  const st = lstatSync(host);
  if (isWhiteout(st)) {
    const dir = posix.dirname(rel);
    const name = `${dir === '.' ? '' : dir + '/'}.wh.${posix.basename(rel)}`;
    return entry(pack, { name, type: 'file', mode: 0o600, size: 0, uid: st.uid, gid: st.gid, mtime: st.mtime });
  }
  const h: Headers & { pax?: Record<string, string> } = { name: rel, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime };
  const x = s.xattrs.get(rel);
  if (x) {
    const pax: Record<string, string> = {};
    for (const [k, v] of Object.entries(x)) {
      const text = v.toString();
      if (Buffer.from(text).equals(v)) pax[`SCHILY.xattr.${k}`] = text;
    }
    if (Object.keys(pax).length) h.pax = pax;
  }
  if (st.isDirectory()) return entry(pack, { ...h, name: rel + '/', type: 'directory' });
  if (st.isSymbolicLink()) return entry(pack, { ...h, type: 'symlink', linkname: readlinkSync(host) });
  if (st.isFile()) {
    const key = `${st.dev}:${st.ino}`;
    const first = st.nlink > 1 ? s.seen.get(key) : undefined;
    if (first) return entry(pack, { ...h, type: 'link', linkname: first });
    if (st.nlink > 1) s.seen.set(key, rel);
    await pipeline(createReadStream(host), pack.entry({ ...h, type: 'file', size: st.size }));
    return;
  }
  if (st.isCharacterDevice() || st.isBlockDevice()) {
    const devmajor = Math.floor(st.rdev / 256) & 0xfff;
    const devminor = (st.rdev & 0xff) | (Math.floor(st.rdev / 4096) & 0xfff00);
    return entry(pack, { ...h, type: st.isCharacterDevice() ? 'character-device' : 'block-device', devmajor, devminor });
  }
  if (st.isFIFO()) return entry(pack, { ...h, type: 'fifo' });
  // sockets are not carried in layers (as docker)
}

/** an entry without a body (a file entry gets an empty one: without it tar-stream waits for its data) */
function entry(pack: tarStream.Pack, h: Headers): Promise<void> {
  return new Promise((resolve, reject) => pack.entry(h, h.type === 'file' ? Buffer.alloc(0) : undefined, (err) => (err ? reject(err) : resolve())));
}
