// The BuildService: Dockerfile builds over the engine's own rooms (images for commits and tags, the
// snapshotter for COPY steps, containers for RUN steps) and the step cache on disk.
import type { BuildService, ContainerService, EventSink, Snapshotter } from '../../types.ts';
import type { EngineImageService } from '../../images/index.ts';
import { openStepCache } from './cache.ts';
import { runBuild } from './run.ts';

export interface BuildServiceOptions {
  root: string;
  images: EngineImageService;
  containers: ContainerService;
  snapshotter: Snapshotter;
  events?: EventSink;
}

export async function createBuildService(o: BuildServiceOptions): Promise<BuildService> {
  const cache = await openStepCache(o.root, o.images, () => o.containers);
  return {
    build: (req, emit, signal) => runBuild({ ...o, cache }, req, emit, signal),
    cache: () => cache.list(),
    prune: (opts) => cache.prune(opts),
  };
}
