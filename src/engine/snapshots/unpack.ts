// A layer's unpack on a worker thread (unpack-worker.ts): this side only forwards the stream's chunks,
// at most WINDOW bytes ahead of what the worker took. The worker decompresses, hashes the plain tar (its
// diff id) and writes the files with synchronous calls, which on the daemon's thread stopped every other
// transfer while a layer was written (a pull's 165 MB of layers: ~0.8 s of the event loop). Workers are
// kept for the next unpack (a few, unref'd: an idle one never keeps the process alive).
import { Worker } from 'node:worker_threads';
import type { Readable } from 'node:stream';
import { SkiffError, type ErrorKind } from '../../lib/errors.ts';

export type ToWorker = { type: 'start'; dest: string } | { type: 'chunk'; data: Uint8Array } | { type: 'end' } | { type: 'abort'; message: string };
export type FromWorker =
  | { type: 'ack'; n: number }
  | { type: 'done'; size: number; bytes: number; digest: string }
  | { type: 'error'; kind?: ErrorKind; message: string; code?: string };

export interface Unpacked {
  /** the sum of the file sizes */
  size: number;
  /** the plain tar's length and sha256 (the layer's diff id) */
  bytes: number;
  digest: string;
}

const WINDOW = 8 << 20;
const BATCH = 1 << 20;
const KEEP = 3;
const idle: Worker[] = [];

// bundled, the daemon is dist/daemon.mjs with the worker beside it; from source (tests), the .ts file
const workerUrl = () => new URL(import.meta.url.endsWith('.ts') ? './unpack-worker.ts' : './unpack-worker.mjs', import.meta.url);

function take(): Worker {
  const w = idle.pop() ?? new Worker(workerUrl());
  w.ref();
  return w;
}

function release(w: Worker): void {
  w.removeAllListeners('message').removeAllListeners('error').removeAllListeners('exit');
  w.unref();
  if (idle.length < KEEP) idle.push(w);
  else void w.terminate();
}

/** Unpack the (plain or compressed) layer tar `source` into `dest` on a worker thread. */
export async function unpackInWorker(source: Readable, dest: string): Promise<Unpacked> {
  const w = take();
  let inFlight = 0;
  let wake: (() => void) | null = null;
  let settled = false;
  let dead = false;
  const result = new Promise<Unpacked>((resolve, reject) => {
    w.on('message', (m: FromWorker) => {
      if (m.type === 'ack') {
        inFlight -= m.n;
        if (inFlight <= WINDOW && wake) wake();
        return;
      }
      settled = true;
      wake?.();
      if (m.type === 'done') resolve({ size: m.size, bytes: m.bytes, digest: m.digest });
      else reject(workerError(m));
    });
    // a worker that died (out of memory, a bug) is not reused
    w.once('error', (err) => {
      settled = dead = true;
      wake?.();
      reject(err);
    });
    w.once('exit', (code) => {
      settled = dead = true;
      wake?.();
      reject(new Error(`the unpack worker exited (${code})`));
    });
  });
  result.catch(() => {}); // awaited below, after the feed
  const post = (m: ToWorker) => w.postMessage(m);
  post({ type: 'start', dest });
  // the 64 KiB chunks of a socket go over in batches of BATCH, each copied once into a buffer that is then
  // handed over (transferred): a 110 MB layer is ~110 messages instead of ~1,700 cloned ones
  let batch = Buffer.allocUnsafeSlow(BATCH);
  let filled = 0;
  const flush = () => {
    if (!filled) return;
    const data = new Uint8Array(batch.buffer, 0, filled);
    inFlight += filled;
    w.postMessage({ type: 'chunk', data } satisfies ToWorker, [batch.buffer]);
    batch = Buffer.allocUnsafeSlow(BATCH);
    filled = 0;
  };
  let feedError: unknown;
  try {
    for await (const chunk of source) {
      if (settled) break; // the worker failed: its error is the one to report
      const buf = chunk as Buffer;
      for (let off = 0; off < buf.length; ) {
        const n = buf.copy(batch, filled, off);
        off += n;
        filled += n;
        if (filled === BATCH) flush();
      }
      while (inFlight > WINDOW && !settled) await new Promise<void>((r) => (wake = r));
      wake = null;
    }
    flush();
    if (!settled) post({ type: 'end' });
  } catch (err) {
    feedError = err;
    post({ type: 'abort', message: (err as Error).message });
  }
  if (settled) source.destroy();
  try {
    const out = await result; // the worker is done with the files either way before this returns
    if (feedError) throw feedError;
    return out;
  } catch (err) {
    throw feedError ?? err;
  } finally {
    if (dead) void w.terminate();
    else release(w);
  }
}

function workerError(m: { kind?: ErrorKind; message: string; code?: string }): Error {
  if (m.kind) return new SkiffError(m.kind, m.message);
  return Object.assign(new Error(m.message), m.code ? { code: m.code } : {});
}
