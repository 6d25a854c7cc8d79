// `docker cp`: files in and out of a container's root filesystem, and their stat. The rootfs is mounted for
// the operation when the container is not running (as docker does); paths resolve inside it as a chroot
// would, so a symlink in the container never reaches the host.
import { lstat, readlink } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { ContainerRecord, PathStat } from '../types.ts';
import { extractTar, packTar, resolveInRoot } from '../../lib/tar.ts';
import { invalidArgument, notFound, errnoCode } from '../../lib/errors.ts';
import type { Ctx } from './context.ts';
import { serialize } from './lifecycle.ts';
import { emitContainer } from './events.ts';
import { mountUnder } from './volume-use.ts';

/** Go's os.FileMode bits for a stat (what docker puts in X-Docker-Container-Path-Stat). */
export function goFileMode(st: Stats): number {
  let mode = st.mode & 0o777;
  if (st.isDirectory()) mode |= 2 ** 31;
  else if (st.isSymbolicLink()) mode |= 2 ** 27;
  else if (st.isFIFO()) mode |= 2 ** 25;
  else if (st.isSocket()) mode |= 2 ** 24;
  else if (st.isCharacterDevice()) mode |= 2 ** 26 + 2 ** 21;
  else if (st.isBlockDevice()) mode |= 2 ** 26;
  if (st.mode & 0o4000) mode |= 2 ** 23;
  if (st.mode & 0o2000) mode |= 2 ** 22;
  if (st.mode & 0o1000) mode |= 2 ** 20;
  return mode;
}

const isActive = (r: ContainerRecord) => r.state.status === 'running' || r.state.status === 'paused';

/** Run `fn` with the container's root mounted; unmount afterwards unless the container runs by then. */
export async function withRootfs<T>(ctx: Ctx, rec: ContainerRecord, fn: (root: string) => Promise<T>, until?: (v: T) => Promise<unknown>): Promise<T> {
  const root = await serialize(ctx, rec.id, async () => ctx.snapshotter.mount(rec.id, await ctx.layerPaths(rec.imageId)));
  const release = () => serialize(ctx, rec.id, async () => {
    if (!isActive(rec) && ctx.store.tryFind(rec.id)) await ctx.snapshotter.unmount(rec.id);
  }).catch(() => {});
  let value: T;
  try {
    value = await fn(root);
  } catch (err) {
    await release();
    throw err;
  }
  if (until) until(value).finally(release);
  else await release();
  return value;
}

/** Where `path` is on the host: parents resolved in root; the last element is followed only for `/` or `/.` endings. */
async function locate(root: string, path: string): Promise<{ host: string; follow: boolean }> {
  if (!path.startsWith('/')) path = '/' + path;
  const follow = path.endsWith('/') || path.endsWith('/.');
  const clean = posix.normalize(path);
  if (clean === '/') return { host: root, follow: true };
  const parent = await resolveInRoot(root, posix.dirname(clean));
  const host = posix.join(parent, posix.basename(clean));
  return { host: follow ? await resolveInRoot(root, clean) : host, follow };
}

async function statAt(root: string, rec: ContainerRecord, path: string): Promise<{ stat: PathStat; host: string; st: Stats }> {
  // a path under a bind or volume mount is in that mount's host directory (docker's archive does the same)
  const under = mountUnder(rec, path);
  const suffix = path.endsWith('/.') ? '/.' : path.endsWith('/') ? '/' : '';
  const { host } = under ? await locate(under.root, under.rel + suffix) : await locate(root, path);
  let st: Stats;
  try {
    st = await lstat(host);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') throw notFound(`Could not find the file ${path} in container ${rec.name}`);
    throw err;
  }
  let linkTarget = '';
  if (st.isSymbolicLink()) {
    const target = await readlink(host);
    linkTarget = target.startsWith('/') ? target : posix.join(posix.dirname(posix.normalize('/' + path)), target);
  }
  const base = posix.basename(posix.normalize('/' + path)) || '/';
  return { stat: { name: base, size: st.size, mode: goFileMode(st), mtime: st.mtime.toISOString(), linkTarget }, host, st };
}

export function statPath(ctx: Ctx, rec: ContainerRecord, path: string): Promise<PathStat> {
  return withRootfs(ctx, rec, async (root) => (await statAt(root, rec, path)).stat);
}

export function getArchive(ctx: Ctx, rec: ContainerRecord, path: string): Promise<{ stat: PathStat; tar: Readable }> {
  return withRootfs(
    ctx, rec,
    async (root) => {
      const { stat, host } = await statAt(root, rec, path);
      const contentsOnly = path.endsWith('/.');
      const tar = contentsOnly ? packTar(host) : packTar(host, { rename: stat.name === '/' ? '.' : stat.name });
      emitContainer(ctx, rec, 'archive-path');
      return { stat, tar };
    },
    (v) => finished(v.tar).catch(() => {}),
  );
}

export function putArchive(ctx: Ctx, rec: ContainerRecord, path: string, tar: Readable, opts: { noOverwriteDirNonDir?: boolean }): Promise<void> {
  const under = mountUnder(rec, path);
  if (under?.mount.readOnly) return Promise.reject(invalidArgument('mounted volume is marked read-only'));
  if (!under && rec.spec.host.readonlyRootfs) return Promise.reject(invalidArgument('container rootfs is marked read-only'));
  return withRootfs(ctx, rec, async (root) => {
    const { host, st } = await statAt(root, rec, path.endsWith('/') ? path : path + '/');
    if (!st.isDirectory()) throw invalidArgument('extraction point is not a directory');
    await extractTar(tar, host, { whiteouts: 'apply', noOverwriteDirNonDir: opts.noOverwriteDirNonDir, symlinkParents: 'follow-in-root' });
    emitContainer(ctx, rec, 'extract-to-dir');
  });
}
