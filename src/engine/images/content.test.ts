import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createContentStore, digestOf } from './content.ts';
import type { Digest } from '../types.ts';

async function tmp(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const d = await mkdtemp('/var/tmp/skiff-content-');
  t.after(() => rm(d, { recursive: true, force: true }));
  return d;
}

test('blobs are stored by digest, once', async (t) => {
  const dir = await tmp(t);
  const store = await createContentStore(dir);
  const data = Buffer.from('hello blob');
  const a = await store.write(Readable.from([data.subarray(0, 3), data.subarray(3)]));
  assert.equal(a.digest, digestOf(data));
  assert.deepEqual([a.size, a.created], [data.length, true]);
  assert.equal(await readFile(store.blobPath(a.digest), 'utf8'), 'hello blob');
  const b = await store.write(data, a.digest);
  assert.equal(b.created, false);
  assert.deepEqual(await readdir(join(dir, 'ingest')), []);
});

test('a digest mismatch is an error and leaves nothing', async (t) => {
  const dir = await tmp(t);
  const store = await createContentStore(dir);
  const wrong = ('sha256:' + 'f'.repeat(64)) as Digest;
  await assert.rejects(store.write(Buffer.from('x'), wrong), /digest mismatch: expected sha256:f{64}, got sha256:/);
  assert.deepEqual(await readdir(join(dir, 'blobs/sha256')), []);
  assert.deepEqual(await readdir(join(dir, 'ingest')), []);
  await assert.rejects(store.readJson(wrong), /missing from the content store/);
  assert.throws(() => store.blobPath('sha256:../../etc' as Digest), /invalid digest/);
});

test('a direct write (around the page cache, through dd) stores the same bytes; a failing source leaves nothing', async (t) => {
  const dir = await tmp(t);
  const store = await createContentStore(dir);
  // not a multiple of dd's 1 MiB blocks nor of the 4 KiB O_DIRECT alignment: the last write is a short one
  const data = Buffer.alloc(3 * (1 << 20) + 12345);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7919) & 0xff;
  const chunks = Array.from({ length: Math.ceil(data.length / 65536) }, (_, i) => data.subarray(i * 65536, (i + 1) * 65536));
  const a = await store.write(Readable.from(chunks), undefined, { direct: true });
  assert.equal(a.digest, digestOf(data));
  assert.ok((await readFile(store.blobPath(a.digest))).equals(data));
  assert.equal((await stat(store.blobPath(a.digest))).mode & 0o777, 0o644);
  // verified: the source vouches for the digest (readBlob's check), so a wrong one shows only there
  const failing = Readable.from((async function* () {
    yield data.subarray(0, 1 << 20);
    throw new Error('the registry went away');
  })());
  await assert.rejects(store.write(failing, ('sha256:' + 'e'.repeat(64)) as Digest, { verified: true, direct: true }), /the registry went away/);
  assert.deepEqual(await readdir(join(dir, 'ingest')), []);
  assert.deepEqual(await readdir(join(dir, 'blobs/sha256')), [a.digest.slice(7)]);
});
