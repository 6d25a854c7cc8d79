// Build (issue 9): a Dockerfile and its context into an image, step by step, docker's classic builder
// semantics (every step an image, a cache of steps that survives restarts). The API layer receives the
// context tar and parses the query; the engine's BuildService does the rest.
import type { Digest } from './images.ts';
import type { RegistryAuth } from './distribution.ts';

/** What `POST /build` (or `skiff build`) asks for, already parsed into typed values. */
export interface BuildRequest {
  /** the received context, unpacked (build/context receiveContext); the builder only reads it */
  contextDir: string;
  /** the Dockerfile's path inside the context (docker's `dockerfile` parameter), default `Dockerfile` */
  dockerfile: string;
  /** `-t`, each NAME[:TAG]; checked before the build starts */
  tags: string[];
  /** `--build-arg`: a null value means "declared, take nothing" (docker's `--build-arg X` with X unset) */
  buildArgs: Record<string, string | null>;
  /** `--target`: the stage to stop at (default: the last) */
  target?: string;
  /** `--no-cache` */
  noCache: boolean;
  /** `--label`: set on the final image */
  labels: Record<string, string>;
  /** `--pull`: pull every FROM image again, even when it is here */
  pull: boolean;
  /** remove the intermediate containers of successful steps (docker: rm=true) / of failed ones too (forcerm) */
  rm: boolean;
  forceRm: boolean;
  /** `--network` for RUN steps (docker's networkmode): default → the default bridge */
  networkMode?: string;
  /** `--add-host` for RUN steps (docker's extrahosts), `host:ip` as `run --add-host` takes them; checked when a step's container is created */
  extraHosts?: string[];
  /** `--shm-size` for RUN steps, bytes (docker's shmsize); unset: the engine's default */
  shmSize?: number;
  /** `-q`: the caller shows only the id (and the held-back output when the build fails); the builder emits all the same */
  quiet: boolean;
  /**
   * Who the builder is when it pulls a FROM image: docker's X-Registry-Config, the client's credentials by
   * registry as config.json keys them (`127.0.0.1:5000`, `https://index.docker.io/v1/` for Docker Hub)
   */
  registryAuth?: Record<string, RegistryAuth>;
}

/**
 * One message of the build's output, shaped as docker's JSON message stream (what `/build` sends line by
 * line): `stream` text (`Step 2/5 : RUN …\n`, ` ---> Using cache\n`, a RUN step's own output), `aux` with
 * the final image id, and on failure `error` + `errorDetail` (the last message).
 */
export interface BuildMessage {
  stream?: string;
  aux?: { ID: Digest };
  error?: string;
  errorDetail?: { code?: number; message: string };
}

export interface BuildResult {
  id: Digest;
  /** the tags that were applied, as given */
  tags: string[];
}

/** One cached step: the image it produced (docker system df's build cache rows). */
export interface BuildCacheRecord {
  ID: string;
  /** the instruction that made it, as docker's CreatedBy (`RUN …`, `COPY …`) */
  Description: string;
  /** the image the step produced */
  Image: Digest;
  Size: number;
  CreatedAt: string;
  LastUsedAt: string;
  UsageCount: number;
  InUse: boolean;
  Shared: boolean;
  Type: 'regular';
}

export interface BuildService {
  /**
   * Build. `emit` receives every message in order; a failure is thrown (typed error, message as docker
   * words it, `Dockerfile:N: …` for a bad line) after the partial output, and no tag is applied.
   */
  build(req: BuildRequest, emit: (m: BuildMessage) => void, signal?: AbortSignal): Promise<BuildResult>;
  /** the cached steps (system df) */
  cache(): Promise<BuildCacheRecord[]>;
  /** `builder prune` / `system prune`: forget cached steps (all, or those unused since `until`) and drop the images only they kept */
  prune(opts: { all?: boolean; filters?: Record<string, string[]> }): Promise<{ CachesDeleted: string[]; SpaceReclaimed: number }>;
}
