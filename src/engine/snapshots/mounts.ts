// Overlay mounts by spawning mount(8)/umount(8) (Node cannot call mount(2)), and the mount table as
// the kernel sees it (/proc/self/mountinfo), so mount and unmount can be idempotent.
import { readFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { internal } from '../../lib/errors.ts';

/** the kernel's escaping of mount points in mountinfo (space, tab, newline, backslash) */
const escapeMountPoint = (p: string) => p.replace(/[ \t\n\\]/g, (c) => '\\' + c.charCodeAt(0).toString(8).padStart(3, '0'));

export async function isMounted(path: string): Promise<boolean> {
  const want = escapeMountPoint(path);
  const table = await readFile('/proc/self/mountinfo', 'utf8');
  for (const line of table.split('\n')) {
    // fields: id parent major:minor root MOUNTPOINT options …
    if (line.split(' ', 5)[4] === want) return true;
  }
  return false;
}

function spawnTool(cmd: string, args: string[], cwd?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd }, (err, _stdout, stderr) => {
      if (err) reject(internal(`${cmd} ${args.join(' ')}: ${String(stderr).trim() || err.message}`, err));
      else resolve();
    });
  });
}

/**
 * Mount an overlay at `merged`. `lowerDirs` are lowest first (image order); overlay wants the top first.
 * Mount options must fit in one page: with many layers the lower dirs are passed relative to `layersDir`
 * (mount runs there), the trick containerd uses.
 */
export async function mountOverlay(opts: { lowerDirs: string[]; upper: string; work: string; merged: string; layersDir: string }): Promise<void> {
  const top = [...opts.lowerDirs].reverse();
  const build = (lower: string[]) => `lowerdir=${lower.join(':')},upperdir=${opts.upper},workdir=${opts.work}`;
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
  await spawnTool('/bin/mount', ['-t', 'overlay', 'overlay', '-o', options, opts.merged], cwd);
}

export async function unmountPath(path: string): Promise<void> {
  if (!(await isMounted(path))) return;
  try {
    await spawnTool('/bin/umount', [path]);
  } catch (err) {
    // busy (a process of ours still has its cwd there): detach now, the kernel frees it when unused
    if (!(await isMounted(path))) return;
    await spawnTool('/bin/umount', ['-l', path]).catch(() => {
      throw err;
    });
  }
}
