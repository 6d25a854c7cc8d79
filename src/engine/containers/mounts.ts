// A container's mounts, checked once at create with docker's rules and messages (absolute targets, bind
// sources, volume names, duplicates), then completed: `--volumes-from`, anonymous volumes for image and
// config VOLUMEs, named volumes created on demand. Nothing after create re-parses them.
import { existsSync } from 'node:fs';
import { posix } from 'node:path';
import type { ImageRecord, MountPropagation, MountSpec, VolumeService } from '../types.ts';
import { invalidArgument, isKind } from '../../lib/errors.ts';
import { checkVolumeName } from '../volumes/index.ts';
import type { ContainerStore } from './store.ts';

const propagations = new Set<MountPropagation>(['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave']);

/** `Duplicate mount point: /x` (docker's words). */
export const duplicateMountPoint = (target: string) => invalidArgument(`Duplicate mount point: ${target}`);

function configError(m: MountSpec, msg: string): Error {
  const text = m.type === 'tmpfs' && m.origin === 'tmpfs' ? msg : `invalid mount config for type "${m.type}": ${msg}`;
  return invalidArgument(m.origin === 'binds' ? `invalid volume specification: '${m.raw}': ${text}` : text);
}

/** One mount against docker's rules (linux parser's validateMountConfig); the target comes back cleaned. */
export function checkMount(m: MountSpec, hostPathExists: (p: string) => boolean = existsSync): MountSpec {
  if (!m.target) throw configError(m, 'field Target must not be empty');
  if (!m.target.startsWith('/')) throw configError(m, `invalid mount path: '${m.target}' mount path must be absolute`);
  const target = posix.normalize(m.target).replace(/(.)\/+$/, '$1');
  if (target === '/') throw configError(m, "invalid specification: destination can't be '/'");
  if (m.propagation !== undefined && !propagations.has(m.propagation)) throw configError(m, `invalid propagation mode: ${m.propagation}`);
  switch (m.type) {
    case 'bind':
      if (!m.source) throw configError(m, 'field Source must not be empty');
      if (m.volumeOptions) throw configError(m, 'field VolumeOptions must not be specified');
      if (!m.source.startsWith('/')) throw configError(m, `invalid mount path: '${m.source}' mount path must be absolute`);
      if (!m.createHostPath && !hostPathExists(m.source)) throw configError(m, `bind source path does not exist: ${m.source}`);
      return { ...m, target, source: posix.normalize(m.source) };
    case 'volume':
      if (m.propagation) throw configError(m, 'field BindOptions must not be specified');
      if (m.readOnly && !m.source && m.origin === 'mounts') throw configError(m, 'must not set ReadOnly mode when using anonymous volumes');
      if (m.source) {
        try {
          checkVolumeName(m.source);
        } catch (err) {
          throw invalidArgument(`create ${m.source}: ${err instanceof Error ? err.message : String(err)}`, err);
        }
      }
      return { ...m, target };
    case 'tmpfs':
      if (m.source) throw configError(m, 'field Source must not be specified');
      if (m.propagation) throw configError(m, 'field BindOptions must not be specified');
      for (const o of m.tmpfsOptions?.options ?? []) {
        // HostConfig.Tmpfs passes mount options through; --mount's TmpfsOptions.Options allow only these
        if (o.includes(',') || (m.origin === 'mounts' && o !== 'exec' && o !== 'noexec')) throw configError(m, `invalid option: ${o.split('=')[0]}`);
      }
      return { ...m, target };
    default:
      throw configError(m, 'mount type unknown');
  }
}

/** The user's own mounts (Binds, Mounts, Tmpfs) checked, with no two at one target. */
export function checkUserMounts(mounts: MountSpec[], hostPathExists?: (p: string) => boolean): MountSpec[] {
  const seen = new Set<string>();
  return mounts.map((raw) => {
    const m = checkMount(raw, hostPathExists);
    if (seen.has(m.target)) throw duplicateMountPoint(m.target);
    seen.add(m.target);
    return m;
  });
}

/** `container[:ro|rw]` (docker refuses propagation and copy modes here). */
export function parseVolumesFrom(spec: string): { container: string; readOnly: boolean } {
  if (!spec) throw invalidArgument('volumes-from specification cannot be an empty string');
  const colon = spec.indexOf(':');
  const container = colon < 0 ? spec : spec.slice(0, colon);
  const mode = colon < 0 ? 'rw' : spec.slice(colon + 1);
  const modes = mode.split(',');
  const rw = modes.filter((o) => o === 'rw' || o === 'ro');
  if (!mode || rw.length > 1 || !modes.every((o) => o === 'rw' || o === 'ro' || o === 'z' || o === 'Z')) throw invalidArgument(`invalid mode: ${mode}`);
  return { container, readOnly: rw[0] === 'ro' };
}

export interface ResolvedMounts {
  mounts: MountSpec[];
  /** volumes this create made (to remove again should the create fail) */
  created: string[];
}

/**
 * The container's full mount list: other containers' mounts (`--volumes-from`), the user's own over them,
 * then an anonymous volume for every image/config VOLUME that no mount covers. Volumes are created here:
 * named ones on demand (docker does), anonymous ones with a fresh name.
 */
export async function resolveMounts(
  deps: { store: ContainerStore; volumes: VolumeService },
  host: { mounts: MountSpec[]; volumesFrom?: string[] },
  image: ImageRecord,
): Promise<ResolvedMounts> {
  const byTarget = new Map<string, MountSpec>();
  for (const spec of host.volumesFrom ?? []) {
    const { container, readOnly } = parseVolumesFrom(spec);
    const from = deps.store.find(container);
    for (const m of from.spec.host.mounts) {
      if (m.type === 'tmpfs') continue; // docker copies mount points; tmpfs mounts are not among them
      byTarget.set(m.target, { type: m.type, source: m.source, target: m.target, readOnly: m.readOnly || readOnly, propagation: m.propagation, noCopy: true, origin: 'volumes-from', mode: '', hostPath: m.hostPath });
    }
  }
  const user = checkUserMounts(host.mounts.filter((m) => m.origin === 'binds' || m.origin === 'mounts' || m.origin === 'tmpfs'));
  for (const m of user) byTarget.set(m.target, m.type === 'volume' && !m.mode ? { ...m, mode: m.origin === 'tmpfs' ? '' : 'z' } : m);
  const declared = [
    ...host.mounts.filter((m) => m.origin === 'volumes').map((m) => m.target),
    ...Object.keys(image.config.config?.Volumes ?? {}),
  ];
  for (const t of declared) {
    const target = posix.normalize(t).replace(/(.)\/+$/, '$1');
    if (!target.startsWith('/') || byTarget.has(target)) continue;
    const origin = host.mounts.some((m) => m.origin === 'volumes' && m.target === t) ? 'volumes' : 'image';
    byTarget.set(target, { type: 'volume', source: '', target, readOnly: false, origin, mode: '' });
  }
  const created: string[] = [];
  const mounts: MountSpec[] = [];
  try {
    for (const m of byTarget.values()) {
      if (m.type !== 'volume' || m.origin === 'volumes-from') {
        mounts.push(m);
        continue;
      }
      const v = await deps.volumes.create({ name: m.source || undefined, driver: m.volumeOptions?.driver, driverOpts: m.volumeOptions?.driverOpts, labels: m.volumeOptions?.labels });
      if (v.created) created.push(v.name);
      mounts.push({ ...m, source: v.name, hostPath: v.mountpoint });
    }
  } catch (err) {
    await dropVolumes(deps.volumes, created);
    throw err;
  }
  return { mounts, created };
}

/** Remove volumes (a failed create's, or a removed container's anonymous ones) that nobody else uses. */
export async function dropVolumes(volumes: VolumeService, names: string[]): Promise<void> {
  for (const name of names) {
    try {
      await volumes.remove(name);
    } catch (err) {
      // still used by another container (--volumes-from) or already gone: docker keeps such volumes too
      if (!isKind(err, 'Conflict') && !isKind(err, 'NotFound')) throw err;
    }
  }
}

