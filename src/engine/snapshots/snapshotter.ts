// The overlay snapshotter. On disk, under ENGINE_ROOT/snapshots:
//
//   layers/<hex>/                 one image layer, unpacked once (whiteouts as overlay whiteouts); <hex> is the
//                                 layer's diff id (sha256 of its uncompressed tar), so layers are shared by images
//   containers/<key>/upper        the container's changes (kept across unmount: a stopped container keeps them)
//   containers/<key>/work         overlay's scratch dir
//   containers/<key>/merged       the overlay mount: the container's root filesystem
//   tmp/                          layers being unpacked; renamed into layers/ when complete, so a crash
//                                 never leaves half a layer (leftovers are removed at start)
//   empty/                        the lower dir of an image without layers (overlay needs one)
//
// Lifecycle: unpackLayer (images) → mount(key, layerPaths) (container start) → unmount (stop) →
// mount again (restart: same upper) → remove (container rm).
import { mkdir, mkdtemp, rename, rm, readdir, chmod, access } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import type { Snapshotter } from '../types.ts';
import { unpackInWorker } from './unpack.ts';
import { invalidArgument, errnoCode } from '../../lib/errors.ts';
import { logger } from '../../lib/log.ts';
import { isMounted, mountOverlay, unmountPath } from './mounts.ts';

const log = logger('snapshots');

/** Layers, as the image service needs them. */
export interface LayerStore {
  /** where layer `diffId` is (or would be) unpacked */
  layerPath(diffId: string): string;
  hasLayer(diffId: string): Promise<boolean>;
  /**
   * Unpack a layer tar (plain or gzip) once: into tmp/, then renamed into place. Concurrent calls for
   * the same layer share one unpack; an existing layer is not unpacked again (`open` is not called).
   * `verify`: the plain tar's sha256 must be diffId (a pulled layer: its blob is compressed), else the
   * unpack fails with a digest mismatch and leaves nothing. `unpacked` hears the plain tar's length.
   */
  unpackLayer(diffId: string, open: () => Readable, o?: UnpackOptions): Promise<string>;
  removeLayer(diffId: string): Promise<void>;
}

export interface UnpackOptions {
  verify?: boolean;
  /** the stream's buffers are the unpack's to take (moved to the worker without a copy) */
  handOver?: boolean;
  unpacked?: (plainBytes: number) => void;
}

export interface OverlaySnapshotter extends Snapshotter, LayerStore {
  /** the mount point of `key` (mounted or not) */
  mergedDir(key: string): string;
  isMounted(key: string): Promise<boolean>;
}

const layerHex = (diffId: string): string => {
  const hex = diffId.startsWith('sha256:') ? diffId.slice(7) : diffId;
  if (!/^[a-f0-9]{64}$/.test(hex)) throw invalidArgument(`invalid layer id "${diffId}"`);
  return hex;
};

const checkKey = (key: string): string => {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(key)) throw invalidArgument(`invalid snapshot key "${key}"`);
  return key;
};

// one snapshotter per engine root in a process: the images and containers rooms share its unpack
// bookkeeping, and a second instance's start-up sweep of tmp/ can never remove the first one's work
const instances = new Map<string, OverlaySnapshotter>();

export function createSnapshotter(opts: { root: string }): OverlaySnapshotter {
  const key = resolve(opts.root);
  let s = instances.get(key);
  if (!s) instances.set(key, (s = newSnapshotter(key)));
  return s;
}

function newSnapshotter(root: string): OverlaySnapshotter {
  const base = join(root, 'snapshots');
  const layersDir = join(base, 'layers');
  const containersDir = join(base, 'containers');
  const tmpDir = join(base, 'tmp');
  const emptyDir = join(base, 'empty');
  const unpacking = new Map<string, Promise<string>>();
  // leftovers of a crash mid-unpack; later unpacks wait for this sweep so it never removes their work
  const ready = (async () => {
    await mkdir(tmpDir, { recursive: true });
    await mkdir(layersDir, { recursive: true });
    for (const name of await readdir(tmpDir)) await rm(join(tmpDir, name), { recursive: true, force: true });
  })();
  ready.catch((err) => log.warn('could not sweep unfinished layers', { dir: tmpDir, err }));

  const layerPath = (diffId: string) => join(layersDir, layerHex(diffId));
  const dirs = (key: string) => {
    const d = join(containersDir, checkKey(key));
    return { upper: join(d, 'upper'), work: join(d, 'work'), merged: join(d, 'merged'), dir: d };
  };
  const exists = (p: string) => access(p).then(() => true, () => false);

  async function unpack(diffId: string, open: () => Readable, o: UnpackOptions): Promise<string> {
    const dest = layerPath(diffId);
    if (await exists(dest)) return dest;
    await ready;
    const tmp = await mkdtemp(join(tmpDir, `${layerHex(diffId).slice(0, 12)}-`));
    try {
      const got = await unpackInWorker(open(), tmp, { handOver: o.handOver });
      if (o.verify && got.digest !== diffId) throw invalidArgument(`digest mismatch: expected ${diffId}, got ${got.digest}`);
      o.unpacked?.(got.bytes);
      await chmod(tmp, 0o755);
      await rename(tmp, dest);
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      // another engine process won the race: its copy is as good as ours
      if ((errnoCode(err) === 'ENOTEMPTY' || errnoCode(err) === 'EEXIST') && (await exists(dest))) return dest;
      throw err;
    }
    return dest;
  }

  return {
    layerPath,
    hasLayer: (diffId) => exists(layerPath(diffId)),
    unpackLayer(diffId, open, o = {}) {
      const hex = layerHex(diffId);
      let p = unpacking.get(hex);
      if (!p) {
        p = unpack(diffId, open, o).finally(() => unpacking.delete(hex));
        unpacking.set(hex, p);
      }
      return p;
    },
    async removeLayer(diffId) {
      const dest = layerPath(diffId);
      await ready;
      // rename first so the layer disappears at once, even if the delete is cut short
      const doomed = join(tmpDir, `rm-${layerHex(diffId).slice(0, 12)}-${process.pid}-${Date.now()}`);
      try {
        await rename(dest, doomed);
      } catch (err) {
        if (errnoCode(err) === 'ENOENT') return;
        throw err;
      }
      await rm(doomed, { recursive: true, force: true });
    },

    async mount(key, lowerDirs, opts = {}) {
      const d = dirs(key);
      // fs round trips are what this costs on the start path: independent ones go together
      const [mounted] = await Promise.all([isMounted(d.merged), mkdir(d.dir, { recursive: true, mode: 0o755 })]);
      if (mounted) return d.merged;
      if (lowerDirs.length === 0) {
        await mkdir(emptyDir, { recursive: true });
        lowerDirs = [emptyDir];
      }
      await Promise.all([
        mkdir(d.upper, { recursive: true, mode: 0o755 }), mkdir(d.work, { recursive: true, mode: 0o700 }),
        mkdir(d.merged, { recursive: true, mode: 0o755 }),
        // a volatile mount leaves this mark in the work dir, and overlay refuses the dirs while it is there;
        // the work dir is overlay's scratch space (only --rm containers, which a crash removes, use volatile)
        rm(join(d.work, 'work', 'incompat', 'volatile'), { recursive: true, force: true }),
      ]);
      await mountOverlay({ lowerDirs, upper: d.upper, work: d.work, merged: d.merged, layersDir, volatile: opts.volatile });
      return d.merged;
    },
    async unmount(key) {
      await unmountPath(dirs(key).merged);
    },
    async remove(key) {
      const d = dirs(key);
      await unmountPath(d.merged);
      await rm(d.dir, { recursive: true, force: true });
    },
    upperDir: (key) => dirs(key).upper,
    mergedDir: (key) => dirs(key).merged,
    isMounted: (key) => isMounted(dirs(key).merged),
  };
}
