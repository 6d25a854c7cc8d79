// Starting programs without forking this big process: posix_spawn through node:ffi when available (see
// syscalls.ts), else child_process. runProgram runs one to completion and collects its output; spawnPiped
// starts a helper that lives on, with pipes.
import { execFile, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { constants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { libc, posixSpawn } from './syscalls.ts';

export interface ProgramResult {
  /** exit status; 128+n when killed by signal n; -1 when it could not be started */
  code: number;
  stdout: string;
  stderr: string;
  /** why it could not be started or was stopped (ENOENT, a timeout) */
  error?: Error;
}

export interface ProgramOptions {
  cwd?: string;
  /** SIGTERM after this long (default: none) */
  timeoutMs?: number;
  /** default: this process's environment */
  env?: Record<string, string>;
  /** written to the program's stdin (closed after); without it stdin is /dev/null */
  input?: string;
}

export function runProgram(path: string, args: string[], o: ProgramOptions = {}): Promise<ProgramResult> {
  const lib = libc();
  if (!lib) return runWithExecFile(path, args, o);
  const env = o.env ?? Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
  let child;
  try {
    const pipes = [{ fd: 1, child: 'write' as const }, { fd: 2, child: 'write' as const }, ...(o.input !== undefined ? [{ fd: 0, child: 'read' as const }] : [])];
    child = posixSpawn(lib, { path, argv: [path, ...args], env, cwd: o.cwd, pipes, keepAlive: true });
  } catch (err) {
    return Promise.resolve({ code: -1, stdout: '', stderr: '', error: err instanceof Error ? err : new Error(String(err)) });
  }
  const collect = (fd: number) => new Promise<string>((resolve) => {
    const s = child.pipes.get(fd)!;
    let text = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => (text += d));
    s.on('close', () => resolve(text));
    s.on('error', () => {});
  });
  if (o.input !== undefined) {
    const stdin = child.pipes.get(0)!;
    stdin.on('error', () => {}); // the program may exit without reading it all; its exit status tells
    stdin.end(o.input);
  }
  let timedOut = false;
  let reaped = false;
  void child.exited.then(() => (reaped = true));
  const timer = o.timeoutMs ? setTimeout(() => {
    // once reaped its pid may belong to another process
    if (reaped) return;
    timedOut = true;
    try {
      process.kill(child.pid, 'SIGTERM');
    } catch {}
  }, o.timeoutMs) : null;
  return Promise.all([child.exited, collect(1), collect(2)]).then(([code, stdout, stderr]) => {
    if (timer) clearTimeout(timer);
    return { code, stdout, stderr, ...(timedOut ? { error: new Error(`${path} timed out after ${o.timeoutMs} ms`) } : {}) };
  });
}

function runWithExecFile(path: string, args: string[], o: ProgramOptions): Promise<ProgramResult> {
  return new Promise((resolve) => {
    const child = execFile(path, args, { cwd: o.cwd, env: o.env, timeout: o.timeoutMs ?? 0, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (!err) return resolve({ code: 0, stdout, stderr });
      const e = err as NodeJS.ErrnoException & { code?: unknown; signal?: NodeJS.Signals | null };
      const code = typeof e.code === 'number' ? e.code : e.signal ? 128 + (signalNumber(e.signal) ?? 0) : -1;
      resolve({ code, stdout, stderr, ...(typeof e.code === 'number' ? {} : { error: err }) });
    });
    child.stdin?.on('error', () => {}); // as above: the exit status tells
    child.stdin?.end(o.input);
  });
}

const signalNumber = (s: string): number | undefined => (constants.signals as Record<string, number>)[s];

/**
 * The part of a ChildProcess that a long-running helper with pipes needs (a ChildProcess is one). One
 * difference: killed by a signal, the posix_spawn'd child exits with 128+n where a ChildProcess has null.
 */
export interface PipedChild {
  readonly pid?: number;
  readonly exitCode: number | null;
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  /** fds 0..n: a stream for each 'pipe', null for 'ignore' */
  readonly stdio: ReadonlyArray<Readable | Writable | null>;
  kill(signal?: NodeJS.Signals): boolean;
  once(event: 'exit', listener: (code: number | null) => void): this;
  on(event: 'exit', listener: (code: number | null) => void): this;
  once(event: 'error', listener: (err: Error) => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
}

/**
 * Start a helper with pipes on the fds marked 'pipe' (fd 0 is written by us, every other fd read), like
 * child_process.spawn(path, args, { stdio }) but by posix_spawn when node:ffi is there: no fork of this
 * big process on the hot path of `run` (~10 ms of the event loop and of a core). Without ffi, or when
 * posix_spawn fails, child_process.spawn itself (which reports a missing program as usual).
 */
export function spawnPiped(path: string, args: string[], stdio: Array<'pipe' | 'ignore'>): PipedChild {
  const lib = libc();
  if (lib) {
    try {
      const env = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
      const pipes = stdio.flatMap((kind, fd) => (kind === 'pipe' ? [{ fd, child: fd === 0 ? 'read' as const : 'write' as const }] : []));
      const s = posixSpawn(lib, { path, argv: [path, ...args], env, pipes, keepAlive: true });
      const streams = stdio.map((_k, fd) => s.pipes.get(fd) ?? null);
      const child = Object.assign(new EventEmitter(), {
        pid: s.pid,
        exitCode: null as number | null,
        stdin: streams[0] ?? null,
        stdout: streams[1] ?? null,
        stderr: streams[2] ?? null,
        stdio: streams,
        kill(signal: NodeJS.Signals = 'SIGTERM') {
          if (child.exitCode !== null) return false;
          try {
            process.kill(s.pid, signal);
            return true;
          } catch {
            return false;
          }
        },
      });
      s.exited.then((code) => {
        child.exitCode = code;
        child.emit('exit', code);
      });
      return child as unknown as PipedChild;
    } catch {
      // fall through: child_process says what went wrong in its usual way
    }
  }
  return spawn(path, args, { stdio }) as unknown as PipedChild;
}
