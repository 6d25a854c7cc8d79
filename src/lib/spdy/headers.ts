// Header-block compression: one zlib context per direction for the whole connection (SPDY/3 §2.6.10.1),
// primed with the SPDY dictionary; each block is flushed with Z_SYNC_FLUSH so the peer can read it at once.
// Calls on one context are serialized: a block's bytes depend on every block before it.
import { constants, createDeflate, createInflate, type Deflate, type Inflate } from 'node:zlib';
import { headerDictionary } from './dictionary.ts';
import { decodeHeaderBlock, encodeHeaderBlock, type Headers } from './frames.ts';

export interface HeaderCodec {
  compress(headers: Headers): Promise<Buffer>;
  decompress(block: Buffer): Promise<Headers>;
  close(): void;
}

function step(z: Deflate | Inflate, input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const onData = (d: Buffer) => out.push(d);
    const onError = (err: Error) => {
      z.off('data', onData);
      reject(err);
    };
    z.on('data', onData);
    z.once('error', onError);
    z.write(input);
    z.flush(constants.Z_SYNC_FLUSH, () => {
      z.off('data', onData);
      z.off('error', onError);
      resolve(Buffer.concat(out));
    });
  });
}

export function createHeaderCodec(): HeaderCodec {
  const deflate = createDeflate({ dictionary: headerDictionary, level: constants.Z_BEST_COMPRESSION });
  const inflate = createInflate({ dictionary: headerDictionary });
  let outChain: Promise<unknown> = Promise.resolve();
  let inChain: Promise<unknown> = Promise.resolve();
  return {
    compress(headers) {
      const p = outChain.then(() => step(deflate, encodeHeaderBlock(headers)));
      outChain = p.catch(() => undefined); // the next block still runs; this one's caller sees the error
      return p;
    },
    decompress(block) {
      const p = inChain.then(async () => decodeHeaderBlock(await step(inflate, block)));
      inChain = p.catch(() => undefined); // as above
      return p;
    },
    close() {
      deflate.destroy();
      inflate.destroy();
    },
  };
}
