// Shared and slave bind propagation need a host mount that propagates: docker checks the source's mount
// (ensureShared / ensureSharedOrSlave) and makes the container's rootfs shared or rslave, or the kernel
// quietly gives the bind private propagation inside the container's mount namespace.
import { readFile, realpath } from 'node:fs/promises';
import type { MountSpec } from '../types.ts';
import { failedPrecondition } from '../../lib/errors.ts';

export interface MountInfo {
  mountPoint: string;
  /** optional fields: `shared:N`, `master:N`, … */
  optional: string[];
}

/** /proc/self/mountinfo lines: field 5 is the mount point (octal escapes), optional fields run up to `-`. */
export function parseMountinfo(text: string): MountInfo[] {
  const out: MountInfo[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    if (f.length < 7) continue;
    const dash = f.indexOf('-', 6);
    out.push({ mountPoint: f[4].replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))), optional: f.slice(6, dash < 0 ? undefined : dash) });
  }
  return out;
}

/** The mount a path lives on: the last-mounted entry with the longest mount point above it. */
export function mountOf(path: string, mounts: MountInfo[]): MountInfo | undefined {
  let best: MountInfo | undefined;
  for (const m of mounts) {
    const above = m.mountPoint === '/' || path === m.mountPoint || path.startsWith(`${m.mountPoint}/`);
    if (above && (!best || m.mountPoint.length >= best.mountPoint.length)) best = m;
  }
  return best;
}

/**
 * The rootfs propagation a container's binds need ('shared', 'rslave' or none), refused in docker's words
 * when a bind asks for shared (or slave) propagation of a source whose mount does not propagate. Sources
 * under the daemon's root may fall back to private for slave, as docker allows.
 */
export function neededRootfsPropagation(binds: Array<{ source: string; propagation: string }>, mounts: MountInfo[], daemonRoot: string): 'shared' | 'rslave' | undefined {
  let want: 'shared' | 'rslave' | undefined;
  for (const b of binds) {
    const m = mountOf(b.source, mounts);
    const shared = !!m?.optional.some((o) => o.startsWith('shared:'));
    const slave = !!m?.optional.some((o) => o.startsWith('master:'));
    if (b.propagation === 'shared' || b.propagation === 'rshared') {
      if (!shared) throw failedPrecondition(`path ${b.source} is mounted on ${m?.mountPoint ?? '/'} but it is not a shared mount`);
      want = 'shared';
    } else if (b.propagation === 'slave' || b.propagation === 'rslave') {
      if (!shared && !slave) {
        if (b.source.startsWith(daemonRoot) || daemonRoot.startsWith(b.source)) continue;
        throw failedPrecondition(`path ${b.source} is mounted on ${m?.mountPoint ?? '/'} but it is not a shared or slave mount`);
      }
      want ??= 'rslave';
    }
  }
  return want;
}

/** neededRootfsPropagation for a container's typed mounts (mountinfo read only when a bind asks). */
export async function rootfsPropagationFor(mounts: MountSpec[], volumePaths: Record<string, string>, daemonRoot: string): Promise<'shared' | 'rslave' | undefined> {
  const asking = mounts.filter((m) => m.type !== 'tmpfs' && m.propagation && !/private$/.test(m.propagation));
  if (!asking.length) return undefined;
  const binds = await Promise.all(asking.map(async (m) => {
    const source = m.type === 'volume' ? volumePaths[m.source] ?? m.hostPath ?? '' : m.source;
    return { source: await realpath(source).catch(() => source), propagation: m.propagation! };
  }));
  return neededRootfsPropagation(binds, parseMountinfo(await readFile('/proc/self/mountinfo', 'utf8')), daemonRoot);
}
