// The sandbox image, skiff/pause:1: one static file, /pause (pause.c), imported on first use and labelled
// pinned (image prune never takes it; the kubelet's image GC sees `pinned` in listImages).
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImageRecord, ImageService } from '../types.ts';
import { isKind } from '../../lib/errors.ts';
import { PINNED_LABEL } from '../images/prune.ts';
import { pauseBinary } from './binaries.ts';

export const PAUSE_IMAGE = 'skiff/pause:1';

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
