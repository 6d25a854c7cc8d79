// Run a program to completion and collect its output: posix_spawn through node:ffi when available (no fork
// of this big process, see syscalls.ts), else child_process.execFile. One result shape for both.
import { execFile } from 'node:child_process';
import { constants } from 'node:os';
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
}

export function runProgram(path: string, args: string[], o: ProgramOptions = {}): Promise<ProgramResult> {
  const lib = libc();
  if (!lib) return runWithExecFile(path, args, o);
  const env = o.env ?? Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
  let child;
  try {
    child = posixSpawn(lib, { path, argv: [path, ...args], env, cwd: o.cwd, pipes: [{ fd: 1, child: 'write' }, { fd: 2, child: 'write' }], keepAlive: true });
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
  let timedOut = false;
  const timer = o.timeoutMs ? setTimeout(() => {
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
    execFile(path, args, { cwd: o.cwd, env: o.env, timeout: o.timeoutMs ?? 0, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (!err) return resolve({ code: 0, stdout, stderr });
      const e = err as NodeJS.ErrnoException & { code?: unknown; signal?: NodeJS.Signals | null };
      const code = typeof e.code === 'number' ? e.code : e.signal ? 128 + (signalNumber(e.signal) ?? 0) : -1;
      resolve({ code, stdout, stderr, ...(typeof e.code === 'number' ? {} : { error: err }) });
    });
  });
}

const signalNumber = (s: string): number | undefined => (constants.signals as Record<string, number>)[s];
