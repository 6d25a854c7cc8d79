// Images and snapshots: what the image service and the snapshotter promise (part of the engine's contract, ../types.ts).
import type { Readable } from 'node:stream';
import type { LoadResult, PullOptions, PushOptions, PushResult, RegistryAuth, TransferProgress } from './distribution.ts';

/** `sha256:<64 hex>` */
export type Digest = string & { readonly __digest: unique symbol };

/** OCI image config (application/vnd.oci.image.config.v1+json), the fields skiff uses. */
export interface ImageConfig {
  architecture: string;
  os: string;
  created?: string;
  author?: string;
  config: {
    User?: string;
    Env?: string[];
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    WorkingDir?: string;
    Labels?: Record<string, string>;
    ExposedPorts?: Record<string, object>;
    Volumes?: Record<string, object>;
    StopSignal?: string;
    /** ONBUILD triggers, run when another build uses this image as its base (issue 9) */
    OnBuild?: string[] | null;
    /** SHELL: what shell-form RUN/CMD/ENTRYPOINT run under (default ["/bin/sh","-c"]) */
    Shell?: string[];
    /** docker sets it on shell-form commands; kept for round-trips */
    ArgsEscaped?: boolean;
    /** HEALTHCHECK (durations in ns, as docker stores them) */
    Healthcheck?: { Test?: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; StartInterval?: number; Retries?: number };
  };
  rootfs: { type: 'layers'; diff_ids: Digest[] };
  history?: Array<{ created?: string; author?: string; created_by?: string; comment?: string; empty_layer?: boolean }>;
}

export interface ImageRecord {
  /** config digest, as docker's image ID */
  id: Digest;
  repoTags: string[];
  repoDigests: string[];
  /** manifest digest in the content store */
  manifestDigest: Digest;
  config: ImageConfig;
  /** sum of uncompressed layer sizes */
  size: number;
  created: string;
  /** uncompressed size of each layer, lowest first (issue 9: `docker history`'s SIZE column) */
  layerSizes?: number[];
  /** the image it was committed on, while that still exists (docker's Parent: build steps, commit) */
  parent?: Digest;
}

/** Dockerfile-like instructions applied at import (`docker import --change`, `skiff image import --change`). */
export interface ImportOptions {
  /** NAME[:TAG]; untagged when absent */
  ref?: string;
  /** e.g. `CMD ["sh"]`, `ENV A=b`, `WORKDIR /x`, `ENTRYPOINT …`, `USER …`, `LABEL k=v`, `EXPOSE 80` */
  changes?: string[];
  message?: string;
  platform?: { os: string; architecture: string };
}

export interface RemovedImage {
  Untagged?: string;
  Deleted?: string;
}

export interface ImageService {
  list(): Promise<ImageRecord[]>;
  /** by `name[:tag]`, `name@digest`, full or short id; NotFound when absent */
  get(ref: string): Promise<ImageRecord>;
  /** import a root filesystem from a tar stream (plain or gzip) or a directory path */
  importRootfs(source: Readable | string, opts: ImportOptions): Promise<ImageRecord>;
  tag(source: string, target: string): Promise<void>;
  /**
   * `isInUse(imageId)` says whether a container uses it: Conflict unless force. Untagged parents that only
   * this image kept (a build's step images) go with it unless `noPrune` (docker's rmi --no-prune).
   */
  remove(ref: string, opts: { force: boolean; noPrune?: boolean; isInUse: (id: Digest) => boolean }): Promise<RemovedImage[]>;
  /** unpacked layer directories of an image, lowest first, ready to be overlay lower dirs */
  layerPaths(id: Digest): Promise<string[]>;
  // ---- commit (issue 9)
  /** a new image: `parent`'s layers + the layer of `upperDir`'s changes (docker commit's image half); null: no layer, only the new config (a build's ENV, CMD, …) */
  commit(upperDir: string | null, opts: CommitOptions): Promise<ImageRecord>;
  // ---- save/load (issue 10)
  /**
   * `docker save`: the images `refs` name (`name:tag`; a bare name: all its tags; an id or `name@digest`:
   * the image untagged) as one tar that is both a docker-archive (manifest.json, repositories) and an OCI
   * image layout (oci-layout, index.json, blobs/sha256/…), layers uncompressed as stored. Every name is
   * resolved before the stream is returned (NotFound then); the bytes stream from the content store.
   */
  save(refs: string[], opts?: SaveOptions): Promise<Readable>;
  /**
   * `docker load`: a docker-archive or an OCI image layout archive (plain, gzip or zstd; layers plain or
   * compressed), every image in it, ids kept (the config digest). All or nothing: any bad entry, blob or
   * layer leaves no image, tag or blob of this archive behind.
   */
  load(tar: Readable, opts?: LoadOptions, progress?: (p: TransferProgress) => void): Promise<LoadResult>;
  // ---- pull/push (issue 10)
  /** pull NAME[:TAG|@DIGEST] from its registry (this platform's manifest of an index); docker's progress messages go to `progress` */
  pull(ref: string, opts: PullOptions, progress: (p: TransferProgress) => void): Promise<ImageRecord>;
  /** push NAME[:TAG] (`allTags` with a NAME alone: every tag of the repository); one result per tag */
  push(ref: string, opts: PushOptions & { allTags?: boolean }, progress: (p: TransferProgress) => void): Promise<PushResult[]>;
  /** docker login's check: the registry is reachable and takes these credentials (PermissionDenied otherwise) */
  login(auth: RegistryAuth, signal?: AbortSignal): Promise<void>;
}

/** `docker save --platform` (issue 10) */
export interface SaveOptions {
  /** only when the image is of this platform (skiff keeps one platform per image) */
  platform?: { os: string; architecture: string; variant?: string };
}

/** `docker load` (issue 10) */
export interface LoadOptions {
  /** the manifest to take from an OCI index (default: this machine's) */
  platform?: { os: string; architecture: string; variant?: string };
  signal?: AbortSignal;
}

/** `docker commit`: what the new image gets besides the layer (issue 9) */
export interface CommitOptions {
  /** the parent image id; absent: a first layer on nothing (a build's `FROM scratch`) */
  parent?: Digest;
  /** the run config of the new image (the container's config with `--change`s applied) */
  config: ImageConfig['config'];
  /** NAME[:TAG]; untagged when absent */
  ref?: string;
  comment?: string;
  author?: string;
  /** history's created_by: the container's command, joined with spaces as docker does */
  createdBy?: string;
  /** paths (relative, `etc/hosts`) in the upper dir that are the engine's, not the container's: left out */
  skip?: string[];
}

/** The snapshotter: a container's root filesystem as an overlay of image layers plus its own upper dir. */
export interface SnapshotMountOptions {
  /**
   * The changes need not survive a crash (a --rm container, as podman and CRI-O do it): no sync of the
   * upper dir ever, neither the container's fsyncs nor the sync of the whole upper filesystem that an
   * overlay unmount otherwise does (overlay's `volatile`).
   */
  volatile?: boolean;
}

export interface Snapshotter {
  /** create upper/work dirs for `key` over `lowerDirs` (idempotent) and mount the overlay at the returned path */
  mount(key: string, lowerDirs: string[], opts?: SnapshotMountOptions): Promise<string>;
  /** unmount (idempotent; the upper dir stays, so a stopped container keeps its changes) */
  unmount(key: string): Promise<void>;
  /** unmount and delete everything of `key` */
  remove(key: string): Promise<void>;
  /** upper dir of `key` (changes made by the container) */
  upperDir(key: string): string;
}
