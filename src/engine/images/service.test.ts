import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, copyFile, symlink, writeFile, readdir, rm, access } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createImageService } from './index.ts';
import { createSnapshotter } from '../snapshots/index.ts';
import { packTar } from '../../lib/tar.ts';
import { isKind } from '../../lib/errors.ts';
import type { Digest } from '../types.ts';

const BUSYBOX = '/bin/busybox';
const isRoot = process.getuid?.() === 0;
const CHANGES = ['CMD ["sh"]', 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'];

async function tmp(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const d = await mkdtemp('/var/tmp/skiff-images-');
  t.after(() => rm(d, { recursive: true, force: true }));
  return d;
}

/** a small busybox root filesystem: the binary, a few applet links, passwd */
async function busyboxRootfs(dir: string): Promise<string> {
  await mkdir(join(dir, 'bin'), { recursive: true });
  await mkdir(join(dir, 'etc'));
  await mkdir(join(dir, 'tmp'), { mode: 0o1777 });
  await copyFile(BUSYBOX, join(dir, 'bin/busybox'));
  for (const a of ['sh', 'ls', 'echo', 'cat']) await symlink('/bin/busybox', join(dir, 'bin', a));
  await writeFile(join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  return dir;
}

const kind = (k: string, re?: RegExp) => (err: unknown) => {
  assert.ok(isKind(err, k as never), `${k} expected, got ${err}`);
  if (re) assert.match((err as Error).message, re);
  return true;
};

test('import busybox → get by name, tag, id, prefix → layerPaths → mount → run → unmount → remove', { skip: !existsSync(BUSYBOX) && 'no /bin/busybox' }, async (t) => {
  const root = await tmp(t);
  const rootfs = await busyboxRootfs(join(root, 'rootfs'));
  const images = await createImageService({ root: join(root, 'engine') });
  const t0 = performance.now();
  const rec = await images.importRootfs(packTar(rootfs), { ref: 'busybox', changes: CHANGES });
  t.diagnostic(`import: ${(performance.now() - t0).toFixed(0)} ms`);
  assert.deepEqual(rec.repoTags, ['busybox:latest']);
  assert.deepEqual(rec.config.config.Cmd, ['sh']);
  assert.match(rec.id, /^sha256:[a-f0-9]{64}$/);
  assert.equal(rec.config.rootfs.diff_ids.length, 1);
  for (const ref of ['busybox', 'busybox:latest', 'docker.io/library/busybox:latest', rec.id, rec.id.slice(7), rec.id.slice(7, 10), rec.id.slice(0, 12)]) {
    assert.equal((await images.get(ref)).id, rec.id, ref);
  }
  await assert.rejects(images.get('nope'), kind('NotFound', /^No such image: nope:latest$/));
  await assert.rejects(images.get('busybox:1'), kind('NotFound', /No such image: busybox:1/));

  const lowers = await images.layerPaths(rec.id);
  assert.equal(lowers.length, 1);
  assert.ok(existsSync(join(lowers[0], 'bin/busybox')));
  if (!isRoot) return t.diagnostic('not root: mount skipped');
  const snap = createSnapshotter({ root: join(root, 'engine') });
  const key = `test-${process.pid}`;
  t.after(() => snap.remove(key));
  const t1 = performance.now();
  const merged = await snap.mount(key, lowers);
  t.diagnostic(`mount: ${(performance.now() - t1).toFixed(1)} ms`);
  assert.equal(await snap.mount(key, lowers), merged, 'mount is idempotent');
  assert.ok((await readdir(join(merged, 'bin'))).includes('busybox'));
  assert.equal(execFileSync(join(merged, 'bin/busybox'), ['ls', join(merged, 'bin/busybox')], { encoding: 'utf8' }).trim(), join(merged, 'bin/busybox'));
  await writeFile(join(merged, 'tmp/new'), 'x');
  assert.ok(existsSync(join(snap.upperDir(key), 'tmp/new')), 'writes go to the upper dir');
  assert.ok(!existsSync(join(lowers[0], 'tmp/new')), 'the layer is untouched');
  await snap.unmount(key);
  await snap.unmount(key);
  assert.equal(await snap.isMounted(key), false);
  assert.ok(existsSync(join(snap.upperDir(key), 'tmp/new')), 'the upper dir survives an unmount');
  await snap.remove(key);
  assert.ok(!existsSync(snap.upperDir(key)));
});

test('the index survives a restart; tags and docker rmi semantics', async (t) => {
  const root = await tmp(t);
  const rootfs = await busyboxRootfs(join(root, 'rootfs'));
  const engine = join(root, 'engine');
  let images = await createImageService({ root: engine });
  const rec = await images.importRootfs(rootfs, { ref: 'busybox:latest', changes: CHANGES });
  await images.tag('busybox', 'busybox:1');
  await images.tag(rec.id, 'localhost:5000/bb:v1');
  const written = statSync(join(engine, 'images/index.json')).ino;
  await images.tag(rec.id, 'busybox:1'); // already so (a rebuild's tag): the index is not written again
  assert.equal(statSync(join(engine, 'images/index.json')).ino, written);
  images = await createImageService({ root: engine }); // a new engine process
  assert.deepEqual((await images.get('busybox:1')).repoTags, ['busybox:1', 'busybox:latest', 'localhost:5000/bb:v1']);
  assert.equal((await images.list()).length, 1);
  const none = () => false;
  await assert.rejects(images.remove(rec.id.slice(7, 19), { force: false, isInUse: none }), kind('Conflict', /unable to delete [a-f0-9]{12} \(must be forced\) - image is referenced in multiple repositories/));
  assert.deepEqual(await images.remove('localhost:5000/bb:v1', { force: false, isInUse: none }), [{ Untagged: 'localhost:5000/bb:v1' }]);
  assert.deepEqual(await images.remove('busybox:1', { force: false, isInUse: none }), [{ Untagged: 'busybox:1' }]);
  // the last tag, while a container uses the image
  const inUse = () => 'c'.repeat(64);
  await assert.rejects(images.remove('busybox', { force: false, isInUse: inUse }), kind('Conflict', /^conflict: unable to remove repository reference "busybox" \(must force\) - container cccccccccccc is using its referenced image [a-f0-9]{12}$/));
  await assert.rejects(images.remove(rec.id, { force: false, isInUse: inUse }), kind('Conflict', /being used by container cccccccccccc/));
  // forced: untagged, but kept (dangling) while the container needs its layers
  assert.deepEqual(await images.remove('busybox', { force: true, isInUse: inUse }), [{ Untagged: 'busybox:latest' }]);
  assert.deepEqual((await images.get(rec.id)).repoTags, []);
  assert.equal((await images.layerPaths(rec.id)).length, 1);
  const layer = (await images.layerPaths(rec.id))[0];
  // unused now: deleted, with its blobs and unpacked layer
  assert.deepEqual(await images.remove(rec.id, { force: false, isInUse: none }), [{ Deleted: rec.id }]);
  await assert.rejects(images.get(rec.id), kind('NotFound'));
  assert.deepEqual(await readdir(join(engine, 'content/blobs/sha256')), []);
  await assert.rejects(access(layer));
});

test('a bad tar, a bad change or a bad name leaves nothing behind', async (t) => {
  const root = await tmp(t);
  const engine = join(root, 'engine');
  const images = await createImageService({ root: engine });
  await assert.rejects(images.importRootfs(Readable.from([Buffer.alloc(2048, 7)]), { ref: 'x' }), kind('InvalidArgument', /not a valid tar archive/));
  await assert.rejects(images.importRootfs(Readable.from([Buffer.alloc(10)]), { ref: 'x', changes: ['RUN make'] }), kind('InvalidArgument', /RUN is not a valid change command/));
  await assert.rejects(images.importRootfs(Readable.from([Buffer.alloc(10)]), { ref: 'Bad:Name' }), kind('InvalidArgument'));
  await assert.rejects(images.importRootfs(join(root, 'missing'), {}), kind('NotFound'));
  assert.deepEqual(await readdir(join(engine, 'content/blobs/sha256')), []);
  assert.deepEqual(await readdir(join(engine, 'content/ingest')), []);
  assert.deepEqual(await images.list(), []);
  await assert.rejects(images.tag('nothing', 'x'), kind('NotFound'));
  await assert.rejects(images.layerPaths(('sha256:' + '0'.repeat(64)) as Digest), kind('NotFound'));
});

test('an untagged import, and gzip input', async (t) => {
  const root = await tmp(t);
  const rootfs = await busyboxRootfs(join(root, 'rootfs'));
  const images = await createImageService({ root: join(root, 'engine') });
  const tarPath = join(root, 'rootfs.tar.gz');
  execFileSync('tar', ['-czf', tarPath, '-C', rootfs, '.']);
  const rec = await images.importRootfs(tarPath, { message: 'hello' });
  assert.deepEqual(rec.repoTags, []);
  assert.equal(rec.config.history?.[0].comment, 'hello');
  assert.ok(rec.size > 1_000_000, 'size is the uncompressed layer');
  assert.equal((await images.get(rec.id.slice(7, 15))).id, rec.id);
});
