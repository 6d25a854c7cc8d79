// Mounts and volumes: typed mounts (never `src:dst:ro` strings) and docker's `local` volume driver.

export type MountType = 'bind' | 'volume' | 'tmpfs';
export type MountPropagation = 'private' | 'rprivate' | 'shared' | 'rshared' | 'slave' | 'rslave';

/**
 * One mount of a container, typed. The Docker API parses `Binds` strings, `Mounts` objects, `Tmpfs` and
 * `Config.Volumes` into these; the engine checks them once at create (absolute targets, names, duplicates,
 * bind sources), fills in anonymous volume names, image VOLUMEs and `--volumes-from`, and records the result.
 */
export interface MountSpec {
  type: MountType;
  /** bind: host path; volume: volume name ('' = anonymous until create names it); tmpfs: '' */
  source: string;
  /** absolute path inside the container */
  target: string;
  readOnly: boolean;
  propagation?: MountPropagation;
  /** volume: do not fill a new volume with the image's content at `target` */
  noCopy?: boolean;
  /** bind: a missing host path is created (`-v` does, `--mount` refuses: docker's rule) */
  createHostPath?: boolean;
  /** volume: how to create it when it does not exist yet */
  volumeOptions?: { labels?: Record<string, string>; driver?: string; driverOpts?: Record<string, string> };
  tmpfsOptions?: { sizeBytes?: number; mode?: number; /** further mount options (`exec`, `uid=…`) */ options?: string[] };
  /** where it came from, for HostConfig's round trip: Binds, Mounts, Tmpfs, Config.Volumes, image VOLUME, --volumes-from */
  origin: 'binds' | 'mounts' | 'tmpfs' | 'volumes' | 'image' | 'volumes-from';
  /** as the user wrote it: the `Binds` entry, or the `Tmpfs` value */
  raw?: string;
  /** docker's `Mode` of the mount (`-v` mode string; `z` for a local volume without one) */
  mode?: string;
  /** volume: its data dir on the host (docker's `Source`), filled in at create */
  hostPath?: string;
}

export interface VolumeRecord {
  name: string;
  driver: string;
  /** `<root>/volumes/<name>/_data` */
  mountpoint: string;
  createdAt: string;
  labels: Record<string, string>;
  /** the local driver's `type`, `device`, `o` */
  options: Record<string, string>;
  /** made for a container without a name (docker labels those com.docker.volume.anonymous) */
  anonymous: boolean;
  /** image content was copied into it once (a volume is filled only while it was never populated) */
  populated?: boolean;
}

export interface VolumeCreateOptions {
  /** absent or '': an anonymous volume with a random 64-hex name */
  name?: string;
  driver?: string;
  driverOpts?: Record<string, string>;
  labels?: Record<string, string>;
}

/** A container's use of a volume (for mount/unmount events). */
export interface VolumeUse {
  container: string;
  destination: string;
  readWrite: boolean;
  propagation: string;
}

/**
 * Volumes (docker's `local` driver): a directory `<root>/volumes/<name>/_data`, or, with `type/device/o`
 * options, a filesystem mounted there at first use and unmounted when the last user stops. The containers
 * room calls mount/unmount around a container's run; `isInUse` (given by the engine) answers for remove/prune.
 */
export interface VolumeService {
  /** idempotent for an existing name with the same driver; Conflict for another driver */
  create(opts: VolumeCreateOptions): Promise<VolumeRecord & { created: boolean }>;
  /** docker's filters: name, label, label!, dangling, driver */
  list(filters?: Record<string, string[]>): Promise<VolumeRecord[]>;
  /** NotFound: `get NAME: no such volume` */
  inspect(name: string): Promise<VolumeRecord>;
  /** Conflict while any container uses it; force only forgives a missing volume */
  remove(name: string, opts?: { force?: boolean }): Promise<void>;
  /** unused anonymous volumes (all unused with the `all=true` filter) */
  prune(filters?: Record<string, string[]>): Promise<{ VolumesDeleted: string[]; SpaceReclaimed: number }>;
  /** bytes in the volume's data dir (docker's UsageData.Size) */
  size(name: string): Promise<number>;
  /** the host path to bind into a container, mounting the driver's filesystem first if it has one */
  mount(name: string, use: VolumeUse): Promise<string>;
  /** `lastUser`: no other running container uses it, so a driver filesystem is unmounted */
  unmount(name: string, use: VolumeUse, lastUser: boolean): Promise<void>;
  /**
   * Docker's copy-up, once: while the volume was never populated and its data dir is empty, `fill(dir)` runs
   * (in the volume's turn, so two starts never fill it twice); when it says it copied something, the volume
   * is marked populated and is never filled again.
   */
  populate(name: string, fill: (dataDir: string) => Promise<boolean>): Promise<void>;
}
