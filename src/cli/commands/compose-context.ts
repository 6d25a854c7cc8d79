// The compose operations' view of the CLI: the client for the chosen daemon, the build context packer,
// the stored registry credentials and docker's progress displays (so compose builds and pulls look as
// `skiff build` and `skiff pull` do).
import { join } from 'node:path';
import type { Client } from '../http.ts';
import type { OpsContext } from '../../compose/ops/index.ts';
import { makeBuildContext } from '../build-context.ts';
import { displayTransfer } from '../transfer-display.ts';
import { loadCredentials, registryAuthHeader } from '../docker-config.ts';
import { registryOf } from './registry.ts';
import { showBuildStream } from './build.ts';
import { CliError } from '../errors.ts';
import { VERSION } from '../version.ts';

export interface StreamsOptions {
  progress?: NodeJS.WritableStream & { isTTY?: boolean };
  out?: NodeJS.WritableStream;
  /** -q / --quiet-pull: read the transfer streams without showing them */
  quietPull?: boolean;
}

export function composeOpsContext(api: Client, o: StreamsOptions = {}): OpsContext {
  const progress = o.progress ?? process.stderr;
  return {
    api,
    progress,
    out: o.out ?? process.stdout,
    buildContext: (dir, dockerfile) => makeBuildContext(dir, { dockerfile: join(dir, dockerfile) }),
    registryAuth: (ref) => registryAuthHeader(loadCredentials(registryOf(ref))),
    showTransfer: async (body) => {
      await displayTransfer(body, o.quietPull ? null : progress, Boolean(progress.isTTY));
    },
    showBuild: async (body) => {
      const { imageId, error } = await showBuildStream(body, false);
      if (error) throw new CliError(error.message, error.code);
      return imageId;
    },
    version: VERSION,
  };
}
