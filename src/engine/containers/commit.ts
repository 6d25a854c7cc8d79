// A container's changes three ways (issue 9): `docker diff` (the upper dir's change list), `docker commit`
// (the upper dir as one more image layer, the container paused meanwhile) and `docker export` (the whole
// merged root filesystem as a tar, mounted for the occasion when the container is not running).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { ContainerCommitOptions, ContainerRecord, ImageConfig, ImageRecord } from '../types.ts';
import { packTar } from '../../lib/tar.ts';
import { conflict } from '../../lib/errors.ts';
import { upperChanges, type Change } from '../images/upper-dir.ts';
import { applyChanges } from '../images/changes.ts';
import type { Ctx } from './context.ts';
import { withRootfs } from './archive.ts';
import { emitContainer } from './events.ts';
import { mergeEnv } from './spec.ts';

/** mount points the engine makes for its own bind mounts (docker keeps them in its init layer) */
const ENGINE_FILES = ['etc/hostname', 'etc/hosts', 'etc/resolv.conf'];
/** mount points the runtime makes when the image lacks them: skipped while they are empty */
const RUNTIME_DIRS = ['dev', 'proc', 'sys'];

/** the upper dir's entries that are the engine's or the runtime's, not the container's */
async function enginePaths(ctx: Ctx, rec: ContainerRecord): Promise<string[]> {
  const upper = ctx.snapshotter.upperDir(rec.id);
  const lowers = await ctx.layerPaths(rec.imageId);
  const made = RUNTIME_DIRS.filter((d) => isEmptyDir(join(upper, d)) && !lowers.some((l) => existsSync(join(l, d))));
  return [...ENGINE_FILES, ...made];
}

function isEmptyDir(p: string): boolean {
  try {
    return readdirSync(p).length === 0;
  } catch {
    return false; // absent or not a dir: not a bare mount point
  }
}

export async function containerChanges(ctx: Ctx, rec: ContainerRecord): Promise<Change[]> {
  return upperChanges(ctx.snapshotter.upperDir(rec.id), await ctx.layerPaths(rec.imageId), new Set(await enginePaths(ctx, rec)));
}

/** The container's run config as an image config: the image's, with what the container set over it. */
export function commitConfig(rec: ContainerRecord, image: ImageRecord, o: ContainerCommitOptions): ImageConfig['config'] {
  const ic = image.config.config ?? {};
  const s = rec.spec;
  const ports = Object.fromEntries([...Object.keys(ic.ExposedPorts ?? {}), ...(s.exposedPorts ?? [])].map((p) => [p, {}]));
  const base: ImageConfig['config'] = {
    ...ic,
    Env: mergeEnv(ic.Env ?? [], s.env ?? []),
    Cmd: s.cmd ?? (s.entrypoint ? null : (ic.Cmd ?? null)),
    Entrypoint: s.entrypoint ?? ic.Entrypoint ?? null,
    Labels: { ...ic.Labels, ...s.labels },
    ...(s.workingDir ? { WorkingDir: s.workingDir } : {}),
    ...(s.user !== undefined ? { User: s.user } : {}),
    ...(s.stopSignal ? { StopSignal: s.stopSignal } : {}),
    ...(Object.keys(ports).length ? { ExposedPorts: ports } : {}),
  };
  // docker's merge: what the caller's config sets wins, what it leaves empty comes from the container
  const given = Object.fromEntries(Object.entries(o.config ?? {}).filter(([, v]) => v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && !v.length)));
  return applyChanges({ ...base, ...given }, o.changes ?? []);
}

/**
 * `docker commit`: the upper dir becomes a new image on the container's. A running container is paused
 * while its changes are read (unless `pause: false`) and unpaused after, whatever happened.
 */
export async function commitContainer(
  ctx: Ctx, rec: ContainerRecord, o: ContainerCommitOptions, pausing: { pause(): Promise<void>; unpause(): Promise<void> },
): Promise<ImageRecord> {
  if (rec.state.status === 'removing' || rec.state.status === 'dead') throw conflict(`You cannot commit container ${rec.id} which is ${rec.state.status}`);
  const image = await ctx.images.get(rec.imageId);
  const config = o.buildStep?.config ?? commitConfig(rec, image, o); // bad changes fail before any pause or work
  const paused = o.pause !== false && rec.state.status === 'running';
  if (paused) await pausing.pause();
  let img: ImageRecord;
  try {
    // docker's created_by: the container's own command, before any --change
    const cmd = rec.spec.cmd ?? image.config.config?.Cmd ?? [];
    img = await ctx.images.commit(ctx.snapshotter.upperDir(rec.id), {
      parent: rec.imageId, config, ref: o.ref, skip: await enginePaths(ctx, rec), comment: o.comment, author: o.author, createdBy: o.buildStep?.createdBy ?? cmd.join(' '),
    });
    // before the unpause, as docker's deferred unpause
    emitContainer(ctx, rec, 'commit', { comment: o.comment ?? '', imageID: img.id, imageRef: img.repoTags[0] ?? '' });
  } finally {
    if (paused) await pausing.unpause();
  }
  return img;
}

/** `docker export`: the merged root filesystem as a tar stream (volumes and bind mounts not included). */
export function exportContainer(ctx: Ctx, rec: ContainerRecord): Promise<Readable> {
  return withRootfs(
    ctx, rec,
    async (root) => {
      const tar = packTar(root);
      emitContainer(ctx, rec, 'export');
      return tar;
    },
    (tar) => finished(tar).catch(() => {}), // the rootfs stays mounted until the client has read it all
  );
}
