// The BuildService: Dockerfile builds over the engine's own rooms (images for commits and tags, the
// snapshotter for COPY steps, containers for RUN steps) and the step cache on disk.
import type { BuildService, ContainerService, EventSink, Snapshotter } from '../../types.ts';
import type { EngineImageService } from '../../images/index.ts';
import { openStepCache } from './cache.ts';
import { runBuild } from './run.ts';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { logger } from '../../../lib/log.ts';

const log = logger('build');

/**
 * A COPY or WORKDIR step mounts a snapshot of its own (no container owns it); a daemon that died mid-step
 * left it behind. At start, before any build or create runs, a snapshot no container owns is such a one.
 */
async function removeStaleSnapshots(o: BuildServiceOptions): Promise<void> {
  const keys = await readdir(join(o.root, 'snapshots', 'containers')).catch(() => [] as string[]);
  if (!keys.length) return;
  const owned = new Set((await o.containers.list({ all: true })).map((c) => c.id));
  for (const key of keys.filter((k) => !owned.has(k))) {
    await o.snapshotter.remove(key).catch((err: unknown) => log.warn('could not remove a build step snapshot left by a crash', { key, err }));
  }
}

export interface BuildServiceOptions {
  root: string;
  images: EngineImageService;
  containers: ContainerService;
  snapshotter: Snapshotter;
  events?: EventSink;
}

export async function createBuildService(o: BuildServiceOptions): Promise<BuildService> {
  const cache = await openStepCache(o.root, o.images, () => o.containers);
  await removeStaleSnapshots(o);
  return {
    build: (req, emit, signal) => runBuild({ ...o, cache }, req, emit, signal),
    cache: () => cache.list(),
    prune: (opts) => cache.prune(opts),
  };
}
