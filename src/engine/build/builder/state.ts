// What a build's steps share: the engine rooms, the request's switches, the output, and each stage's state.
import type { ContainerService, Digest, ImageConfig, RegistryAuth, Snapshotter } from '../../types.ts';
import type { EngineImageService } from '../../images/index.ts';
import type { BuildContext, Scope } from '../index.ts';
import type { StepCache } from './cache.ts';

export interface BuildDeps {
  images: EngineImageService;
  containers: ContainerService;
  snapshotter: Snapshotter;
  cache: StepCache;
  /** the received context with its .dockerignore */
  context: BuildContext;
  /** the Dockerfile's name as errors say it */
  file: string;
  buildArgs: Readonly<Record<string, string>>;
  noCache: boolean;
  /** --pull: FROM images are pulled again even when they are here */
  pull: boolean;
  /** the client's credentials by registry, for those pulls */
  registryAuth: Readonly<Record<string, RegistryAuth>>;
  rm: boolean;
  forceRm: boolean;
  networkMode: string;
  /** what RUN steps' containers get besides (--add-host, --shm-size) */
  stepHost: StepHost;
  /** step output, in order (the API holds it back for -q) */
  say(text: string): void;
  signal?: AbortSignal;
  /** work the build waits for before it ends, off the steps' path (removing step containers) */
  later(work: Promise<void>): void;
  /** a step that changes files: `fn` works on the parent's root filesystem mounted, the change is committed */
  fsStep(st: StageState, createdBy: string, fn: (root: string) => Promise<void>): Promise<Digest>;
  /** COPY --from=<name|index>: the stage it names, undefined for an image reference */
  stageOf(from: string): number | undefined;
  /** the image a finished stage produced (COPY --from=<stage>) */
  stageImage(index: number): Digest | null;
}

/** `--add-host` and `--shm-size` of a build: its RUN steps' containers take them, the step cache does not (as docker's) */
export interface StepHost {
  extraHosts?: string[];
  shmSize?: number;
}

export interface StageState {
  /** the image the next step builds on; null while a `FROM scratch` stage has no step yet */
  image: Digest | null;
  /** the config that image has (changed in place by config steps before they commit) */
  config: ImageConfig['config'];
  scope: Scope;
  /** MAINTAINER: the image's author */
  author?: string;
  /** a CMD was set in this stage (an ENTRYPOINT then keeps it) */
  cmdSet: boolean;
}
