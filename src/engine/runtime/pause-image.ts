// The sandbox image, skiff/pause:2: one static file, /pause (pause.c), and the mount points the runtime
// mounts on (/dev, /proc, /sys, /etc/{hosts,hostname,resolv.conf}: present in the image, crun makes none of
// them in each sandbox's upper dir — 7 inodes and copy-ups fewer per pod), imported on first use and labelled
// pinned (image prune never takes it; the kubelet's image GC sees `pinned` in listImages).
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImageRecord, ImageService } from '../types.ts';
import { isKind } from '../../lib/errors.ts';
import { PINNED_LABEL } from '../images/prune.ts';
import { pauseBinary } from './binaries.ts';

export const PAUSE_IMAGE = 'skiff/pause:2';

let importing: Promise<ImageRecord> | null = null;

/** The pause image, imported once (concurrent first sandboxes share one import). */
export async function ensurePauseImage(images: ImageService): Promise<ImageRecord> {
  try {
    return await images.get(PAUSE_IMAGE);
  } catch (err) {
    if (!isKind(err, 'NotFound')) throw err;
  }
  importing ??= importPause(images).finally(() => (importing = null));
  return importing;
}

async function importPause(images: ImageService): Promise<ImageRecord> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-pause-'));
  try {
    await copyFile(pauseBinary(), join(dir, 'pause'));
    for (const d of ['dev', 'proc', 'sys', 'etc']) await mkdir(join(dir, d), { mode: 0o755 });
    for (const f of ['hosts', 'hostname', 'resolv.conf']) await writeFile(join(dir, 'etc', f), '', { mode: 0o644 });
    return await images.importRootfs(dir, {
      ref: PAUSE_IMAGE,
      changes: ['ENTRYPOINT ["/pause"]', `LABEL ${PINNED_LABEL}=true`],
      message: 'skiff pod sandbox',
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export const isPinned = (img: ImageRecord) => img.config.config?.Labels?.[PINNED_LABEL] === 'true';
