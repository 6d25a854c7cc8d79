// Overlay mounts, and the mount table as the kernel sees it (/proc/self/mountinfo), so mount and unmount
// can be idempotent. mount(2) is called in-process through node:ffi when it is there (~1 ms, where spawning
// mount(8) costs ~15 ms on the start path). Unmounting an overlay syncs its whole upper filesystem (tens of
// ms under write load), which must not block the event loop: umount(8) does it in a child process (started
// by posix_spawn when possible, lib/spawn.ts), except for volatile overlays, which sync nothing.
import { readFile } from 'node:fs/promises';
import { internal } from '../../lib/errors.ts';
import { libc, mount, MNT_DETACH, umount } from '../../lib/syscalls.ts';
import { runProgram } from '../../lib/spawn.ts';
import { logger } from '../../lib/log.ts';

const log = logger('snapshots');

/** the kernel's escaping of mount points in mountinfo (space, tab, newline, backslash) */
const escapeMountPoint = (p: string) => p.replace(/[ \t\n\\]/g, (c) => '\\' + c.charCodeAt(0).toString(8).padStart(3, '0'));

/** Whether `path` is a mount point, and whether it is a volatile overlay (which syncs nothing on unmount). */
export async function mountState(path: string): Promise<{ mounted: boolean; volatile: boolean }> {
  const want = escapeMountPoint(path);
  const table = await readFile('/proc/self/mountinfo', 'utf8');
  for (const line of table.split('\n')) {
    // fields: id parent major:minor root MOUNTPOINT options … - fstype source SUPER-OPTIONS
    if (line.split(' ', 5)[4] !== want) continue;
    const superOptions = line.slice(line.indexOf(' - ') + 3).split(' ')[2] ?? '';
    // older kernels say `volatile`, newer `fsync=volatile`
    return { mounted: true, volatile: /(^|,)(fsync=)?volatile(,|$)/.test(superOptions) };
  }
  return { mounted: false, volatile: false };
}

export async function isMounted(path: string): Promise<boolean> {
  return (await mountState(path)).mounted;
}

async function spawnTool(cmd: string, args: string[], cwd?: string): Promise<void> {
  const r = await runProgram(cmd, args, { cwd });
  if (r.code !== 0) throw internal(`${cmd} ${args.join(' ')}: ${r.stderr.trim() || r.error?.message || `exit status ${r.code}`}`, r.error);
}

/**
 * Mount an overlay at `merged`. `lowerDirs` are lowest first (image order); overlay wants the top first.
 * Mount options must fit in one page: with many layers the lower dirs are passed relative to `layersDir`
 * (mount runs there), the trick containerd uses.
 */
export async function mountOverlay(opts: { lowerDirs: string[]; upper: string; work: string; merged: string; layersDir: string; volatile?: boolean }): Promise<void> {
  const top = [...opts.lowerDirs].reverse();
  const build = (lower: string[]) => `lowerdir=${lower.join(':')},upperdir=${opts.upper},workdir=${opts.work}${opts.volatile ? ',volatile' : ''}`;
  let options = build(top);
  let cwd: string | undefined;
  if (options.length > 4000) {
    const prefix = opts.layersDir.endsWith('/') ? opts.layersDir : opts.layersDir + '/';
    if (top.every((d) => d.startsWith(prefix))) {
      options = build(top.map((d) => d.slice(prefix.length)));
      cwd = prefix;
    }
  }
  for (const d of top) if (d.includes(':') || d.includes(',')) throw internal(`overlay lower dir "${d}" contains ':' or ','`);
  const lib = libc();
  // relative lower dirs need mount(8)'s working directory: the rare many-layer case keeps the tool
  if (lib && !cwd) {
    try {
      mount(lib, 'overlay', opts.merged, 'overlay', 0, options);
      return;
    } catch (err) {
      // mount(8) says it better (and may know a way round): let it try
      log.debug('mount(2) failed, trying mount(8)', { merged: opts.merged, err });
    }
  }
  await spawnTool('/bin/mount', ['-t', 'overlay', 'overlay', '-o', options, opts.merged], cwd);
}

/**
 * Unmount (idempotent). A volatile overlay is unmounted in-process (it syncs nothing, so it is quick);
 * any other by umount(8) in a child, since it syncs the whole upper filesystem first.
 */
export async function unmountPath(path: string): Promise<void> {
  const state = await mountState(path);
  if (!state.mounted) return;
  const lib = libc();
  if (lib && state.volatile) {
    try {
      umount(lib, path);
      return;
    } catch (err) {
      // busy (a process of ours still has its cwd there): detach now, the kernel frees it when unused
      if ((err as { code?: string }).code === 'EBUSY') {
        try {
          umount(lib, path, MNT_DETACH);
          return;
        } catch {}
      }
      log.debug('umount2 failed, trying umount(8)', { path, err });
    }
  }
  try {
    await spawnTool('/bin/umount', [path]);
  } catch (err) {
    if (!(await isMounted(path))) return;
    await spawnTool('/bin/umount', ['-l', path]).catch(() => {
      throw err;
    });
  }
}
