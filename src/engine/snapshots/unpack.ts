// A layer's unpack on a worker thread (unpack-worker.ts): this side only forwards the stream's chunks,
// at most WINDOW bytes ahead of what the worker took. The worker decompresses, hashes the plain tar (its
// diff id) and writes the files with synchronous calls, which on the daemon's thread stopped every other
// transfer while a layer was written (a pull's 165 MB of layers: ~0.8 s of the event loop). Workers are
// kept for the next unpack (a few, unref'd: an idle one never keeps the process alive).
import { Worker, isMarkedAsUntransferable } from 'node:worker_threads';
import type { Readable } from 'node:stream';
import { SkiffError, type ErrorKind } from '../../lib/errors.ts';

export type ToWorker = { type: 'start'; dest: string } | { type: 'chunk'; data: Uint8Array[] } | { type: 'end' } | { type: 'abort'; message: string };
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

/**
 * Unpack the (plain or compressed) layer tar `source` into `dest` on a worker thread. `handOver`: the
 * source's buffers are ours to give away (a pull's socket reads, once stored): moved, not copied.
 */
export async function unpackInWorker(source: Readable, dest: string, o: { handOver?: boolean } = {}): Promise<Unpacked> {
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
  // the 64 KiB chunks of a socket go over in batches of BATCH: moved as they are (handOver), or copied once
  // into a buffer that is then moved; ~110 messages for a 110 MB layer instead of ~1,700 structured clones
  let batch = Buffer.allocUnsafeSlow(BATCH);
  let filled = 0;
  let owned: Uint8Array[] = [];
  let ownedBytes = 0;
  const flush = () => {
    if (owned.length) {
      const moving = new Set<ArrayBuffer>();
      for (const c of owned) moving.add(c.buffer as ArrayBuffer);
      inFlight += ownedBytes;
      w.postMessage({ type: 'chunk', data: owned } satisfies ToWorker, [...moving]);
      owned = [];
      ownedBytes = 0;
    }
    if (filled) {
      inFlight += filled;
      w.postMessage({ type: 'chunk', data: [new Uint8Array(batch.buffer, 0, filled)] } satisfies ToWorker, [batch.buffer]);
      batch = Buffer.allocUnsafeSlow(BATCH);
      filled = 0;
    }
  };
  const copy = (buf: Buffer) => {
    for (let off = 0; off < buf.length; ) {
      const n = buf.copy(batch, filled, off);
      off += n;
      filled += n;
      if (filled === BATCH) flush();
    }
  };
  let lastBuffer: ArrayBufferLike | null = null;
  let feedError: unknown;
  try {
    for await (const chunk of source) {
      if (settled) break; // the worker failed: its error is the one to report
      const buf = chunk as Buffer;
      // a batch ends only where a new ArrayBuffer starts: two pieces of one socket read move together
      if (o.handOver && ownedBytes >= BATCH && buf.buffer !== lastBuffer) flush();
      if (o.handOver && !isMarkedAsUntransferable(buf.buffer) && buf.buffer.byteLength <= 4 * Math.max(buf.length, 1 << 16)) {
        if (filled) flush(); // order: the copied bytes before
        owned.push(buf);
        ownedBytes += buf.length;
        lastBuffer = buf.buffer;
      } else {
        if (owned.length) flush();
        copy(buf);
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
