import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readlink, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeAtomicDir } from './atomic-dir.ts';

test('writeAtomicDir: ..data swap, links through it, unchanged is a no-op, removed keys vanish', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'atomic-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const f = (path: string, s: string) => ({ path, data: Buffer.from(s), mode: 0o644 });
  assert.equal(await writeAtomicDir(dir, [f('a', '1'), f('sub/b', '2')]), true);
  assert.equal(await readFile(join(dir, 'a'), 'utf8'), '1');
  assert.equal(await readFile(join(dir, 'sub/b'), 'utf8'), '2');
  assert.equal(await readlink(join(dir, 'a')), '..data/a');
  const first = await readlink(join(dir, '..data'));
  assert.equal(await writeAtomicDir(dir, [f('a', '1'), f('sub/b', '2')]), false);
  assert.equal(await writeAtomicDir(dir, [f('a', 'changed')]), true);
  assert.equal(await readFile(join(dir, 'a'), 'utf8'), 'changed');
  const names = (await readdir(dir)).sort();
  assert.ok(!names.includes('sub') && !names.includes(first), `old entries gone: ${names}`);
});
