import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
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
