import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, writeFile, rm, utimes, chmod, rename, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBuildContext, resolveCopySources } from './sources.ts';
import { hashCopySources } from './hash.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-hash-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function makeTree(root: string, order: 'forward' | 'reverse'): Promise<void> {
  const files: Array<[string, string]> = [['app/a.py', 'print("a")\n'], ['app/lib/b.py', 'B = 2\n'], ['app/z.txt', 'zz'], ['app/empty', '']];
  await mkdir(join(root, 'app/lib'), { recursive: true });
  for (const [p, c] of order === 'forward' ? files : [...files].reverse()) await writeFile(join(root, p), c);
  await symlink('lib/b.py', join(root, 'app/link'));
  for (const p of ['app', 'app/lib']) await chmod(join(root, p), 0o755);
  for (const [p] of files) await chmod(join(root, p), 0o644);
}

const hashOf = async (root: string, srcs = ['app'], dest = '/app/') => hashCopySources(await resolveCopySources(openBuildContext(root), srcs, dest));

test('the same tree gives the same hash whatever the creation order or times', async () => {
  await makeTree(join(dir, 'one'), 'forward');
  await new Promise((r) => setTimeout(r, 20));
  await makeTree(join(dir, 'two'), 'reverse');
  const h1 = await hashOf(join(dir, 'one'));
  assert.equal(await hashOf(join(dir, 'two')), h1);
  await utimes(join(dir, 'one/app/a.py'), new Date(2001, 1, 1), new Date(2001, 1, 1));
  await utimes(join(dir, 'one/app/lib'), new Date(2002, 1, 1), new Date(2002, 1, 1));
  assert.equal(await hashOf(join(dir, 'one')), h1, 'touch keeps the hash');
});

test('a mode, a name, a byte, a link target or a new file changes the hash', async () => {
  const root = join(dir, 't');
  await makeTree(root, 'forward');
  const seen = new Set([await hashOf(root)]);
  const changed = async (what: string) => {
    const h = await hashOf(root);
    assert.ok(!seen.has(h), `${what} should change the hash`);
    seen.add(h);
  };
  await chmod(join(root, 'app/a.py'), 0o755);
  await changed('chmod');
  await rename(join(root, 'app/z.txt'), join(root, 'app/y.txt'));
  await changed('rename');
  await writeFile(join(root, 'app/lib/b.py'), 'B = 3\n');
  await changed('one byte');
  await rm(join(root, 'app/link'));
  await symlink('a.py', join(root, 'app/link'));
  await changed('symlink target');
  await writeFile(join(root, 'app/empty2'), '');
  await changed('a new empty file');
  await chmod(join(root, 'app/lib'), 0o700);
  await changed('a directory mode');
});

test('a file excluded by .dockerignore does not take part in the hash', async () => {
  const root = join(dir, 'i');
  await makeTree(root, 'forward');
  await writeFile(join(root, '.dockerignore'), 'app/*.log\n');
  const h = await hashOf(root);
  await writeFile(join(root, 'app/debug.log'), 'noise');
  assert.equal(await hashOf(root), h);
  assert.notEqual(await hashOf(root, ['app/a.py', 'app/z.txt']), await hashOf(root, ['app/z.txt', 'app/a.py']), 'sources keep their order');
});

test('a large file (streamed, not read at once) hashes its content alike: its last byte counts', async () => {
  const root = join(dir, 'big');
  await mkdir(join(root, 'app'), { recursive: true });
  const big = Buffer.alloc(300 * 1024, 'x');
  await writeFile(join(root, 'app/big.bin'), big);
  const h1 = await hashOf(root);
  big[big.length - 1] = 0x79;
  await writeFile(join(root, 'app/big.bin'), big);
  const h2 = await hashOf(root);
  assert.notEqual(h2, h1);
  big[big.length - 1] = 0x78;
  await writeFile(join(root, 'app/big.bin'), big);
  assert.equal(await hashOf(root), h1);
});
