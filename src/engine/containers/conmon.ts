// conmon, the container monitor: it runs `runtime create` (or `exec`), holds the container's stdio, writes
// the k8s-file log and, when the process ends, the exit file. It double-forks and daemonizes, so it outlives
// the engine. We talk to it through inherited pipes (conmon.c, parent_pipe_fd.c, api-version 1):
//   _OCI_SYNCPIPE   conmon writes `{"data": <pid>}` once the process exists, or a negative number and a
//                   "message" when the runtime failed; for an exec a second `{"data": <exit code>}` follows
//   _OCI_STARTPIPE  conmon waits for one write before it forks (and, with --exec-attach, a second before the
//                   runtime runs the process, so an attached client misses no output)
//   _OCI_ATTACHPIPE with --exec-attach: conmon writes here once its attach socket listens
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { internal } from '../../lib/errors.ts';
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
  const args = ['--api-version', '1', '-c', o.id, '-u', o.uuid, '-r', o.runtime.path, '-b', o.bundle, '-p', o.pidFile,
    '-l', `k8s-file:${o.logPath}`, '--exit-dir', o.exitDir, '--socket-dir-path', o.socketDir,
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
  child: ChildProcess;
  sync: { next(): Promise<SyncMessage | null> };
  /** stderr of conmon's first process (option errors come here before it daemonizes) */
  stderr(): string;
  start?: Writable;
  attach?: Readable;
  /** close our ends of the pipes */
  release(): void;
}

export function spawnConmon(conmonPath: string, o: ConmonLaunch): ConmonHandle {
  const withExecPipes = !!o.exec?.attach;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    _OCI_SYNCPIPE: '3',
  };
  if (withExecPipes) {
    env._OCI_STARTPIPE = '4';
    env._OCI_ATTACHPIPE = '5';
  }
  const child = spawn(conmonPath, conmonArgs(o), {
    cwd: o.cwd,
    env,
    detached: true,
    stdio: withExecPipes ? ['ignore', 'ignore', 'pipe', 'pipe', 'pipe', 'pipe'] : ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  child.unref();
  let err = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => (err += d));
  child.on('error', (e) => (err += e.message));
  const pipes = child.stdio as unknown as Array<(Readable & Writable) | null>;
  const handle: ConmonHandle = {
    child,
    sync: messageReader(pipes[3]!),
    stderr: () => err,
    release() {
      for (const p of pipes.slice(2)) p?.destroy();
    },
  };
  for (const p of pipes.slice(2)) (p as unknown as { unref?: () => void })?.unref?.();
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
