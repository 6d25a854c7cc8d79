// The cluster's processes: plain background processes (their own session), a pid file each under
// <root>/run, logs under <root>/logs. Pids get reused, so a pid counts as ours only while its command
// line still says what we started.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runProgram } from '../../lib/spawn.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

/** the pid in `file` while that process lives and its command line has every one of `words` */
export function runningPid(file: string, words: string[]): number | undefined {
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 1 || !alive(pid)) return undefined;
  const args = cmdline(pid);
  return words.every((w) => args.includes(w)) ? pid : undefined;
}

/** Start `argv` in the background (own session, output to `log`), its pid in `pidFile`. Resolves after
 * `settleMs` if it still runs; rejects with the log's tail if it exited. */
export async function startDetached(argv: string[], log: string, pidFile: string, settleMs = 300): Promise<number> {
  mkdirSync(dirname(log), { recursive: true });
  mkdirSync(dirname(pidFile), { recursive: true });
  const fd = openSync(log, 'a');
  const child = spawn(argv[0], argv.slice(1), { detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  let exited: number | null = null;
  child.once('exit', (code, signal) => (exited = code ?? (signal ? 128 : 1)));
  await new Promise<void>((ok, fail) => {
    child.once('spawn', () => ok());
    child.once('error', fail);
  });
  writeFileSync(pidFile, `${child.pid}\n`);
  await sleep(settleMs);
  if (exited !== null) {
    const tail = readFileSync(log, 'utf8').trim().split('\n').slice(-10).join('\n');
    throw new Error(`${argv.slice(0, 4).join(' ')}… exited (status ${exited}); the end of ${log}:\n${tail}`);
  }
  child.unref();
  return child.pid!;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once it is gone */
export async function stopPid(pid: number, graceMs: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return; // already gone
  }
  for (let t = 0; t < graceMs && alive(pid); t += 100) await sleep(100);
  if (alive(pid)) killPids([pid]);
  for (let t = 0; t < 10_000 && alive(pid); t += 50) await sleep(50);
}

function killPids(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
  }
}

/** true when `arg` names `dir` or something under it (so node-1 does not match node-10) */
function namesDir(arg: string, dir: string): boolean {
  const i = arg.indexOf(dir);
  return i >= 0 && (arg.length === i + dir.length || arg[i + dir.length] === '/');
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** true when the process sits in the cgroup of one of the containers `ids` (crun puts each in …/<id>) */
function inContainerCgroup(pid: number, ids: Set<string>): boolean {
  if (!ids.size) return false;
  try {
    return readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').some((l) => l.split('/').some((part) => ids.has(part)));
  } catch {
    return false;
  }
}

/** processes of a node host: its agent and everything it left running — conmon (its command line names the
 * node's root), the containers (in the cgroups of the node engine's containers: after pivot_root their root
 * says nothing) and whatever runs in its netns */
export async function nodeProcesses(nodeRoot: string, netns: string, containerIds: string[]): Promise<number[]> {
  const pids = new Set<number>();
  const ids = new Set(containerIds);
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) continue;
    const ppid = parentOf(pid);
    if (ppid) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
    if (cmdline(pid).some((a) => namesDir(a, nodeRoot)) || inContainerCgroup(pid, ids)) pids.add(pid);
  }
  // and what they started: a container whose record is already gone is still conmon's child
  const queue = [...pids];
  while (queue.length) {
    for (const c of children.get(queue.pop()!) ?? []) {
      if (!pids.has(c) && c !== process.pid) {
        pids.add(c);
        queue.push(c);
      }
    }
  }
  if (netns && existsSync(`/run/netns/${netns}`)) {
    const r = await runProgram('/usr/sbin/ip', ['netns', 'pids', netns], { timeoutMs: 10_000 });
    for (const l of r.stdout.split('\n')) if (Number(l) > 1 && Number(l) !== process.pid) pids.add(Number(l));
  }
  return [...pids];
}

/** the node as good as dead: the agent and every process of its pods killed at once */
export async function killNode(agentPid: number | undefined, nodeRoot: string, netns: string): Promise<number> {
  const ids = () => containerIds(join(nodeRoot, 'engine'));
  const pids = new Set(await nodeProcesses(nodeRoot, netns, ids()));
  if (agentPid) pids.add(agentPid);
  // twice: conmon may have been about to start something when the first volley landed
  for (let round = 0; round < 2; round++) {
    killPids([...pids]);
    for (let t = 0; t < 10_000 && [...pids].some(alive); t += 50) await sleep(50);
    for (const p of await nodeProcesses(nodeRoot, netns, ids())) pids.add(p);
  }
  return pids.size;
}

/** mount points at or under `dir` in this mount namespace, deepest first */
export function mountsUnder(dir: string): string[] {
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(Boolean)
    .map((l) => unescape(l.split(' ')[4]))
    .filter((mp) => namesDir(mp, dir))
    .sort((a, b) => b.split('/').length - a.split('/').length || b.length - a.length);
}

export async function unmountUnder(dir: string): Promise<void> {
  for (let pass = 0; pass < 3; pass++) {
    const mps = mountsUnder(dir);
    if (!mps.length) return;
    for (const mp of mps) {
      const r = await runProgram('/usr/bin/umount', [mp], { timeoutMs: 10_000 });
      if (r.code !== 0) await runProgram('/usr/bin/umount', ['-l', mp], { timeoutMs: 10_000 });
    }
  }
}

/** the container ids of an engine (its root's containers/ directory; an agent's engine is <node root>/engine) */
export function containerIds(nodeRoot: string): string[] {
  try {
    return readdirSync(`${nodeRoot}/containers`).filter((n) => /^[0-9a-f]{64}$/.test(n));
  } catch {
    return [];
  }
}

/** the pod cgroups (`kubepods/pod<uid>`) an engine's containers sit under, from their records' cgroupParent */
export function podCgroupParents(engineRoot: string): string[] {
  const found = new Set<string>();
  for (const id of containerIds(engineRoot)) {
    try {
      const parent = (JSON.parse(readFileSync(`${engineRoot}/containers/${id}/config.json`, 'utf8')) as { host?: { cgroupParent?: unknown } }).host?.cgroupParent;
      if (typeof parent === 'string' && /(^|\/)pod[^/]+$/.test(parent.replace(/^\/+|\/+$/g, '')) && !parent.split('/').includes('..')) found.add(parent.replace(/^\/+|\/+$/g, ''));
    } catch {
      // a record half-written or being removed: its pod's cgroup goes with another's or is not there
    }
  }
  return [...found];
}

/** what killed containers leave on the host: their netns files (/run/netns/skiff-<id>) and cgroups, then
 * the pods' cgroups (`podCgroups`, relative to each hierarchy's root) once empty — a stopped sandbox (a
 * finished pod) has no container cgroup left under its pod's for the walk below to find */
export async function removeContainerLeftovers(ids: string[], podCgroups: string[] = []): Promise<void> {
  for (const id of ids) {
    if (existsSync(`/run/netns/skiff-${id}`)) {
      const r = await runProgram('/usr/sbin/ip', ['netns', 'del', `skiff-${id}`], { timeoutMs: 10_000 });
      // a node netns's engine mounted it in that node's mount namespace: here it is only an empty file
      if (r.code !== 0) rmSync(`/run/netns/skiff-${id}`, { force: true });
    }
  }
  // deepest first: a container's cgroup, then its pod's (kubepods/pod<uid>) once empty
  for (const dir of containerCgroupDirs(ids)) {
    for (const d of [dir, ...(/\/pod[^/]+$/.test(dirname(dir)) ? [dirname(dir)] : [])]) {
      try {
        rmdirSync(d);
      } catch {
        // a process still in it, or (a pod's) other containers' cgroups: left for the engine's own cleanup
      }
    }
  }
  for (const dir of cgroupHierarchies().flatMap((h) => podCgroups.map((p) => `${h}/${p}`))) {
    try {
      rmdirSync(dir);
    } catch {
      // not in this hierarchy (ENOENT), or a process or a container's cgroup is still in it
    }
  }
}

/** each hierarchy's root: /sys/fs/cgroup itself (v2) or each controller's directory (v1) */
function cgroupHierarchies(): string[] {
  if (!existsSync('/sys/fs/cgroup')) return [];
  if (existsSync('/sys/fs/cgroup/cgroup.controllers')) return ['/sys/fs/cgroup'];
  return readdirSync('/sys/fs/cgroup', { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => `/sys/fs/cgroup/${e.name}`);
}

/** the cgroup directories of containers `ids` in every hierarchy: …/<id> within three levels of a
 * controller's root (skiff/<id>, kubepods/pod<uid>/<id>) */
export function containerCgroupDirs(ids: string[]): string[] {
  const want = new Set(ids);
  if (!want.size || !existsSync('/sys/fs/cgroup')) return [];
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      if (want.has(e.name)) found.push(`${dir}/${e.name}`);
      else if (depth < 3) walk(`${dir}/${e.name}`, depth + 1);
    }
  };
  const roots = readdirSync('/sys/fs/cgroup', { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => `/sys/fs/cgroup/${e.name}`);
  // cgroup v2: the root itself is the hierarchy; v1: each controller directory is
  if (existsSync('/sys/fs/cgroup/cgroup.controllers')) walk('/sys/fs/cgroup', 1);
  else for (const r of roots) walk(r, 1);
  return found;
}
