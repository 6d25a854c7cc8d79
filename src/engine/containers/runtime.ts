// The OCI runtimes (crun, runc): which one to use on this host, and their few verbs. Every call passes
// `--root <runRoot>/<runtime>` so skiff's runtime state never collides with another engine's.
import { readFileSync, existsSync, constants, openSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import { readdir, rmdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContainerRecord } from '../types.ts';
import { errnoCode, failedPrecondition, internal, notFound } from '../../lib/errors.ts';
import { runProgram } from '../../lib/spawn.ts';
import { libc, sealedMemfd } from '../../lib/syscalls.ts';
import { logger } from '../../lib/log.ts';

const log = logger('containers');

export type RuntimeName = 'crun' | 'runc';

export interface Runtime {
  name: RuntimeName;
  path: string;
  /** the runtime's state dir (`--root`) */
  root: string;
  /** what to execute: a sealed in-memory copy of `path` when possible (see runtimeExe), else `path` */
  exe?: string;
}

/**
 * Against CVE-2019-5736 crun and runc copy their own binary into a sealed memfd and re-execute themselves
 * from it on every call (~10 ms here; runc copies 9 MB), unless they already run from one. So the engine
 * makes that sealed copy once and executes the runtime from it (/proc/<engine>/fd/<n>): the protection is
 * the same, a container still cannot reach a writable runtime binary. Without node:ffi: the binary itself.
 * The copy is taken when first needed; a runtime upgraded meanwhile is picked up at the next engine start.
 */
const sealedCopies = new Map<string, string>();
export function runtimeExe(path: string): string {
  let exe = sealedCopies.get(path);
  if (exe) return exe;
  exe = path;
  const lib = libc();
  if (lib) {
    try {
      exe = `/proc/${process.pid}/fd/${sealedMemfd(lib, path.split('/').pop()!, readFileSync(path))}`;
    } catch (err) {
      log.debug('runtime runs from its own binary', { path, err });
    }
  }
  sealedCopies.set(path, exe);
  return exe;
}

const withExe = (rt: Runtime): Runtime => ({ ...rt, exe: runtimeExe(rt.path) });

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
    return { runtime: withExe(rt), why: 'asked for' };
  }
  const crun = make('crun');
  const blocker = crun ? crunBlocker() : 'crun is not installed';
  if (crun && !blocker) return { runtime: withExe(crun), why: 'crun is installed and usable' };
  const runc = make('runc');
  if (runc) return { runtime: withExe(runc), why: `fallback: ${blocker}` };
  if (crun) return { runtime: withExe(crun), why: `runc is missing; crun may fail: ${blocker}` };
  throw failedPrecondition('no OCI runtime found: install crun or runc (scripts/setup)');
}

/** A runtime by name for a container created under it (its record names it). */
export function runtimeByName(name: RuntimeName, runRoot: string): Runtime {
  const path = findBinary(name);
  if (!path) throw failedPrecondition(`runtime ${name} is not installed, but a container was created with it`);
  return withExe({ name, path, root: join(runRoot, name) });
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runRuntime(rt: Runtime, args: string[], timeoutMs = 60_000): Promise<RunResult> {
  const r = await runProgram(rt.exe ?? rt.path, ['--root', rt.root, ...args], { timeoutMs });
  return { code: r.code === 0 ? 0 : Math.max(r.code, 1), stdout: r.stdout, stderr: r.stderr || r.error?.message || '' };
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
 * Four tiny syscalls on a fifo, made at once: through the thread pool they are four trips round an event
 * loop that is busy just then (the container's first output, its exit), ~1 ms each.
 */
export async function fastStart(rt: Runtime, id: string): Promise<void> {
  if (rt.name !== 'crun') return runtimeVerb(rt, ['start', id]);
  const fifo = join(rt.root, id, 'exec.fifo');
  let fd: number;
  try {
    // O_NONBLOCK: fails (ENXIO) instead of hanging when no init waits on the other side
    fd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
  } catch {
    return runtimeVerb(rt, ['start', id]);
  }
  try {
    unlinkSync(fifo);
    writeSync(fd, Buffer.from([0]));
  } finally {
    closeSync(fd);
  }
}

let cgroupHierarchies: Promise<string[]> | null = null;
const hierarchies = () =>
  (cgroupHierarchies ??= readdir('/sys/fs/cgroup', { withFileTypes: true })
    .then((ents) => ents.filter((e) => e.isDirectory()).map((e) => join('/sys/fs/cgroup', e.name)))
    .catch(() => []));

/** The container's cgroup, relative to each hierarchy's root: `<cgroupParent or skiff>/<id>`. */
export const cgroupPathOf = (rec: Pick<ContainerRecord, 'id' | 'spec'>): string => `${rec.spec.host.cgroupParent?.replace(/^\//, '') || 'skiff'}/${rec.id}`;

/** Remove a cgroup's directories (`path` in every hierarchy); false if one is still busy. */
export async function removeCgroups(path: string): Promise<boolean> {
  const results = await Promise.all((await hierarchies()).map((h) =>
    rmdir(join(h, path)).then(() => true, (err) => errnoCode(err) === 'ENOENT')));
  return results.every(Boolean);
}

/**
 * `delete` of a stopped container: for crun its cgroups and state dir (container_delete_internal without
 * hooks); anything unexpected (a cgroup still busy) goes to `crun delete --force`.
 */
export async function deleteStopped(rt: Runtime, rec: Pick<ContainerRecord, 'id' | 'spec'>): Promise<void> {
  const id = rec.id;
  if (rt.name === 'crun' && (await removeCgroups(cgroupPathOf(rec)))) {
    await rm(join(rt.root, id), { recursive: true, force: true });
    return;
  }
  await runtimeDelete(rt, id);
  if (rt.name === 'crun') await removeCgroups(cgroupPathOf(rec));
}
