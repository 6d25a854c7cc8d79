// A container's volumes around its run: at start (rootfs mounted) missing `-v` host dirs are made, volumes
// mounted and, when new, filled with the image's content at their target (docker's copy-up); at exit they
// are released (a driver filesystem unmounted by its last user); `rm -v` removes the anonymous ones.
import { mkdir, readdir, stat } from 'node:fs/promises';
import { posix } from 'node:path';
import type { ContainerRecord, MountSpec, VolumeUse } from '../types.ts';
import { internal } from '../../lib/errors.ts';
import { runProgram } from '../../lib/spawn.ts';
import { resolveInRoot } from '../../lib/tar.ts';
import { log, type Ctx } from './context.ts';
import { dropVolumes } from './mounts.ts';

const active = (r: ContainerRecord) => r.state.status === 'running' || r.state.status === 'paused' || r.state.status === 'restarting';

function useOf(rec: ContainerRecord, m: MountSpec): VolumeUse {
  return { container: rec.id, destination: m.target, readWrite: !m.readOnly, propagation: m.propagation ?? '' };
}

/** Host paths of the container's volumes by name, ready for the OCI spec. Caller holds the lifecycle turn. */
export async function prepareMounts(ctx: Ctx, rec: ContainerRecord, rootfs: string): Promise<Record<string, string>> {
  const paths: Record<string, string> = {};
  const mounted: MountSpec[] = [];
  try {
    for (const m of rec.spec.host.mounts) {
      // -v makes a missing source dir; an existing source (a file too: -v /etc/x.conf:/x) is used as it is
      if (m.type === 'bind' && m.createHostPath && !(await stat(m.source).catch(() => null))) await mkdir(m.source, { recursive: true });
      if (m.type !== 'volume') continue;
      const dir = await ctx.volumes.mount(m.source, useOf(rec, m));
      mounted.push(m);
      paths[m.source] = dir;
      if (!m.noCopy) await ctx.volumes.populate(m.source, (data) => copyUp(m, data, rootfs));
    }
  } catch (err) {
    await releaseMounts(ctx, rec, mounted).catch((e) => log.warn('could not release volumes after a failed start', { id: rec.id, err: e }));
    throw err;
  }
  return paths;
}

/** Copy what the image has at the mount's target into a new volume's data dir; false when it has nothing. */
async function copyUp(m: MountSpec, dir: string, rootfs: string): Promise<boolean> {
  const src = await resolveInRoot(rootfs, m.target);
  const st = await stat(src).catch(() => null); // nothing in the image there: nothing to copy
  if (!st?.isDirectory() || (await readdir(src)).length === 0) return false;
  // cp -a keeps owners, modes, times, links and special files, and gives the data dir the source dir's own
  const r = await runProgram('/bin/cp', ['-a', '--', `${src}/.`, `${dir}/`]);
  if (r.code !== 0) throw internal(`copying image content into volume ${m.source}: ${r.stderr.trim() || r.error?.message || `exit status ${r.code}`}`, r.error);
  return true;
}

/** After the run: each volume told its user left; the last running user unmounts a driver filesystem. */
export async function releaseMounts(ctx: Ctx, rec: ContainerRecord, only?: MountSpec[]): Promise<void> {
  for (const m of only ?? rec.spec.host.mounts) {
    if (m.type !== 'volume') continue;
    const others = [...ctx.store.all()].some((r) => r.id !== rec.id && active(r) && r.spec.host.mounts.some((o) => o.type === 'volume' && o.source === m.source));
    await ctx.volumes.unmount(m.source, useOf(rec, m), !others);
  }
}

/** `rm -v` and `--rm`: the container's anonymous volumes go with it (named ones never). */
export async function removeAnonymousVolumes(ctx: Ctx, rec: ContainerRecord): Promise<void> {
  const names: string[] = [];
  for (const m of rec.spec.host.mounts) {
    if (m.type !== 'volume' || m.origin === 'volumes-from') continue;
    const v = await ctx.volumes.inspect(m.source).catch(() => null); // already removed: nothing to do
    if (v?.anonymous) names.push(v.name);
  }
  await dropVolumes(ctx.volumes, names);
}

/** Ids of the containers (any state) that mount the volume `name`. */
export function volumeUsers(ctx: Pick<Ctx, 'store'>, name: string): string[] {
  return [...ctx.store.all()].filter((r) => r.spec.host.mounts.some((m) => m.type === 'volume' && m.source === name)).map((r) => r.id);
}

/**
 * Where a container path lies when it is under one of the container's bind or volume mounts (the deepest):
 * the mount's host directory and the path inside it. `docker cp` reads and writes there, as docker's
 * archive code does with the container's volumes mounted.
 */
export function mountUnder(rec: ContainerRecord, path: string): { mount: MountSpec; root: string; rel: string } | null {
  const clean = posix.normalize('/' + path);
  let best: MountSpec | undefined;
  for (const m of rec.spec.host.mounts) {
    if (m.type === 'tmpfs' || !(clean === m.target || clean.startsWith(m.target + '/'))) continue;
    if (!best || m.target.length > best.target.length) best = m;
  }
  const root = best?.type === 'volume' ? best.hostPath : best?.source;
  if (!best || !root) return null;
  return { mount: best, root, rel: clean.slice(best.target.length) || '/' };
}
