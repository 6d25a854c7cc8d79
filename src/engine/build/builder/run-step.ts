// A RUN step: a container from the step's parent image runs the command (on the default bridge unless the
// build says otherwise, so `apt-get install` reaches the mirror), its output streams into the build's,
// and its filesystem change is committed as the next image. Docker's wording throughout.
import { StringDecoder } from 'node:string_decoder';
import type { ContainerService, ContainerSpec, Digest, ImageConfig } from '../../types.ts';
import { invalidArgument, isKind } from '../../../lib/errors.ts';
import { logger } from '../../../lib/log.ts';
import { shortId } from '../../../lib/ids.ts';
import type { StepHost } from './state.ts';

const log = logger('build');

export interface RunStepOptions {
  parent: Digest;
  /** the image config the step runs under (its Env, User, WorkingDir) and that the new image keeps */
  config: ImageConfig['config'];
  argv: string[];
  /** build args in effect (`K=V`), in the process's environment but not in the image's */
  argEnv: string[];
  createdBy: string;
  networkMode: string;
  /** the build's --add-host and --shm-size */
  host: StepHost;
  rm: boolean;
  forceRm: boolean;
  say(text: string): void;
  /** work the build must see finished before it ends (the step container's removal) */
  later(work: Promise<void>): void;
  signal?: AbortSignal;
}

function stepSpec(o: RunStepOptions): ContainerSpec {
  const c = o.config;
  return {
    image: o.parent,
    cmd: o.argv,
    entrypoint: [], // the classic builder runs RUN's command as it is, never through the image's ENTRYPOINT
    env: [...(c.Env ?? []), ...o.argEnv],
    ...(c.WorkingDir ? { workingDir: c.WorkingDir } : {}),
    ...(c.User ? { user: c.User } : {}),
    labels: {},
    tty: false, openStdin: false, stdinOnce: false, attachStdin: false, attachStdout: true, attachStderr: true,
    healthcheck: { test: ['NONE'] },
    host: {
      restartPolicy: { name: 'no' }, autoRemove: false, networkMode: o.networkMode, readonlyRootfs: false,
      capAdd: [], capDrop: [], privileged: false, mounts: [], ...o.host,
    },
  };
}

/** Run the step; resolves with the new image's id. A non-zero exit throws docker's message. */
export async function runStep(containers: ContainerService, o: RunStepOptions): Promise<Digest> {
  const rec = await containers.create(stepSpec(o));
  let ok = false;
  try {
    o.say(` ---> Running in ${shortId(rec.id)}\n`);
    const attachment = await containers.attach(rec.id, { stdin: false, stdout: true, stderr: true, stream: true });
    const exited = containers.wait(rec.id, 'next-exit', o.signal);
    exited.catch(() => {}); // awaited below; an abort meanwhile must not be an unhandled rejection (it ends the daemon)
    const onAbort = () => void containers.kill(rec.id, 'KILL').catch(() => {}); // already gone: nothing to stop
    o.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      o.signal?.throwIfAborted(); // the client left before the step began: a listener added now never fires
      await containers.start(rec.id);
      const decoder = new StringDecoder('utf8');
      for await (const chunk of attachment.output) {
        const text = decoder.write(chunk.data);
        if (text) o.say(text);
      }
      const rest = decoder.end();
      if (rest) o.say(rest);
      const { StatusCode } = await exited;
      o.signal?.throwIfAborted();
      // the exit code travels with the error: docker's API sends it in errorDetail.code and its CLI exits with it
      if (StatusCode !== 0) throw Object.assign(invalidArgument(`The command '${o.argv.join(' ')}' returned a non-zero code: ${StatusCode}`), { exitCode: StatusCode });
    } finally {
      o.signal?.removeEventListener('abort', onAbort);
      attachment.close();
    }
    const img = await containers.commit(rec.id, { pause: false, buildStep: { config: o.config, createdBy: o.createdBy } });
    ok = true;
    return img.id;
  } finally {
    if ((ok && o.rm) || (!ok && o.forceRm) || o.signal?.aborted) {
      // the removal waits for the container's exit cleanup (network teardown, runtime delete, unmount: ~30 ms):
      // the next step need not, the build's end does (docker's line is said now)
      o.say(` ---> Removed intermediate container ${shortId(rec.id)}\n`);
      o.later(containers.remove(rec.id, { force: true, volumes: true }).catch((err: unknown) => {
        if (!isKind(err, 'NotFound')) log.warn('could not remove a build step container', { id: rec.id, err });
      }));
    }
  }
}
