// Attachments: a container's (or exec's) live stdio through conmon's attach socket, bridged by the
// skiff-attach-relay helper (SOCK_SEQPACKET is out of Node's reach). An attachment can be made before the
// process exists (`docker run` attaches, then starts): its input is buffered and it connects when told.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PassThrough, Writable } from 'node:stream';
import type { Attachment } from '../types.ts';
import { failedPrecondition, internal, invalidArgument } from '../../lib/errors.ts';
import { spawnPiped, type PipedChild } from '../../lib/spawn.ts';

type Chunk = { stream: 'stdout' | 'stderr'; data: Buffer };

let builtRelay: string | null = null;

/**
 * dist/skiff-attach-relay: next to the bundle (dist/*.mjs) or, from source, at the repo's dist/. When
 * running from a source tree without it (dist/ is being rebuilt), it is compiled once into a private
 * temp dir from attach-relay.c.
 */
export function findRelay(): string {
  const candidates = [
    process.env.SKIFF_ATTACH_RELAY,
    fileURLToPath(new URL('./skiff-attach-relay', import.meta.url)),
    fileURLToPath(new URL('../../../dist/skiff-attach-relay', import.meta.url)),
    builtRelay,
  ];
  for (const c of candidates) if (c && existsSync(c)) return c;
  const source = fileURLToPath(new URL('./attach-relay.c', import.meta.url));
  if (existsSync(source)) {
    try {
      const out = join(mkdtempSync(join(tmpdir(), 'skiff-relay-')), 'skiff-attach-relay');
      execFileSync('gcc', ['-O2', '-o', out, source], { stdio: 'ignore' });
      return (builtRelay = out);
    } catch {}
  }
  throw failedPrecondition('dist/skiff-attach-relay is missing: run `node scripts/build.mjs` (needs gcc)');
}

/** `ctrl-p,ctrl-q` → bytes; docker's default when empty. */
export function parseDetachKeys(keys: string | undefined): Buffer {
  const spec = keys || 'ctrl-p,ctrl-q';
  const out: number[] = [];
  for (const k of spec.split(',')) {
    const key = k.trim();
    if (key.length === 1) out.push(key.charCodeAt(0));
    else if (/^ctrl-[a-z@[\\\]^_]$/.test(key)) {
      const c = key.slice(5);
      out.push(c >= 'a' && c <= 'z' ? c.charCodeAt(0) - 96 : ({ '@': 0, '[': 27, '\\': 28, ']': 29, '^': 30, '_': 31 } as Record<string, number>)[c]);
    } else throw invalidArgument(`Invalid detach keys (${spec}) provided`);
  }
  return Buffer.from(out);
}

/**
 * A push queue read as an async iterable. It counts the bytes it holds so the producer can stop while the
 * reader (a client on the other end of a socket) is behind: the output is never held whole in memory.
 */
function chunkQueue(onLow: () => void) {
  const items: Chunk[] = [];
  let bytes = 0;
  let done = false;
  let wake: (() => void) | null = null;
  return {
    push(c: Chunk) {
      if (done) return;
      items.push(c);
      bytes += c.data.length;
      wake?.();
    },
    end() {
      done = true;
      wake?.();
    },
    /** more queued than a reader should be behind by: pause the producer */
    full: () => bytes >= QUEUE_HIGH,
    async *iterate(): AsyncGenerator<Chunk> {
      for (;;) {
        if (items.length) {
          const c = items.shift()!;
          bytes -= c.data.length;
          if (bytes < QUEUE_LOW) onLow();
          yield c;
          continue;
        }
        if (done) return;
        await new Promise<void>((r) => (wake = r));
        wake = null;
      }
    },
  };
}

const QUEUE_HIGH = 1 << 20;
const QUEUE_LOW = 256 << 10;

export interface PendingAttachment {
  attachment: Attachment;
  /** spawn the relay on `socketPath`; resolves once it is connected */
  connect(socketPath: string): Promise<void>;
  /** end the output now (the process never started) */
  abort(): void;
  /** delay the end of the output until this resolves (an exec's exit code must be known first) */
  holdEnd(p: Promise<unknown>): void;
  closed(): boolean;
}

/**
 * Watches input for the detach sequence. Returns the bytes to pass on (a prefix of the sequence is held
 * back until the next byte shows whether it was one) and whether the sequence completed.
 */
export function detachScanner(keys: Buffer) {
  let matched = 0;
  return {
    scan(chunk: Buffer): { pass: Buffer; detach: boolean } {
      if (matched === 0 && !chunk.includes(keys[0])) return { pass: chunk, detach: false };
      const out: number[] = [];
      for (const byte of chunk) {
        if (byte === keys[matched]) {
          if (++matched < keys.length) continue;
          return { pass: Buffer.from(out), detach: true };
        }
        // a broken partial match was ordinary input after all
        if (matched) out.push(...keys.subarray(0, matched));
        matched = byte === keys[0] ? 1 : 0;
        if (!matched) out.push(byte);
      }
      return { pass: Buffer.from(out), detach: false };
    },
    /** input ended inside a partial match: those bytes were input */
    rest(): Buffer {
      const held = keys.subarray(0, matched);
      matched = 0;
      return Buffer.from(held);
    },
  };
}

/**
 * `tty`: the process has a terminal. Only then is input watched for the detach keys, as docker does: on a
 * pipe the input is data, and random bytes hold ctrl-p,ctrl-q often enough (once per 64 KiB on average)
 * that a binary stream would otherwise end halfway with the container's stdin never closed.
 */
export function createAttachment(opts: { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean; detachKeys?: string; onClose?: () => void }): PendingAttachment {
  let child: PipedChild | null = null;
  const queue = chunkQueue(() => {
    child?.stdout?.resume();
    child?.stderr?.resume();
  });
  const input = opts.stdin ? new PassThrough() : null;
  let closed = false;
  let hold: Promise<unknown> = Promise.resolve();
  const finish = () => {
    hold.then(() => queue.end(), () => queue.end());
  };
  // nobody will read the input any more: let it drain to nowhere, so a writer waiting on it is released
  const discardInput = () => {
    if (!input) return;
    input.unpipe();
    input.resume();
  };
  const close = () => {
    if (closed) return;
    closed = true;
    if (child?.pid && child.exitCode === null) child.kill('SIGTERM');
    discardInput();
    queue.end();
    opts.onClose?.();
  };
  let inputSide: Writable | null = null;
  if (input) {
    const scanner = opts.tty ? detachScanner(parseDetachKeys(opts.detachKeys)) : null;
    // honour the relay's pace: a client sending a large stdin waits instead of filling our memory
    const forward = (chunk: Buffer, cb: () => void) => {
      if (closed || !chunk.length || input.write(chunk)) return cb();
      input.once('drain', cb);
    };
    inputSide = new Writable({
      write(chunk: Buffer, _enc, cb) {
        if (!scanner) return forward(chunk, cb);
        const { pass, detach } = scanner.scan(chunk);
        // the detach sequence ends the attachment without touching the container's stdin
        if (detach) {
          if (pass.length && !closed) input.write(pass);
          close();
          return cb();
        }
        forward(pass, cb);
      },
      final(cb) {
        const rest = scanner?.rest();
        if (rest?.length && !closed) input.write(rest);
        input.end();
        cb();
      },
    });
  }
  return {
    attachment: { output: queue.iterate(), input: inputSide, close },
    closed: () => closed,
    holdEnd(p) {
      hold = Promise.all([hold, p]);
    },
    abort: () => finish(),
    async connect(socketPath) {
      if (closed) return;
      const relay = findRelay();
      // -t: the relay holds stdin until conmon's pty master cannot block it (see attach-relay.c)
      const args = input ? (opts.tty ? ['-t', socketPath] : [socketPath]) : ['-n', socketPath];
      // posix_spawn, not fork: this runs on every attached `run` and `exec`, and forking the daemon blocks
      // its event loop while the page tables are copied
      child = spawnPiped(relay, args, [input ? 'pipe' : 'ignore', 'pipe', 'pipe', 'pipe']);
      const c = child;
      if (input && c.stdin) {
        c.stdin.on('error', () => {});
        input.pipe(c.stdin);
      }
      let streamsOpen = 2;
      const ended = () => {
        if (--streamsOpen > 0) return;
        // the relay closes its output only by exiting: input has nowhere to go (its exit may be seen
        // later, a posix_spawn'd child is reaped by polling)
        discardInput();
        finish();
      };
      const onOutput = (stream: 'stdout' | 'stderr', wanted: boolean) => (d: Buffer) => {
        if (!wanted || closed) return;
        queue.push({ stream, data: d });
        // the reader is behind: stop reading the relay; it stops reading conmon, which waits
        if (queue.full()) {
          c.stdout!.pause();
          c.stderr!.pause();
        }
      };
      c.stdout!.on('data', onOutput('stdout', opts.stdout));
      c.stderr!.on('data', onOutput('stderr', opts.stderr));
      c.stdout!.on('end', ended);
      c.stderr!.on('end', ended);
      // the relay is gone (conmon closed the socket): input has nowhere to go
      c.once('exit', discardInput);
      return new Promise<void>((resolve, reject) => {
        const ready = c.stdio[3] as NodeJS.ReadableStream;
        ready.once('data', () => resolve());
        c.once('exit', (code) => reject(internal(`attach relay exited (${code}) before it connected to ${socketPath}`)));
        c.once('error', (err) => reject(internal(`attach relay failed: ${err.message}`, err)));
      });
    },
  };
}
