// The unpack worker (a worker_thread; unpack.ts drives it): a layer's bytes arrive as messages, are
// decompressed (zlib, in libuv's pool: an igzip child forked the whole daemon, ~55,000 copy-on-write page
// faults per pull on its threads), hashed (the diff id) and written by extractTar's synchronous file calls
// here, so neither the writes nor the hashing hold up the daemon's event loop (the downloads of the other
// layers, the API). One layer at a time; the worker is reused for the next one.
import { parentPort } from 'node:worker_threads';
import { createHash } from 'node:crypto';
import { PassThrough, Transform } from 'node:stream';
import { extractTar, plainTar } from '../../lib/tar.ts';
import { SkiffError } from '../../lib/errors.ts';
import type { ToWorker, FromWorker } from './unpack.ts';

const port = parentPort!;
let input: PassThrough | null = null;

function send(m: FromWorker): void {
  port.postMessage(m);
}

async function unpack(dest: string): Promise<void> {
  const source = new PassThrough({ highWaterMark: 1 << 20 });
  input = source;
  try {
    const tar = await plainTar(source, { inProcess: true }); // zlib here: an igzip child would fork the daemon
    const hash = createHash('sha256');
    let bytes = 0;
    const hashing = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        bytes += chunk.length;
        done(null, chunk);
      },
    });
    tar.on('error', (err) => hashing.destroy(err));
    tar.pipe(hashing);
    const { size } = await extractTar(hashing, dest, { whiteouts: 'overlay', chown: true });
    // bytes after the end-of-archive blocks are part of the diff id too
    for await (const _ of hashing) void _;
    send({ type: 'done', size, bytes, digest: `sha256:${hash.digest('hex')}` });
  } catch (err) {
    source.destroy();
    const e = err as Error & { code?: string };
    send({ type: 'error', kind: err instanceof SkiffError ? err.kind : undefined, message: e.message, code: e.code });
  } finally {
    input = null;
  }
}

port.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'start':
      void unpack(m.dest);
      return;
    case 'chunk': {
      let n = 0;
      let room = true;
      for (const d of m.data) {
        n += d.byteLength;
        if (input) room = input.write(Buffer.from(d.buffer, d.byteOffset, d.byteLength));
      }
      // the ack frees the sender's window once these bytes moved on (backpressure across the threads)
      if (input && !room) input.once('drain', () => send({ type: 'ack', n }));
      else send({ type: 'ack', n });
      return;
    }
    case 'end':
      input?.end();
      return;
    case 'abort':
      input?.destroy(new Error(m.message));
      return;
  }
});
