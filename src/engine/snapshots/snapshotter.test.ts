import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, readdir, rm, lstat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import tarStream from 'tar-stream';
import { createSnapshotter } from './index.ts';
import { mountState } from './mounts.ts';
import { isKind } from '../../lib/errors.ts';

const isRoot = process.getuid?.() === 0;

async function tmp(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const d = await mkdtemp('/var/tmp/skiff-snap-');
  // the snapshotter prepares its dirs in the background: retry while a mkdir there races the removal
  t.after(() => rm(d, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 }));
  return d;
}

/** a layer tar of files name → content ('' bodies for whiteouts), and its diff id */
async function layer(files: Record<string, string>): Promise<{ tar: Buffer; diffId: string }> {
  const pack = tarStream.pack();
  for (const [name, body] of Object.entries(files)) pack.entry({ name, mode: 0o644, mtime: new Date(0) }, body);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c);
  const tar = Buffer.concat(chunks);
  return { tar, diffId: `sha256:${createHash('sha256').update(tar).digest('hex')}` };
}

test('a layer is unpacked once, even when asked concurrently; whiteouts become overlay whiteouts', async (t) => {
  const root = await tmp(t);
  const snap = createSnapshotter({ root });
  const l = await layer({ 'etc/a': 'A', 'etc/.wh.gone': '' });
  let opened = 0;
  const open = () => {
    opened++;
    return Readable.from([l.tar]);
  };
  const [p1, p2] = await Promise.all([snap.unpackLayer(l.diffId, open), snap.unpackLayer(l.diffId, open)]);
  assert.equal(p1, p2);
  assert.equal(await snap.unpackLayer(l.diffId, open), p1);
  assert.equal(opened, 1);
  assert.equal(p1, snap.layerPath(l.diffId));
  assert.equal(await readFile(join(p1, 'etc/a'), 'utf8'), 'A');
  assert.ok((await lstat(join(p1, 'etc/gone'))).isCharacterDevice());
  assert.equal(((await lstat(p1)).mode & 0o777), 0o755);
  assert.deepEqual(await readdir(join(root, 'snapshots/tmp')), []);
  await snap.removeLayer(l.diffId);
  assert.equal(await snap.hasLayer(l.diffId), false);
  await snap.removeLayer(l.diffId); // idempotent
});

test('a failed unpack leaves no layer and no temp dir', async (t) => {
  const root = await tmp(t);
  const snap = createSnapshotter({ root });
  const evil = tarStream.pack();
  evil.entry({ name: '../escape' }, 'x');
  evil.finalize();
  const id = 'sha256:' + '1'.repeat(64);
  await assert.rejects(snap.unpackLayer(id, () => Readable.from(evil as unknown as AsyncIterable<Buffer>)), /escapes the destination/);
  assert.equal(await snap.hasLayer(id), false);
  assert.deepEqual(await readdir(join(root, 'snapshots/tmp')), []);
  assert.ok(!existsSync(join(root, 'snapshots/escape')));
});

test('bad keys and layer ids are refused', async (t) => {
  const snap = createSnapshotter({ root: await tmp(t) });
  const invalid = (e: unknown) => isKind(e, 'InvalidArgument');
  await assert.rejects(snap.mount('../x', []), invalid);
  assert.throws(() => snap.upperDir('a/b'), invalid);
  assert.throws(() => snap.layerPath('sha256:xyz'), invalid);
});

test('layers stack in order, whiteouts hide lower files, upper keeps changes', { skip: !isRoot && 'needs root for overlay mounts' }, async (t) => {
  const root = await tmp(t);
  const snap = createSnapshotter({ root });
  const base = await layer({ 'etc/a': 'base', 'etc/b': 'base', 'etc/c': 'base' });
  const top = await layer({ 'etc/a': 'top', 'etc/.wh.b': '' });
  const lowers = [
    await snap.unpackLayer(base.diffId, () => Readable.from([base.tar])),
    await snap.unpackLayer(top.diffId, () => Readable.from([top.tar])),
  ];
  const key = `stack-${process.pid}`;
  t.after(() => snap.remove(key));
  const merged = await snap.mount(key, lowers);
  assert.equal(await readFile(join(merged, 'etc/a'), 'utf8'), 'top');
  assert.equal(existsSync(join(merged, 'etc/b')), false);
  assert.equal(await readFile(join(merged, 'etc/c'), 'utf8'), 'base');
  await snap.remove(key);
  assert.equal(existsSync(join(root, 'snapshots/containers', key)), false);
});

test('a volatile mount shows as such, unmounts, and its dirs mount again (volatile or not)', { skip: !isRoot && 'needs root for overlay mounts' }, async (t) => {
  const root = await tmp(t);
  const snap = createSnapshotter({ root });
  const base = await layer({ 'etc/a': 'base' });
  const lowers = [await snap.unpackLayer(base.diffId, () => Readable.from([base.tar]))];
  const key = `volatile-${process.pid}`;
  t.after(() => snap.remove(key));
  const merged = await snap.mount(key, lowers, { volatile: true });
  assert.deepEqual(await mountState(merged), { mounted: true, volatile: true });
  await writeFile(join(merged, 'etc/b'), 'changed');
  await snap.unmount(key);
  assert.equal((await mountState(merged)).mounted, false);
  // the upper keeps what was written before a clean unmount; the volatile mark does not block a remount
  await snap.mount(key, lowers);
  assert.deepEqual(await mountState(merged), { mounted: true, volatile: false });
  assert.equal(await readFile(join(merged, 'etc/b'), 'utf8'), 'changed');
  await snap.unmount(key);
  await snap.mount(key, lowers, { volatile: true });
  assert.equal((await mountState(merged)).volatile, true);
  await snap.remove(key);
  assert.equal(existsSync(join(root, 'snapshots/containers', key)), false);
});

test('an image without layers and one with very many layers both mount', { skip: !isRoot && 'needs root for overlay mounts' }, async (t) => {
  const root = await tmp(t);
  const snap = createSnapshotter({ root });
  const empty = `empty-${process.pid}`;
  t.after(() => snap.remove(empty));
  assert.deepEqual(await readdir(await snap.mount(empty, [])), []);
  await snap.remove(empty);
  // 60 layers: lowerdir= with absolute paths would not fit in one page of mount options
  const lowers: string[] = [];
  for (let i = 0; i < 60; i++) {
    const l = await layer({ [`f${i}`]: String(i), shared: String(i) });
    lowers.push(await snap.unpackLayer(l.diffId, () => Readable.from([l.tar])));
  }
  const many = `many-${process.pid}`;
  t.after(() => snap.remove(many));
  const merged = await snap.mount(many, lowers);
  assert.equal((await readdir(merged)).length, 61);
  assert.equal(await readFile(join(merged, 'shared'), 'utf8'), '59');
  await snap.remove(many);
});

test('crash leftovers in tmp/ are swept when the snapshotter starts', async (t) => {
  const root = await tmp(t);
  await mkdir(join(root, 'snapshots/tmp/abc-half'), { recursive: true });
  const snap = createSnapshotter({ root });
  const l = await layer({ x: 'x' });
  await snap.unpackLayer(l.diffId, () => Readable.from([l.tar]));
  assert.deepEqual(await readdir(join(root, 'snapshots/tmp')), []);
});

const hasSetfattr = ['/usr/bin/setfattr', '/bin/setfattr'].some((p) => existsSync(p));

test('an opaque directory hides everything below it', { skip: (!isRoot || !hasSetfattr) && 'needs root and setfattr (Debian package attr)' }, async (t) => {
  const root = await tmp(t);
  const snap = createSnapshotter({ root });
  const base = await layer({ 'd/old': 'old', 'keep': 'k' });
  const top = await layer({ 'd/.wh..wh..opq': '', 'd/new': 'new' });
  const lowers = [
    await snap.unpackLayer(base.diffId, () => Readable.from([base.tar])),
    await snap.unpackLayer(top.diffId, () => Readable.from([top.tar])),
  ];
  const key = `opq-${process.pid}`;
  t.after(() => snap.remove(key));
  const merged = await snap.mount(key, lowers);
  assert.deepEqual(await readdir(join(merged, 'd')), ['new']);
  assert.equal(await readFile(join(merged, 'keep'), 'utf8'), 'k');
  await snap.remove(key);
});

test('an unpack gets replaced entries, implicit dirs named again, setgid dirs, owners and a whiteout\'s path written again right', { skip: !isRoot && 'needs root for chown' }, async (t) => {
  const root = await tmp(t);
  const snap = createSnapshotter({ root });
  const pack = tarStream.pack();
  const e = (h: tarStream.Headers, body = '') => pack.entry({ mode: 0o644, mtime: new Date(0), uid: 0, gid: 0, ...h }, body);
  e({ name: 'a/b/c', uid: 1000, gid: 1000 }, 'c');   // a, a/b made implicitly
  e({ name: 'a/b', type: 'directory', mode: 0o750 }); // the implicit dir again, as an entry
  e({ name: 'dup' }, 'first');
  e({ name: 'dup' }, 'second');                        // the same path twice: the second wins
  e({ name: 'mail', type: 'directory', mode: 0o2775, gid: 8 });
  e({ name: 'mail/box' }, 'root-owned');               // in a setgid dir: still gid 0, as the header says
  e({ name: 'x/.wh.gone' });
  e({ name: 'x/gone' }, 'back');                       // a whiteout's path written again
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  const tar = Buffer.concat(chunks);
  const id = `sha256:${createHash('sha256').update(tar).digest('hex')}`;
  const dir = await snap.unpackLayer(id, () => Readable.from([tar]), { verify: true });
  assert.equal(await readFile(join(dir, 'a/b/c'), 'utf8'), 'c');
  assert.deepEqual([(await lstat(join(dir, 'a/b/c'))).uid, (await lstat(join(dir, 'a/b'))).mode & 0o7777], [1000, 0o750]);
  assert.equal(await readFile(join(dir, 'dup'), 'utf8'), 'second');
  const box = await lstat(join(dir, 'mail/box'));
  assert.deepEqual([box.uid, box.gid, (await lstat(join(dir, 'mail'))).gid], [0, 0, 8]);
  assert.equal(await readFile(join(dir, 'x/gone'), 'utf8'), 'back');
});
