import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, writeFile, readFile, readdir, rm, truncate, symlink } from 'node:fs/promises';
import { createReadStream, createWriteStream } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tarStream from 'tar-stream';
import { packTar } from '../../../lib/tar.ts';
import { receiveContext, removeStaleContexts, contextsDir } from './receive.ts';
import { openBuildContext, resolveCopySources } from './sources.ts';
import { hashCopySources } from './hash.ts';

let tmp: string;
let engineRoot: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'skiff-recv-'));
  engineRoot = join(tmp, 'engine');
});
after(() => rm(tmp, { recursive: true, force: true }));

/** A tar made entry by entry, for archives no honest packer would write. */
function handMadeTar(entries: tarStream.Headers[]): Readable {
  const pack = tarStream.pack();
  for (const e of entries) pack.entry(e, e.type === 'file' ? 'x' : undefined);
  pack.finalize();
  return Readable.from(pack as unknown as AsyncIterable<Buffer>);
}

test('a context tar is unpacked under <root>/build/contexts/<id> and removed when asked', async () => {
  const src = join(tmp, 'src');
  await mkdir(join(src, 'sub'), { recursive: true });
  await writeFile(join(src, 'Dockerfile'), 'FROM scratch\n');
  await writeFile(join(src, 'sub/a.txt'), 'hello');
  const ctx = await receiveContext(packTar(src), engineRoot);
  assert.equal(ctx.dir, join(contextsDir(engineRoot), ctx.id));
  assert.equal(await readFile(join(ctx.dir, 'sub/a.txt'), 'utf8'), 'hello');
  assert.equal(ctx.size, 'FROM scratch\n'.length + 5);
  await ctx.remove();
  assert.deepEqual(await readdir(contextsDir(engineRoot)), []);
});

test('gzip, bzip2 and xz contexts are read, as docker reads them', async () => {
  const src = join(tmp, 'zsrc');
  await mkdir(src, { recursive: true });
  await writeFile(join(src, 'f'), 'compressed');
  const plain = join(tmp, 'ctx.tar');
  await pipeline(packTar(src), createWriteStream(plain));
  for (const [tool, args] of [['gzip', ['-kf']], ['bzip2', ['-kf']], ['xz', ['-kf']]] as const) {
    execFileSync(tool, [...args, plain]);
    const ext = { gzip: 'gz', bzip2: 'bz2', xz: 'xz' }[tool];
    const ctx = await receiveContext(createReadStream(`${plain}.${ext}`), engineRoot);
    assert.equal(await readFile(join(ctx.dir, 'f'), 'utf8'), 'compressed', tool);
    await ctx.remove();
  }
});

test('unsafe entries are refused and leave nothing behind', async () => {
  const bad: tarStream.Headers[][] = [
    [{ name: '../escape', type: 'file', size: 1 }],
    [{ name: 'a/../../escape', type: 'file', size: 1 }],
    [{ name: 'link', type: 'symlink', linkname: '/' }, { name: 'link/tmp/escape', type: 'file', size: 1 }],
    [{ name: 'hl', type: 'link', linkname: '../../etc/passwd' }],
  ];
  for (const entries of bad) {
    await assert.rejects(receiveContext(handMadeTar(entries), engineRoot), (err: Error) => /escapes|through the symlink|outside/.test(err.message), entries[entries.length - 1].name);
    assert.deepEqual(await readdir(contextsDir(engineRoot)), [], 'the failed context is removed');
  }
  await assert.rejects(receiveContext(Readable.from([Buffer.from('this is not a tar archive at all'.repeat(40))]), engineRoot), /not a valid tar|Invalid tar|invalid/i);
  assert.deepEqual(await readdir(contextsDir(engineRoot)), []);
});

test('an absolute symlink in the context is kept as a link and never followed out of it', async () => {
  const ctx = await receiveContext(handMadeTar([{ name: 'passwd', type: 'symlink', linkname: '/etc/passwd' }]), engineRoot);
  const bc = openBuildContext(ctx.dir);
  await assert.rejects(resolveCopySources(bc, ['passwd'], '/'), /file not found in build context/);
  await ctx.remove();
});

test('stale contexts from a crashed daemon are removed', async () => {
  await mkdir(join(contextsDir(engineRoot), 'leftover/x'), { recursive: true });
  assert.equal(await removeStaleContexts(engineRoot), 1);
  assert.deepEqual(await readdir(contextsDir(engineRoot)), []);
  assert.equal(await removeStaleContexts(join(tmp, 'never-used')), 0);
});

test('a 1 GiB (sparse) file is streamed in and hashed with bounded memory', async () => {
  const src = join(tmp, 'big');
  await mkdir(src);
  await writeFile(join(src, 'Dockerfile'), 'FROM scratch\nCOPY big /\n');
  await writeFile(join(src, 'big'), '');
  await truncate(join(src, 'big'), 1 << 30);
  await symlink('big', join(src, 'big-link'));
  global.gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  try {
    const ctx = await receiveContext(packTar(src), engineRoot);
    const hash = await hashCopySources(await resolveCopySources(openBuildContext(ctx.dir), ['big'], '/'));
    assert.match(hash, /^sha256:[0-9a-f]{64}$/);
    assert.equal(ctx.size, (1 << 30) + 'FROM scratch\nCOPY big /\n'.length);
    await ctx.remove();
  } finally {
    clearInterval(sampler);
  }
  peak = Math.max(peak, process.memoryUsage().rss);
  const growthMB = (peak - base) / 1e6;
  assert.ok(growthMB < 100, `RSS grew ${growthMB.toFixed(1)} MB receiving and hashing 1 GiB`);
  console.log(`# 1 GiB context: RSS growth ${growthMB.toFixed(1)} MB`);
});
