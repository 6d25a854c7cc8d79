// Wiring a hijacked attach/exec connection to this terminal: output (raw for a TTY, demultiplexed
// otherwise), stdin (raw mode for a TTY, with the detach keys), window size and signal forwarding.
import type { ApiResponse } from './http.ts';
import { frameDemuxer } from '../lib/stdcopy.ts';
import { CliError } from './errors.ts';

export interface StreamSession {
  res: ApiResponse;
  tty: boolean;
  /** forward local stdin to the container */
  stdin: boolean;
  /** `ctrl-p,ctrl-q` (docker's default); '' disables */
  detachKeys?: string;
  /** send the terminal size: at start and on SIGWINCH */
  resize?: (height: number, width: number) => Promise<unknown>;
  /** forward signals this process gets to the container (docker's --sig-proxy) */
  sigProxy?: (signal: NodeJS.Signals) => void;
}

export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';
const proxied: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

/** `ctrl-p,ctrl-q` → [0x10, 0x11]; docker's term.ToBytes. */
export function parseDetachKeys(spec: string): number[] {
  return spec.split(',').map((key) => {
    const k = key.trim().toLowerCase();
    if (k.length === 1) return k.charCodeAt(0);
    const m = /^ctrl-([a-z@[\\\]^_])$/.exec(k);
    if (!m) throw new CliError(`invalid detach keys (${spec}): use "ctrl-<value>" with <value> a letter or one of @,[,\\,],^,_`, 1);
    return m[1].charCodeAt(0) & 0x1f;
  });
}

/** Passes bytes through, holding back a prefix of the detach sequence; calls onDetach when it completes. */
export function detachFilter(keys: number[], onDetach: () => void): (chunk: Buffer) => Buffer {
  let matched = 0;
  return (chunk: Buffer) => {
    if (!keys.length) return chunk;
    const out: number[] = [];
    for (const b of chunk) {
      if (b === keys[matched]) {
        matched++;
        if (matched === keys.length) {
          matched = 0;
          onDetach();
          return Buffer.from(out);
        }
        continue;
      }
      // a partial match that broke off: what was held back is ordinary input
      out.push(...keys.slice(0, matched));
      matched = 0;
      if (b === keys[0]) matched = 1;
      else out.push(b);
    }
    return Buffer.from(out);
  };
}

/** Runs until the container's output ends or the user detaches. */
export function pumpStreams(s: StreamSession): Promise<{ detached: boolean }> {
  const { socket, body } = s.res;
  // process.stdin/stdout/stderr are built on first access (stdin alone loads fs streams, ~4 ms of
  // start-up): touch each only when this session uses it
  const rawTerminal = s.tty && s.stdin && process.stdin.isTTY;
  const cleanups: Array<() => void> = [];

  return new Promise((resolve, reject) => {
    let finished = false;
    const done = (detached: boolean) => {
      if (finished) return;
      finished = true;
      for (const c of cleanups.reverse()) c();
      resolve({ detached });
    };

    const write = (out: () => NodeJS.WriteStream) => (data: Buffer) => {
      try {
        out().write(data);
      } catch {
        // the reader of our output went away (EPIPE): keep draining the container's output
      }
    };
    const toStdout = write(() => process.stdout);
    const toStderr = write(() => process.stderr);
    const demux = frameDemuxer((stream, data) => (stream === 'stderr' ? toStderr(data) : toStdout(data)));
    body.on('data', (chunk: Buffer) => (s.tty ? toStdout(chunk) : demux(chunk)));
    // the container's output ended: close our side too, so the daemon is not left holding a half-open stream
    body.once('end', () => {
      socket.destroy();
      done(false);
    });
    body.once('error', (err) => {
      if (!finished) {
        finished = true;
        for (const c of cleanups.reverse()) c();
        reject(err);
      }
    });

    if (rawTerminal) {
      const stdin = process.stdin;
      stdin.setRawMode(true);
      // libuv's raw mode keeps output post-processing (ONLCR), so the container's \r\n would reach the
      // screen as \r\r\n; docker's raw mode turns it off. setRawMode(false) restores the saved original.
      // (loaded here, not at the top: only TTY sessions need it, and every module costs start-up time)
      process.getBuiltinModule('node:child_process').spawnSync('stty', ['-opost'], { stdio: ['inherit', 'ignore', 'ignore'] });
      cleanups.push(() => stdin.setRawMode(false));
      // restore the terminal even if something exits the process under us
      const restore = () => stdin.isTTY && stdin.setRawMode(false);
      process.once('exit', restore);
      cleanups.push(() => process.off('exit', restore));
    }
    if (s.stdin) {
      const stdin = process.stdin;
      // the detach keys only mean something on a terminal (docker's rule): piped stdin is data, and
      // random bytes hold ctrl-p,ctrl-q about once per 64 KiB
      const filter = s.tty
        ? detachFilter(parseDetachKeys(s.detachKeys ?? DEFAULT_DETACH_KEYS), () => {
            socket.destroy();
            done(true);
          })
        : (chunk: Buffer) => chunk;
      const onData = (chunk: Buffer) => {
        const out = filter(chunk);
        if (out.length && !socket.destroyed) socket.write(out);
      };
      // end of our stdin closes the container's stdin (half-close), as docker does
      const onEnd = () => !socket.destroyed && socket.end();
      stdin.on('data', onData);
      stdin.once('end', onEnd);
      cleanups.push(() => {
        stdin.off('data', onData);
        stdin.off('end', onEnd);
        stdin.pause();
      });
    }
    if (s.tty && s.resize && process.stdout.isTTY) {
      const send = () => {
        const { rows, columns } = process.stdout;
        if (rows && columns) s.resize!(rows, columns).catch(() => undefined);
      };
      send();
      process.on('SIGWINCH', send);
      cleanups.push(() => process.off('SIGWINCH', send));
    }
    if (s.sigProxy && !s.tty) {
      const handlers = proxied.map((sig) => {
        const h = () => s.sigProxy!(sig);
        process.on(sig, h);
        return () => process.off(sig, h);
      });
      cleanups.push(...handlers);
    }
  });
}
