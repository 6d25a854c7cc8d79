// The OCI runtimes (crun, runc): which one to use on this host, and their few verbs. Every call passes
// `--root <runRoot>/<runtime>` so skiff's runtime state never collides with another engine's.
import { execFile } from 'node:child_process';
import { readFileSync, existsSync, constants } from 'node:fs';
import { open, unlink, readdir, rmdir, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode, failedPrecondition, internal, notFound } from '../../lib/errors.ts';

export type RuntimeName = 'crun' | 'runc';

export interface Runtime {
  name: RuntimeName;
  path: string;
  /** the runtime's state dir (`--root`) */
  root: string;
}

const searchPath = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

export function findBinary(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(':').concat(searchPath)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return null;
}

/**
 * crun refuses to run on a hybrid cgroup host whose cgroup2 (/sys/fs/cgroup/unified) holds a controller;
 * runc does not care. Returns why crun is unusable, or null when it is fine.
 */
export function crunBlocker(unifiedControllers = '/sys/fs/cgroup/unified/cgroup.controllers'): string | null {
  try {
    const held = readFileSync(unifiedControllers, 'utf8').trim();
    return held ? `the hybrid cgroup2 at /sys/fs/cgroup/unified holds '${held}' (scripts/setup --check mounts hugetlb as v1 to free it)` : null;
  } catch {
    return null;
  }
}

/** Pick the runtime: 'auto' = crun when present and usable, else runc. `why` says what decided it. */
export function chooseRuntime(want: RuntimeName | 'auto', runRoot: string): { runtime: Runtime; why: string } {
  const make = (name: RuntimeName): Runtime | null => {
    const path = findBinary(name);
    return path ? { name, path, root: join(runRoot, name) } : null;
  };
  if (want !== 'auto') {
    const rt = make(want);
    if (!rt) throw failedPrecondition(`runtime ${want} is not installed (apt-get install ${want})`);
    return { runtime: rt, why: 'asked for' };
  }
  const crun = make('crun');
  const blocker = crun ? crunBlocker() : 'crun is not installed';
  if (crun && !blocker) return { runtime: crun, why: 'crun is installed and usable' };
  const runc = make('runc');
  if (runc) return { runtime: runc, why: `fallback: ${blocker}` };
  if (crun) return { runtime: crun, why: `runc is missing; crun may fail: ${blocker}` };
  throw failedPrecondition('no OCI runtime found: install crun or runc (scripts/setup)');
}

/** A runtime by name for a container created under it (its record names it). */
export function runtimeByName(name: RuntimeName, runRoot: string): Runtime {
  const path = findBinary(name);
  if (!path) throw failedPrecondition(`runtime ${name} is not installed, but a container was created with it`);
  return { name, path, root: join(runRoot, name) };
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runRuntime(rt: Runtime, args: string[], timeoutMs = 60_000): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(rt.path, ['--root', rt.root, ...args], { timeout: timeoutMs, maxBuffer: 4 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The runtime's own error text without its `time=… level=error msg=` or `crun:` wrapping. */
export function runtimeMessage(stderr: string): string {
  const lines = stderr.trim().split('\n').filter(Boolean);
  const last = lines.at(-1) ?? '';
  const m = /msg="((?:[^"\\]|\\.)*)"/.exec(last);
  if (m) return m[1].replace(/\\"/g, '"');
  return last.replace(/^(crun|runc): /, '').trim();
}

/** Run a verb; NotFound when the runtime does not know the container, Internal on other failures. */
export async function runtimeVerb(rt: Runtime, args: string[]): Promise<void> {
  const r = await runRuntime(rt, args);
  if (r.code === 0) return;
  const msg = runtimeMessage(r.stderr);
  if (/does not exist|not found|no such file/i.test(msg)) throw notFound(`${rt.name} ${args[0]}: ${msg}`);
  throw internal(`${rt.name} ${args[0]} failed: ${msg || `exit status ${r.code}`}`);
}

export function runtimeKill(rt: Runtime, id: string, signal: string): Promise<void> {
  return runtimeVerb(rt, ['kill', id, signal.replace(/^SIG/, '')]);
}

export async function runtimeDelete(rt: Runtime, id: string): Promise<void> {
  const r = await runRuntime(rt, ['delete', '--force', id]);
  if (r.code !== 0 && !/does not exist|not found|no such file/i.test(r.stderr)) {
    throw internal(`${rt.name} delete failed: ${runtimeMessage(r.stderr)}`);
  }
}

// ---------------------------------------------------------------- the hot path without forks
// Every exec costs ~10 ms on small hosts, so `run` avoids the two runtime calls it can do itself, for crun
// only and following crun's own code (libcrun status.c, container.c), falling back to the binary otherwise.

/**
 * `crun start` of a created container without hooks: open the state dir's exec.fifo for writing, unlink
 * it, write one byte (libcrun_status_write_exec_fifo); the container's init then execs the process.
 */
export async function fastStart(rt: Runtime, id: string): Promise<void> {
  if (rt.name !== 'crun') return runtimeVerb(rt, ['start', id]);
  const fifo = join(rt.root, id, 'exec.fifo');
  let fh: FileHandle | null = null;
  try {
    // O_NONBLOCK: fails (ENXIO) instead of hanging when no init waits on the other side
    fh = await open(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
  } catch {
    return runtimeVerb(rt, ['start', id]);
  }
  try {
    await unlink(fifo);
    await fh.write(Buffer.from([0]));
  } finally {
    await fh.close();
  }
}

let cgroupHierarchies: Promise<string[]> | null = null;
const hierarchies = () =>
  (cgroupHierarchies ??= readdir('/sys/fs/cgroup', { withFileTypes: true })
    .then((ents) => ents.filter((e) => e.isDirectory()).map((e) => join('/sys/fs/cgroup', e.name)))
    .catch(() => []));

/** Remove the container's cgroup directories (`/skiff/<id>` in every hierarchy); false if one is still busy. */
export async function removeCgroups(id: string): Promise<boolean> {
  const results = await Promise.all((await hierarchies()).map((h) =>
    rmdir(join(h, 'skiff', id)).then(() => true, (err) => errnoCode(err) === 'ENOENT')));
  return results.every(Boolean);
}

/**
 * `delete` of a stopped container: for crun its cgroups and state dir (container_delete_internal without
 * hooks); anything unexpected (a cgroup still busy) goes to `crun delete --force`.
 */
export async function deleteStopped(rt: Runtime, id: string): Promise<void> {
  if (rt.name === 'crun' && (await removeCgroups(id))) {
    await rm(join(rt.root, id), { recursive: true, force: true });
    return;
  }
  await runtimeDelete(rt, id);
  if (rt.name === 'crun') await removeCgroups(id);
}
