// The Docker Engine API (v1.24–1.50) on a unix socket: what the docker CLI and skiff's own CLI talk to.
import type { Engine } from '../types.ts';
import type { Route } from './router.ts';
import { serveRoutes, type ApiServer } from './server.ts';
import { systemRoutes } from './system.ts';
import { containerRoutes } from './containers.ts';
import { containerIoRoutes } from './container-io.ts';
import { execRoutes } from './exec.ts';
import { imageRoutes } from './images.ts';
import { registryRoutes } from './registry.ts';
import { eventRoutes } from './events.ts';
import { resourceRoutes } from './resources.ts';
import { volumeRoutes } from './volumes.ts';
import { networkRoutes } from './networks.ts';
import { commitRoutes } from './commit.ts';
import { buildRoutes } from './build.ts';
import { archiveRoutes } from './archive.ts';

export { API_VERSION, MIN_API_VERSION } from './router.ts';
export { MULTIPLEXED, RAW_STREAM, frame, frameDemuxer } from '../../lib/stdcopy.ts';
export type { ApiServer } from './server.ts';

export const dockerRoutes: Route[] = [...systemRoutes, ...containerRoutes, ...containerIoRoutes, ...execRoutes, ...registryRoutes, ...imageRoutes, ...eventRoutes, ...volumeRoutes, ...resourceRoutes, ...networkRoutes, ...commitRoutes, ...buildRoutes, ...archiveRoutes];

export async function serveDockerApi(engine: Engine, opts: { socketPath: string; signal?: AbortSignal }): Promise<ApiServer> {
  const serverVersion = await engine
    .info()
    .then((i) => i.serverVersion)
    .catch(() => 'unknown');
  return serveRoutes(engine, { ...opts, serverVersion, routes: dockerRoutes });
}
