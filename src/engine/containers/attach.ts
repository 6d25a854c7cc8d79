// Attachments: a container's (or exec's) live stdio through conmon's attach socket, bridged by the
// skiff-attach-relay helper (SOCK_SEQPACKET is out of Node's reach). An attachment can be made before the
// process exists (`docker run` attaches, then starts): its input is buffered and it connects when told.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PassThrough, Writable } from 'node:stream';
import type { Attachment } from '../types.ts';
import { failedPrecondition, internal, invalidArgument } from '../../lib/errors.ts';

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

/** A push queue read as an async iterable. */
function chunkQueue() {
  const items: Chunk[] = [];
  let done = false;
  let wake: (() => void) | null = null;
  return {
    push(c: Chunk) {
      if (done) return;
      items.push(c);
      wake?.();
    },
    end() {
      done = true;
      wake?.();
    },
    async *iterate(): AsyncGenerator<Chunk> {
      for (;;) {
        if (items.length) {
          yield items.shift()!;
          continue;
        }
        if (done) return;
        await new Promise<void>((r) => (wake = r));
        wake = null;
      }
    },
  };
}

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

export function createAttachment(opts: { stdin: boolean; stdout: boolean; stderr: boolean; detachKeys?: string; onClose?: () => void }): PendingAttachment {
  const queue = chunkQueue();
  const input = opts.stdin ? new PassThrough() : null;
  let child: ChildProcess | null = null;
  let closed = false;
  let hold: Promise<unknown> = Promise.resolve();
  const finish = () => {
    hold.then(() => queue.end(), () => queue.end());
  };
  const close = () => {
    if (closed) return;
    closed = true;
    if (child?.pid && child.exitCode === null) child.kill('SIGTERM');
    queue.end();
    opts.onClose?.();
  };
  // the detach sequence ends the attachment without touching the container's stdin
  let inputSide: Writable | null = null;
  if (input) {
    const keys = parseDetachKeys(opts.detachKeys);
    let matched = 0;
    inputSide = new Writable({
      write(chunk: Buffer, _enc, cb) {
        if (matched === 0 && !chunk.includes(keys[0])) {
          input.write(chunk);
          return cb();
        }
        const out: number[] = [];
        for (const byte of chunk) {
          if (byte === keys[matched]) {
            if (++matched < keys.length) continue;
            if (out.length) input.write(Buffer.from(out));
            close();
            return cb();
          }
          // a broken partial match was ordinary input after all
          if (matched) out.push(...keys.subarray(0, matched));
          matched = byte === keys[0] ? 1 : 0;
          if (!matched) out.push(byte);
        }
        if (out.length) input.write(Buffer.from(out));
        cb();
      },
      final(cb) {
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
      const args = input ? [socketPath] : ['-n', socketPath];
      child = spawn(relay, args, { stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe', 'pipe'] });
      const c = child;
      if (input && c.stdin) {
        c.stdin.on('error', () => {});
        input.pipe(c.stdin);
      }
      let streamsOpen = 2;
      const ended = () => {
        if (--streamsOpen === 0) finish();
      };
      c.stdout!.on('data', (d: Buffer) => opts.stdout && queue.push({ stream: 'stdout', data: d }));
      c.stderr!.on('data', (d: Buffer) => opts.stderr && queue.push({ stream: 'stderr', data: d }));
      c.stdout!.on('end', ended);
      c.stderr!.on('end', ended);
      return new Promise<void>((resolve, reject) => {
        const ready = c.stdio[3] as unknown as NodeJS.ReadableStream;
        ready.once('data', () => resolve());
        c.once('exit', (code) => reject(internal(`attach relay exited (${code}) before it connected to ${socketPath}`)));
        c.once('error', (err) => reject(internal(`attach relay failed: ${err.message}`, err)));
      });
    },
  };
}
