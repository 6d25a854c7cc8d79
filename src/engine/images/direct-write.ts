// A large blob written around the page cache (O_DIRECT), through dd: Node cannot align its buffers as
// O_DIRECT wants, dd's are. A pulled layer's blob is written once and read rarely (push, save, a re-unpack);
// through the page cache its 110 MB cost ~0.3 s of system time a pull on the dev VM (every new page is a
// first touch of guest memory) and its fsync another write-back, while dd's direct writes cost ~0.01 s and
// leave the cache to the unpacked files containers read. A file system without O_DIRECT (tmpfs) is found
// by a probe, once, and keeps the ordinary writes.
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { internal } from '../../lib/errors.ts';

const spawn = (args: string[]) => process.getBuiltinModule('node:child_process').spawn('dd', args, { stdio: ['pipe', 'ignore', 'pipe'] });
const probes = new Map<string, Promise<boolean>>();

/** dd is here and `dir`'s file system takes O_DIRECT writes */
export function directWrites(dir: string): Promise<boolean> {
  let p = probes.get(dir);
  if (!p) {
    const probe = join(dir, `.direct-${randomBytes(6).toString('hex')}`);
    p = new Promise<boolean>((resolve) => {
      const dd = process.getBuiltinModule('node:child_process').spawn('dd', ['if=/dev/zero', `of=${probe}`, 'bs=4096', 'count=1', 'oflag=direct', 'status=none'], { stdio: 'ignore' });
      dd.once('error', () => resolve(false));
      dd.once('close', (code) => resolve(code === 0));
    }).finally(() => rm(probe, { force: true }));
    probes.set(dir, p);
  }
  return p;
}

/** Write `source` to the new file `path` with O_DIRECT and fsync it; resolves with its length. */
export async function writeDirect(source: AsyncIterable<Uint8Array>, path: string, each?: (chunk: Uint8Array) => void): Promise<number> {
  const dd = spawn([`of=${path}`, 'bs=1M', 'iflag=fullblock', 'oflag=direct', 'conv=excl,fsync', 'status=none']);
  let stderr = '';
  dd.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve, reject) => {
    dd.once('error', reject);
    dd.once('close', (code) => resolve(code));
  });
  exited.catch(() => {}); // awaited below
  // dd gone early: the write or the drain wait fails with EPIPE, and the exit below says why
  dd.stdin.on('error', () => {});
  let size = 0;
  try {
    for await (const chunk of source) {
      each?.(chunk);
      size += chunk.length;
      if (!dd.stdin.write(chunk)) await once(dd.stdin, 'drain');
    }
    dd.stdin.end();
  } catch (err) {
    dd.kill();
    await exited.catch(() => {});
    throw err;
  }
  const code = await exited;
  if (code !== 0) throw internal(`writing ${path} failed: dd exited with ${code}: ${stderr.trim()}`);
  return size;
}
