// Ship (issue 10): what moving images to and from registries and archives takes and reports. The engine's
// ImageService grows pull/push (registry client) and save/load (docker-archive, OCI layout) over these.
import type { Digest } from './images.ts';
import type { RegistryAuth } from '../../lib/distribution/credentials.ts';

/** docker's AuthConfig (X-Registry-Auth, `/auth`'s body, config.json's `auths`): the registry client's own type */
export type { RegistryAuth };

/**
 * One message of a pull, push or load, as docker's JSON progress stream carries it: `Pulling fs layer`,
 * `Downloading` with progressDetail, `Pull complete`, `Digest: sha256:…`, `Status: Downloaded newer image for x`.
 */
export interface TransferProgress {
  status: string;
  /** the layer's short id (12 hex) or the tag, when the message is about one */
  id?: string;
  progressDetail?: { current?: number; total?: number };
  /** the bar as docker draws it (`[=====>    ]  1.2MB/3.4MB`) */
  progress?: string;
}

export interface PullOptions {
  /** choose this platform's manifest from an index (default: this machine's) */
  platform?: { os: string; architecture: string; variant?: string };
  auth?: RegistryAuth;
  signal?: AbortSignal;
}

export interface PushOptions {
  auth?: RegistryAuth;
  signal?: AbortSignal;
}

export interface PushResult {
  /** the manifest's digest in the registry (docker prints `latest: digest: sha256:… size: N`) */
  digest: Digest;
  size: number;
  tag?: string;
}

export interface LoadResult {
  /** `Loaded image: name:tag` for tagged images, `Loaded image ID: sha256:…` for untagged ones, in docker's words */
  messages: string[];
  ids: Digest[];
}
