// conmon, the container monitor: it runs `runtime create` (or `exec`), holds the container's stdio, writes
// the k8s-file log and, when the process ends, the exit file. It double-forks and daemonizes, so it outlives
// the engine. We talk to it through inherited pipes (conmon.c, parent_pipe_fd.c, api-version 1):
//   _OCI_SYNCPIPE   conmon writes `{"data": <pid>}` once the process exists, or a negative number and a
//                   "message" when the runtime failed; for an exec a second `{"data": <exit code>}` follows
//   _OCI_STARTPIPE  conmon waits for one write before it forks (and, with --exec-attach, a second before the
//                   runtime runs the process, so an attached client misses no output)
//   _OCI_ATTACHPIPE with --exec-attach: conmon writes here once its attach socket listens
import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { internal } from '../../lib/errors.ts';
import { libc, posixSpawn } from '../../lib/syscalls.ts';
import type { Runtime } from './runtime.ts';

export interface SyncMessage {
  data: number;
  message?: string;
}

export interface ConmonLaunch {
  id: string;
  /** conmon's -u: names the attach socket dir (<socketDir>/<uuid>) */
  uuid: string;
  name?: string;
  runtime: Runtime;
  bundle: string;
  pidFile: string;
  conmonPidFile?: string;
  logPath: string;
  /** 'none': conmon keeps no log (docker's `--log-driver none`) */
  logDriver?: 'none';
  exitDir: string;
  socketDir: string;
  persistDir?: string;
  cwd: string;
  terminal: boolean;
  stdin: boolean;
  leaveStdinOpen: boolean;
  exec?: { processSpec: string; attach: boolean };
  logLevel?: string;
}

export function conmonArgs(o: ConmonLaunch): string[] {
  const args = ['--api-version', '1', '-c', o.id, '-u', o.uuid, '-r', o.runtime.exe ?? o.runtime.path, '-b', o.bundle, '-p', o.pidFile,
    '-l', o.logDriver === 'none' ? 'none' : `k8s-file:${o.logPath}`, '--exit-dir', o.exitDir, '--socket-dir-path', o.socketDir,
    '--runtime-arg', `--root=${o.runtime.root}`, '--log-level', o.logLevel ?? 'error'];
  if (o.name) args.push('-n', o.name);
  if (o.conmonPidFile) args.push('-P', o.conmonPidFile);
  if (o.persistDir) args.push('--persist-dir', o.persistDir);
  if (o.terminal) args.push('-t');
  if (o.stdin) args.push('-i');
  if (o.stdin && o.leaveStdinOpen) args.push('--leave-stdin-open');
  if (o.exec) {
    args.push('--exec', '--exec-process-spec', o.exec.processSpec);
    if (o.exec.attach) args.push('--exec-attach');
  }
  return args;
}

/** Reads newline-delimited JSON messages from a pipe, one at a time. */
export function messageReader(stream: Readable): { next(): Promise<SyncMessage | null> } {
  let buf = '';
  let ended = false;
  let failed: Error | null = null;
  const queue: SyncMessage[] = [];
  let wake: (() => void) | null = null;
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (!line) continue;
      try {
        queue.push(JSON.parse(line) as SyncMessage);
      } catch {
        failed = internal(`conmon sent an unreadable message: ${line}`);
      }
    }
    wake?.();
  });
  const end = () => {
    ended = true;
    wake?.();
  };
  stream.on('end', end);
  stream.on('close', end);
  stream.on('error', end);
  return {
    async next() {
      for (;;) {
        if (queue.length) return queue.shift()!;
        if (failed) throw failed;
        if (ended) return null;
        await new Promise<void>((r) => (wake = r));
        wake = null;
      }
    },
  };
}

export interface ConmonHandle {
  /** conmon's first process (it forks the monitor and exits, unless held by a deferred start) */
  pid: number;
  sync: { next(): Promise<SyncMessage | null> };
  /** stderr of conmon's first process (option errors come here before it daemonizes) */
  stderr(): string;
  start?: Writable;
  attach?: Readable;
  /** with `deferStart`: let conmon go on (it then runs the runtime) */
  go(): void;
  /** with `deferStart`, before go(): kill the waiting conmon (closing the pipe alone would let it go on) */
  abort(): void;
  /** false once conmon's first process is known to have ended (a held conmon that died is no use) */
  alive(): boolean;
  /** close our ends of the pipes */
  release(): void;
}

export interface SpawnConmonOptions {
  /**
   * Hold conmon before it forks, until go(): the engine can start conmon (~10 ms of loading and set-up)
   * while it still mounts the rootfs and writes the bundle (_OCI_STARTPIPE).
   */
  deferStart?: boolean;
}

type Pipe = Readable & Writable & { unref?: () => void };

/**
 * Start conmon with its pipes: by posix_spawn when node:ffi is there (no fork of the engine's big process,
 * ~1.5 ms instead of ~10 ms with the event loop blocked), else child_process.spawn.
 */
export function spawnConmon(conmonPath: string, o: ConmonLaunch, so: SpawnConmonOptions = {}): ConmonHandle {
  const withExecPipes = !!o.exec?.attach;
  const withStartPipe = withExecPipes || !!so.deferStart;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    _OCI_SYNCPIPE: '3',
  };
  if (withStartPipe) env._OCI_STARTPIPE = '4';
  if (withExecPipes) env._OCI_ATTACHPIPE = '5';
  const args = conmonArgs(o);
  let err = '';
  let pid = 0;
  let ended = false;
  const pipes: Array<Pipe | null> = [];
  const lib = libc();
  let spawned = false;
  if (lib) {
    try {
      const child = posixSpawn(lib, {
        path: conmonPath, argv: [conmonPath, ...args], env, cwd: o.cwd, setsid: true,
        pipes: [{ fd: 2, child: 'write' }, { fd: 3, child: 'write' },
          ...(withStartPipe ? [{ fd: 4, child: 'read' as const }] : []), ...(withExecPipes ? [{ fd: 5, child: 'write' as const }] : [])],
      });
      pid = child.pid;
      for (const [fd, s] of child.pipes) pipes[fd] = s as unknown as Pipe;
      child.exited.then((code) => {
        ended = true;
        if (code !== 0) err ||= `conmon exited with status ${code}`;
      });
      spawned = true;
    } catch {
      // e.g. ENOENT: child_process below reports it in its usual words
    }
  }
  if (!spawned) {
    const child = spawn(conmonPath, args, {
      cwd: o.cwd,
      env,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe', 'pipe', ...(withStartPipe ? ['pipe' as const] : []), ...(withExecPipes ? ['pipe' as const] : [])],
    });
    child.unref();
    child.on('error', (e) => (err += e.message));
    child.on('exit', () => (ended = true));
    pid = child.pid ?? 0;
    (child.stdio as unknown as Array<Pipe | null>).forEach((p, fd) => {
      if (fd >= 2) pipes[fd] = p;
    });
  }
  pipes[2]!.setEncoding('utf8');
  pipes[2]!.on('data', (d: string) => (err += d));
  for (const p of pipes) {
    p?.unref?.();
    // a pipe error (conmon gone) shows as the end of its messages, not as an uncaught error
    p?.on('error', () => {});
  }
  const handle: ConmonHandle = {
    pid,
    sync: messageReader(pipes[3]!),
    stderr: () => err,
    go() {
      if (so.deferStart) pipes[4]?.end('0');
    },
    abort() {
      // once reaped its pid may belong to another process
      if (pid > 0 && !ended) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {}
      }
      handle.release();
    },
    alive: () => !ended,
    release() {
      for (const p of pipes) p?.destroy();
    },
  };
  if (withExecPipes) {
    handle.start = pipes[4]!;
    handle.attach = pipes[5]!;
  }
  return handle;
}

/** Docker's wording (and the docker CLI's exit code 127/126) for a process that could not be started. */
export function startFailure(message: string, command: string): { message: string; exitCode: number } {
  const m = message.replace(/^\s*(crun|runc):\s*/, '').trim();
  if (/executable file .*not found|no such file or directory|ENOENT/i.test(m)) {
    return { message: `exec: "${command}": executable file not found in $PATH`, exitCode: 127 };
  }
  if (/permission denied|EACCES|is a directory/i.test(m)) {
    return { message: `exec: "${command}": permission denied`, exitCode: 126 };
  }
  return { message: m, exitCode: 128 };
}
