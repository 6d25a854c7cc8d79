// Helpers for the integration tests: a private skiff daemon per test file (own root, own socket), the
// skiff and docker CLIs pointed at it, and a cleanup that leaves nothing behind — containers outlive the
// daemon by design, so leftovers are found through files and mounts under the private root, never by name.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, readdirSync, readlinkSync, chmodSync, mkdirSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { nftTableName } from '../src/engine/network/nft.ts';
import { sweepNetwork, testNetworkOptions } from '../src/engine/network/testing.ts';

export const REPO = resolve(import.meta.dirname, '..');
/** SKIFF_BIN points the tests at another build of the launcher (e.g. a private copy while dist/ is rebuilt) */
export const SKIFF = process.env.SKIFF_BIN ?? join(REPO, 'bin/skiff');
export const DOCKER = '/usr/local/bin/docker';
export const BUSYBOX_TAR = '/var/cache/skiff/base-images/busybox.tar';
export const BUSYBOX_CHANGES = ['CMD ["sh"]', 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'];
/** run a command as nobody with no supplementary groups */
export const AS_NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface RunOptions {
  input?: string | Buffer;
  env?: Record<string, string>;
  /** SIGKILL the command after this long (default 60 s); the result then has code -1 */
  timeoutMs?: number;
  cwd?: string;
}

/** Run a command to completion; exit by signal N gives 128+N, like a shell. */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const t0 = performance.now();
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, opts.timeoutMs ?? 60_000);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => {}); // the command may exit before reading its input
    child.on('error', (e) => { clearTimeout(timer); fail(e); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString() + (timedOut ? `\n[harness: timed out after ${opts.timeoutMs ?? 60_000} ms]` : '');
      const status = timedOut ? -1 : code ?? 128 + signalNumber(signal);
      done({ code: status, stdout: Buffer.concat(out).toString(), stderr, ms: performance.now() - t0 });
    });
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

function signalNumber(signal: NodeJS.Signals | null): number {
  const table: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGABRT: 6, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGTERM: 15 };
  return signal ? table[signal] ?? 0 : 0;
}

/** Poll `check` until it returns a truthy value or the deadline passes (then throw, naming `what`). */
export async function waitFor<T>(what: string, check: () => Promise<T> | T, timeoutMs = 10_000, intervalMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await sleep(intervalMs);
  }
}

export interface ApiResponse {
  status: number;
  body: string;
  json<T = unknown>(): T;
}

/** One HTTP request to the Docker API over a unix socket. */
export function api(socketPath: string, method: string, path: string, body?: unknown, timeoutMs = 15_000): Promise<ApiResponse> {
  return new Promise((done, fail) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = request({ socketPath, method, path, headers: payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        done({ status: res.statusCode ?? 0, body: text, json: <T>() => JSON.parse(text) as T });
      });
      res.on('error', fail);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer in ${timeoutMs} ms`)));
    req.on('error', fail);
    req.end(payload);
  });
}

export interface Daemon {
  root: string;
  socket: string;
  /** unix:///…/docker.sock */
  host: string;
  /** the default bridge network's Linux bridge (unique per daemon) and gateway/prefix */
  bridge: string;
  bip: string;
  /** its `--default-address-pool` (base=CIDR,size=24): where its user networks get their subnets */
  addressPool: string;
  /** the daemon's nftables table (ip family) */
  nftTable: string;
  /** PID of the daemon process (bin/skiff execs node, so this is the engine itself) */
  pid: number;
  /** environment for the CLIs: SKIFF_HOST, DOCKER_HOST, DOCKER_CONFIG */
  env: Record<string, string>;
  logPath: string;
  skiff(args: string[], opts?: RunOptions): Promise<RunResult>;
  docker(args: string[], opts?: RunOptions): Promise<RunResult>;
  api(method: string, path: string, body?: unknown): Promise<ApiResponse>;
  /** signal the daemon (SIGTERM by default; SIGKILL after 10 s if it is still there) and wait for it to exit */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** start the daemon again on the same root and socket */
  restart(): Promise<void>;
  alive(): boolean;
  logTail(lines?: number): string;
  /** for afterEach: print the daemon log's tail when the test failed */
  reportFailure(t: { name: string; passed?: boolean }): void;
  cleanup(): Promise<void>;
}

export interface StartOptions {
  /** import busybox:latest (default true) */
  busybox?: boolean;
  /** extra environment for the daemon (SKIFF_* is otherwise not passed on) */
  env?: Record<string, string>;
}

// daemons of this process still running when it exits (a test killed midway): stopped by PID, at least
const liveDaemons = new Set<number>();
process.once('exit', () => {
  for (const pid of liveDaemons) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
});

/** A private daemon: root under /var/tmp (a real disk: overlay upper dirs cannot live on every tmpfs). */
export async function startDaemon(opts: StartOptions = {}): Promise<Daemon> {
  const root = mkdtempSync('/var/tmp/skiff-t-');
  // traversable by others, so the permission test meets the socket's own mode, not the directory's
  chmodSync(root, 0o755);
  const socket = join(root, 'docker.sock');
  const host = `unix://${socket}`;
  const logPath = join(root, 'daemon.log');
  const dockerConfig = join(root, 'docker-config');
  mkdirSync(dockerConfig, { mode: 0o755 });
  const env: Record<string, string> = { SKIFF_HOST: host, DOCKER_HOST: host, DOCKER_CONFIG: dockerConfig };
  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(DOCKER_|SKIFF_)/.test(k)) childEnv[k] = v;
  Object.assign(childEnv, env, opts.env);

  // every daemon its own default bridge and subnet, so daemons side by side never share one
  const { bridge, bip, addressPool } = testNetworkOptions();
  const nftTable = nftTableName(root);
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let running = false;

  const logTail = (lines = 40): string => {
    try {
      const all = readFileSync(logPath, 'utf8').split('\n');
      return all.slice(-lines - 1).join('\n');
    } catch {
      return '(no daemon log)';
    }
  };

  const spawnDaemon = async (): Promise<void> => {
    const fd = openSync(logPath, 'a');
    child = spawn(SKIFF, ['daemon', '--root', root, '-H', host, '--bridge', bridge, '--bip', bip, '--default-address-pool', addressPool], { env: childEnv, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    running = true;
    const c = child;
    liveDaemons.add(c.pid!);
    exited = new Promise((done) => c.once('exit', () => { running = false; liveDaemons.delete(c.pid!); done(); }));
    const ready = await Promise.race([
      waitFor(`${host}/_ping`, async () => running && (await api(socket, 'GET', '/_ping', undefined, 1000)).status === 200, 10_000),
      exited.then(() => new Error('the daemon exited')),
    ]).catch((e: Error) => e);
    if (ready instanceof Error) {
      throw new Error(`skiff daemon did not answer /_ping: ${ready.message}\n--- ${logPath} ---\n${logTail()}`);
    }
  };

  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    if (!child || !running) return;
    const pid = child.pid!;
    process.kill(pid, signal);
    const gone = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]);
    if (!gone) {
      process.kill(pid, 'SIGKILL');
      await exited;
    }
  };

  const cliEnv = (extra?: Record<string, string>) => ({ ...childEnv, ...extra });
  const d: Daemon = {
    root, socket, host, env, logPath, bridge, bip, addressPool, nftTable,
    get pid() { return child?.pid ?? -1; },
    skiff: (args, o = {}) => run(SKIFF, args, { ...o, env: cliEnv(o.env) }),
    docker: (args, o = {}) => run(DOCKER, args, { ...o, env: cliEnv(o.env) }),
    api: (method, path, body) => api(socket, method, path, body),
    stop,
    restart: spawnDaemon,
    alive: () => running,
    logTail,
    reportFailure(t) {
      if (t.passed !== false) return;
      process.stderr.write(`\n--- ${t.name} failed; tail of ${logPath} ---\n${logTail()}\n---\n`);
    },
    async cleanup() {
      if (running) {
        try {
          const list = (await api(socket, 'GET', '/containers/json?all=1')).json<Array<{ Id: string }>>();
          for (const c of list) await api(socket, 'DELETE', `/containers/${c.Id}?force=1`).catch(() => {});
        } catch { /* the daemon may be broken; the sweep below still cleans */ }
      }
      await stop();
      await sweepNetwork(root, bridge);
      await sweepRoot(root);
    },
  };

  try {
    await spawnDaemon();
    if (opts.busybox !== false) await importBusybox(d);
  } catch (e) {
    await d.cleanup();
    throw e;
  }
  return d;
}

/** Build the busybox tar if missing (scripts/test does this first; this is for running one file by hand). */
export async function ensureBusyboxTar(): Promise<void> {
  if (existsSync(BUSYBOX_TAR)) return;
  const r = await run(join(REPO, 'scripts/base-images'), ['busybox'], { timeoutMs: 300_000 });
  if (r.code !== 0 || !existsSync(BUSYBOX_TAR)) throw new Error(`scripts/base-images busybox failed (${r.code}): ${r.stderr}`);
}

/** Import busybox:latest with `skiff image import`, as a user of a fresh machine would. */
export async function importBusybox(d: Daemon, ref = 'busybox:latest'): Promise<RunResult> {
  await ensureBusyboxTar();
  const args = ['image', 'import', ...BUSYBOX_CHANGES.flatMap((c) => ['--change', c]), BUSYBOX_TAR, ref];
  const r = await d.skiff(args, { timeoutMs: 120_000 });
  if (r.code !== 0) {
    throw new Error(`skiff ${args.join(' ')} failed (exit ${r.code}):\n${r.stdout}${r.stderr}\n--- daemon log ---\n${d.logTail()}`);
  }
  return r;
}

// ---------------------------------------------------------------- sweep: what a daemon may leave behind


/** mount points at or under `dir`, deepest first (from /proc/self/mountinfo) */
export function mountsUnder(dir: string): string[] {
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => unescape(l.split(' ')[4]))
    .filter((mp) => mp === dir || mp.startsWith(dir + '/'))
    .sort((a, b) => b.split('/').length - a.split('/').length || b.length - a.length);
}

/** PIDs read from pid files under `dir` (conmon's and the runtime's), skipping mounted container roots */
function pidsFromFiles(dir: string, mounted: Set<string>, depth = 0): number[] {
  if (depth > 8 || mounted.has(dir)) return [];
  let entries;
  try { entries = readdirSync(dir, { withFileTypes: true }); } catch { return []; }
  const pids: number[] = [];
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) pids.push(...pidsFromFiles(p, mounted, depth + 1));
    else if (e.isFile() && /pid/i.test(e.name)) {
      try {
        if (statSync(p).size > 32) continue;
        const n = Number.parseInt(readFileSync(p, 'utf8').trim(), 10);
        if (n > 1) pids.push(n);
      } catch { /* raced with removal */ }
    }
  }
  return pids;
}

/** true when `pid` is ours: its command line names `root` (conmon) or its root directory lies under it (a container) */
function belongsTo(pid: number, root: string): boolean {
  try {
    if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(root)) return true;
  } catch { return false; }
  try {
    const r = readlinkSync(`/proc/${pid}/root`);
    return r === root || r.startsWith(root + '/');
  } catch { return false; }
}

/** Kill what is left of containers under `root` (by PID), unmount everything under it, remove it. */
export async function sweepRoot(root: string): Promise<void> {
  const mounted = new Set(mountsUnder(root));
  const candidates = new Set(pidsFromFiles(root, mounted));
  // container processes whose pid file was never written or already removed: found by their root dir
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (Number.isInteger(pid) && pid > 1 && pid !== process.pid && belongsTo(pid, root)) candidates.add(pid);
  }
  const ours = [...candidates].filter((pid) => belongsTo(pid, root));
  for (const pid of ours) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  await waitFor('leftover processes to exit', () => ours.every((pid) => !existsSync(`/proc/${pid}`) || isZombie(pid)), 5000).catch(() => {});
  for (let pass = 0; pass < 3; pass++) {
    const mps = mountsUnder(root);
    if (mps.length === 0) break;
    for (const mp of mps) {
      const r = await run('umount', [mp], { timeoutMs: 10_000 });
      if (r.code !== 0) await run('umount', ['-l', mp], { timeoutMs: 10_000 });
    }
  }
  await rm(root, { recursive: true, force: true, maxRetries: 3 });
}

function isZombie(pid: number): boolean {
  try {
    return /\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

// ---------------------------------------------------------------- terminals

/**
 * Run `argv` under a pseudo-terminal (python3's pty module): wait for `expect` (or 5 s), type `input`,
 * then read until the program exits. Returns everything the terminal showed and the exit code.
 */
export async function runInPty(argv: string[], input: string, opts: { expect?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<RunResult> {
  return runPtyDialog(argv, [{ expect: opts.expect ?? '', input }], opts);
}

/**
 * A conversation on a pseudo-terminal: each step waits for its `expect` to show after the previous one's
 * (or 5 s), then types its `input` (a prompt answered only once it is asked, as a person would).
 */
export async function runPtyDialog(argv: string[], steps: Array<{ expect: string; input: string }>, opts: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<RunResult> {
  const driver = `
import os, pty, sys, time, select, json, struct, fcntl, termios
argv = json.loads(sys.argv[1]); steps = json.loads(sys.argv[2]); limit = float(sys.argv[3])
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 24, 80, 0, 0))
out = b''; step = 0; seen = 0; t0 = time.time(); since = t0
while time.time() - t0 < limit:
    if step < len(steps):
        expect = steps[step]['expect'].encode()
        at = out.find(expect, seen) if expect else -1
        if at >= 0 or time.time() - since > 5:
            os.write(fd, steps[step]['input'].encode()); step += 1; since = time.time()
            seen = at + len(expect) if at >= 0 else len(out)
    r, _, _ = select.select([fd], [], [], 0.1)
    if r:
        try:
            d = os.read(fd, 65536)
        except OSError:
            break
        if not d:
            break
        out += d
else:
    os.kill(pid, 9)
    out += b'\\n[pty: timed out]\\n'
_, st = os.waitpid(pid, 0)
sys.stdout.buffer.write(out)
sys.exit(os.waitstatus_to_exitcode(st) if os.WIFEXITED(st) else 128 + os.WTERMSIG(st))
`;
  const limit = (opts.timeoutMs ?? 30_000) / 1000;
  return run('/usr/bin/python3', ['-c', driver, JSON.stringify(argv), JSON.stringify(steps), String(limit)], {
    env: { ...process.env as Record<string, string>, ...opts.env },
    timeoutMs: (opts.timeoutMs ?? 30_000) + 5000,
  });
}

/** A name no other test (or earlier run) uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Assert a command exited 0, showing its output when it did not. */
export function ok(r: { code: number; stdout: string; stderr: string }): void {
  assert.equal(r.code, 0, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
}
