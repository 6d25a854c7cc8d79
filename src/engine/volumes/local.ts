// docker's `local` volume driver: names, options (`type`, `device`, `o`), the filesystem those options
// describe (mounted at the volume's _data dir at first use), and the size of what a volume holds.
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { invalidArgument, internal } from '../../lib/errors.ts';
import { runProgram } from '../../lib/spawn.ts';
import { isMounted } from '../snapshots/index.ts';

export const localDriver = 'local';
const namePattern = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const validOptions = new Set(['type', 'device', 'o', 'size']);
/** an option that needs others with it (moby's local driver: device needs type, o needs both) */
const requiredWith: Record<string, string[]> = { device: ['type'], type: ['device'], o: ['device', 'type'] };

/** docker's rule for a local volume's name; the message is the local driver's. */
export function checkVolumeName(name: string): void {
  if (name.length === 1) throw invalidArgument('volume name is too short, names should be at least two alphanumeric characters');
  if (!namePattern.test(name)) {
    throw invalidArgument(`"${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`);
  }
}

export function checkLocalOptions(opts: Record<string, string>): void {
  for (const key of Object.keys(opts)) if (!validOptions.has(key)) throw invalidArgument(`invalid option: "${key}"`);
  // the local driver's size option needs project quotas, which skiff does not set up
  if ('size' in opts) throw invalidArgument('quota size requested but no quota support');
  for (const [key, needs] of Object.entries(requiredWith)) {
    if (!(key in opts)) continue;
    for (const need of needs) if (!(need in opts)) throw invalidArgument(`missing required option: "${need}"`);
  }
}

/** Whether the volume's options describe a filesystem of its own (else its data dir is a plain directory). */
export const hasFilesystem = (opts: Record<string, string>): boolean => Boolean(opts.type || opts.device);

/** Mount the filesystem the options describe at `path` (idempotent), as the local driver's mount does. */
export async function mountLocal(opts: Record<string, string>, path: string): Promise<void> {
  if (await isMounted(path)) return;
  const args = ['-t', opts.type];
  // a `bind` type mounts a host directory: mount(8) wants -o bind for it
  const o = [opts.type === 'bind' ? 'bind' : '', opts.o ?? ''].filter(Boolean).join(',');
  if (o) args.push('-o', o);
  args.push(opts.device, path);
  const r = await runProgram('/bin/mount', args);
  if (r.code !== 0) throw internal(`error while mounting volume '${path}': ${r.stderr.trim() || r.error?.message || `exit status ${r.code}`}`, r.error);
}

export async function unmountLocal(path: string): Promise<void> {
  if (!(await isMounted(path))) return;
  const r = await runProgram('/bin/umount', [path]);
  if (r.code !== 0) throw internal(`error while unmounting volume '${path}': ${r.stderr.trim() || r.error?.message || `exit status ${r.code}`}`, r.error);
}

/** Bytes held under `dir` (apparent sizes, each inode once), as docker's directory.Size counts them. */
export async function directorySize(dir: string, seen = new Set<string>()): Promise<number> {
  let total = 0;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0; // gone meanwhile, or not a directory: nothing to count
  }
  for (const name of names) {
    const p = join(dir, name);
    const st = await lstat(p).catch(() => null); // removed while we walk: not counted
    if (!st) continue;
    if (st.isDirectory()) {
      total += await directorySize(p, seen);
      continue;
    }
    const key = `${st.dev}:${st.ino}`;
    if (seen.has(key)) continue;
    seen.add(key);
    total += st.size;
  }
  return total;
}
