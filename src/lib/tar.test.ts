import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, writeFile, readFile, symlink, link, lstat, readlink, readdir, rm, chmod, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import tarStream from 'tar-stream';
import type { Headers } from 'tar-stream';
import { extractTar, packTar, plainTar, resolveInRoot, cleanEntryName } from './tar.ts';
import { isKind } from './errors.ts';

async function tmp(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'skiff-tar-'));
  t.after(() => rm(d, { recursive: true, force: true }));
  return d;
}

/** a tar in memory from headers (+ string bodies) */
async function tarOf(entries: Array<Headers & { body?: string }>): Promise<Buffer> {
  const pack = tarStream.pack();
  for (const { body, ...h } of entries) pack.entry(h, body ?? '');
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c);
  return Buffer.concat(chunks);
}

async function rejects(buf: Buffer, dest: string, pattern: RegExp): Promise<void> {
  await assert.rejects(extractTar(Readable.from([buf]), dest), (err: unknown) => {
    assert.ok(isKind(err, 'InvalidArgument'), `InvalidArgument expected, got ${err}`);
    assert.match((err as Error).message, pattern);
    return true;
  });
}

const exists = (p: string) => lstat(p).then(() => true, () => false);

test('cleanEntryName makes absolute names relative and refuses ..', () => {
  assert.equal(cleanEntryName('/etc/passwd'), 'etc/passwd');
  assert.equal(cleanEntryName('./a/b/'), 'a/b');
  assert.equal(cleanEntryName('/../x'), 'x');
  assert.equal(cleanEntryName('./'), '');
  assert.throws(() => cleanEntryName('../x'), /tar entry "\.\.\/x" escapes the destination/);
  assert.throws(() => cleanEntryName('a/../../x'), /escapes/);
});

test('an entry "../x" is refused and nothing is written outside', async (t) => {
  const d = await tmp(t);
  const dest = join(d, 'dest');
  await mkdir(dest);
  await rejects(await tarOf([{ name: 'ok', body: 'fine' }, { name: '../x', body: 'evil' }]), dest, /tar entry "\.\.\/x" escapes the destination/);
  assert.equal(await exists(join(d, 'x')), false);
});

test('an absolute entry lands inside the destination, as docker does', async (t) => {
  const d = await tmp(t);
  const dest = join(d, 'dest');
  await mkdir(dest);
  const outside = join(d, 'outside-abs');
  await extractTar(Readable.from([await tarOf([{ name: outside, body: 'x' }, { name: '/../../etc/skiff-test', body: 'y' }])]), dest);
  assert.equal(await exists(outside), false);
  assert.equal(await readFile(join(dest, outside), 'utf8'), 'x');
  assert.equal(await readFile(join(dest, 'etc/skiff-test'), 'utf8'), 'y');
  assert.equal(await exists('/etc/skiff-test'), false);
});

test('a symlink a -> /etc followed by a/passwd is refused', async (t) => {
  const d = await tmp(t);
  const dest = join(d, 'dest');
  await mkdir(dest);
  const before = await readFile('/etc/passwd', 'utf8');
  const buf = await tarOf([{ name: 'a', type: 'symlink', linkname: '/etc' }, { name: 'a/passwd', body: 'pwned\n' }]);
  await rejects(buf, dest, /tar entry "a\/passwd" would be written through the symlink "a"/);
  assert.equal(await readFile('/etc/passwd', 'utf8'), before);
  assert.equal(await readlink(join(dest, 'a')), '/etc');
});

test('a relative symlink out of the root, then a write through it, is refused', async (t) => {
  const d = await tmp(t);
  const dest = join(d, 'dest');
  await mkdir(dest);
  const buf = await tarOf([{ name: 'up', type: 'symlink', linkname: '../' }, { name: 'up/evil', body: 'x' }]);
  await rejects(buf, dest, /through the symlink "up"/);
  assert.equal(await exists(join(d, 'evil')), false);
});

test('hardlinks to targets outside the root are refused', async (t) => {
  const d = await tmp(t);
  const dest = join(d, 'dest');
  await mkdir(dest);
  await writeFile(join(d, 'secret'), 's');
  await rejects(await tarOf([{ name: 'l', type: 'link', linkname: '../secret' }]), dest, /tar entry "l" is a hardlink to "\.\.\/secret", outside the destination/);
  // through a symlink made by the archive itself
  const viaLink = await tarOf([{ name: 's', type: 'symlink', linkname: d }, { name: 'l2', type: 'link', linkname: 's/secret' }]);
  await rejects(viaLink, dest, /through the symlink "s"/);
  assert.equal(await exists(join(dest, 'l')), false);
  assert.equal(await exists(join(dest, 'l2')), false);
  assert.equal((await lstat(join(d, 'secret'))).nlink, 1);
});

test('an existing symlink at an entry path is replaced, never followed', async (t) => {
  const d = await tmp(t);
  const dest = join(d, 'dest');
  await mkdir(dest);
  await writeFile(join(d, 'victim'), 'original');
  await symlink(join(d, 'victim'), join(dest, 'f'));
  await extractTar(Readable.from([await tarOf([{ name: 'f', body: 'new' }])]), dest);
  assert.equal(await readFile(join(d, 'victim'), 'utf8'), 'original');
  assert.equal(await readFile(join(dest, 'f'), 'utf8'), 'new');
  assert.ok((await lstat(join(dest, 'f'))).isFile());
});

test('follow-in-root resolves parent symlinks inside the root like a chroot', async (t) => {
  const d = await tmp(t);
  const dest = join(d, 'dest');
  await mkdir(join(dest, 'usr/bin'), { recursive: true });
  await symlink('/usr/bin', join(dest, 'bin'));
  await symlink('../../..', join(dest, 'usr/up'));
  await extractTar(Readable.from([await tarOf([{ name: 'bin/tool', body: 't' }, { name: 'usr/up/x', body: 'x' }])]), dest, { symlinkParents: 'follow-in-root' });
  assert.equal(await readFile(join(dest, 'usr/bin/tool'), 'utf8'), 't');
  assert.equal(await readFile(join(dest, 'x'), 'utf8'), 'x');
  assert.equal(await exists(join(d, 'x')), false);
  assert.equal(await resolveInRoot(dest, 'bin/../bin/tool'), join(dest, 'usr/bin/tool'));
});

test('round trip keeps modes, owners, mtimes, symlinks, hardlinks, fifos; gzip is detected', async (t) => {
  const d = await tmp(t);
  const src = join(d, 'src');
  await mkdir(join(src, 'dir/sub'), { recursive: true });
  await writeFile(join(src, 'dir/file'), 'hello');
  const big = Buffer.alloc(300 * 1024).map((_, i) => i % 251); // above packTar's one-read size: streamed
  await writeFile(join(src, 'big'), big);
  await chmod(join(src, 'dir/file'), 0o4755);
  await link(join(src, 'dir/file'), join(src, 'hard'));
  await symlink('dir/file', join(src, 'sym'));
  execFileSync('mknod', [join(src, 'fifo'), 'p']);
  execFileSync('chown', ['1234:5678', join(src, 'dir/sub')]);
  await utimes(join(src, 'dir'), 1000, 1000);
  const chunks: Buffer[] = [];
  for await (const c of packTar(src)) chunks.push(c);
  const plain = Buffer.concat(chunks);
  for (const [label, buf] of [['plain', plain], ['gzip', gzipSync(plain)]] as const) {
    const dest = join(d, `dest-${label}`);
    await mkdir(dest);
    const { size } = await extractTar(Readable.from([buf]), dest, { chown: true });
    assert.equal(size, 5 + big.length);
    assert.ok((await readFile(join(dest, 'big'))).equals(big));
    assert.equal(await readFile(join(dest, 'dir/file'), 'utf8'), 'hello');
    const f = await lstat(join(dest, 'dir/file'));
    assert.equal(f.mode & 0o7777, 0o4755);
    assert.equal(f.nlink, 2);
    assert.equal((await lstat(join(dest, 'hard'))).ino, f.ino);
    assert.equal(await readlink(join(dest, 'sym')), 'dir/file');
    assert.ok((await lstat(join(dest, 'fifo'))).isFIFO());
    const sub = await lstat(join(dest, 'dir/sub'));
    assert.deepEqual([sub.uid, sub.gid], [1234, 5678]);
    assert.equal((await lstat(join(dest, 'dir'))).mtimeMs, 1_000_000);
  }
});

test('packTar packs sorted relative names, a subset, or one renamed path', async (t) => {
  const d = await tmp(t);
  await mkdir(join(d, 'b'));
  await writeFile(join(d, 'b/z'), 'z');
  await writeFile(join(d, 'a'), 'a');
  const names = async (s: Readable) => {
    const ex = tarStream.extract();
    s.pipe(ex as unknown as NodeJS.WritableStream);
    const out: string[] = [];
    for await (const e of ex) {
      out.push(e.header.name);
      e.resume();
    }
    return out;
  };
  assert.deepEqual(await names(packTar(d)), ['a', 'b/', 'b/z']);
  assert.deepEqual(await names(packTar(d, ['b'])), ['b/', 'b/z']);
  assert.deepEqual(await names(packTar(join(d, 'b'), { rename: 'copy' })), ['copy/', 'copy/z']);
  assert.deepEqual(await names(packTar(join(d, 'a'), { rename: 'hosts' })), ['hosts']);
});

test('whiteouts: apply deletes, none keeps, overlay makes 0:0 char devices', async (t) => {
  const d = await tmp(t);
  const buf = await tarOf([{ name: 'dir/', type: 'directory' }, { name: 'dir/.wh.gone', body: '' }, { name: 'dir/keep', body: 'k' }]);
  const apply = join(d, 'apply');
  await mkdir(join(apply, 'dir'), { recursive: true });
  await writeFile(join(apply, 'dir/gone'), 'old');
  await extractTar(Readable.from([buf]), apply, { whiteouts: 'apply' });
  assert.deepEqual(await readdir(join(apply, 'dir')), ['keep']);
  const none = join(d, 'none');
  await mkdir(none);
  await extractTar(Readable.from([buf]), none);
  assert.deepEqual((await readdir(join(none, 'dir'))).sort(), ['.wh.gone', 'keep']);
  const overlay = join(d, 'overlay');
  await mkdir(overlay);
  await extractTar(Readable.from([buf]), overlay, { whiteouts: 'overlay' });
  const wh = await lstat(join(overlay, 'dir/gone'));
  assert.ok(wh.isCharacterDevice());
  assert.equal(wh.rdev, 0);
  // opaque: in 'apply' mode lower content goes, this archive's own entries stay
  const opq = await tarOf([{ name: 'o/', type: 'directory' }, { name: 'o/new', body: 'n' }, { name: 'o/.wh..wh..opq', body: '' }]);
  await mkdir(join(apply, 'o'));
  await writeFile(join(apply, 'o/old'), 'x');
  await extractTar(Readable.from([opq]), apply, { whiteouts: 'apply' });
  assert.deepEqual(await readdir(join(apply, 'o')), ['new']);
});

test('noOverwriteDirNonDir refuses to replace a directory with a file', async (t) => {
  const d = await tmp(t);
  await mkdir(join(d, 'x'));
  await assert.rejects(extractTar(Readable.from([await tarOf([{ name: 'x', body: 'f' }])]), d, { noOverwriteDirNonDir: true }), /cannot overwrite directory "x" with non-directory/);
  await extractTar(Readable.from([await tarOf([{ name: 'x', body: 'f' }])]), d);
  assert.ok((await lstat(join(d, 'x'))).isFile());
});

test('a truncated archive is an error', async (t) => {
  const d = await tmp(t);
  const buf = await tarOf([{ name: 'big', body: 'x'.repeat(5000) }]);
  await assert.rejects(extractTar(Readable.from([buf.subarray(0, 1024)]), d));
});

test('gzip (igzip when installed, else zlib): members joined; a bad CRC or a cut stream is an error, never a short tar', async () => {
  const body = randomBytes(3 << 20);
  const two = Buffer.concat([gzipSync(body.subarray(0, 1 << 20)), gzipSync(body.subarray(1 << 20))]);
  const read = async (buf: Buffer) => {
    const chunks: Buffer[] = [];
    for await (const c of await plainTar(Readable.from([buf]))) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  };
  assert.ok((await read(two)).equals(body));
  const badCrc = Buffer.from(gzipSync(body));
  badCrc[badCrc.length - 8] ^= 0xff;
  await assert.rejects(read(badCrc), (err: Error) => isKind(err, 'InvalidArgument') || /incorrect data check|corrupt/.test(err.message));
  const whole = gzipSync(body);
  const cut = whole.subarray(0, whole.length >> 1);
  await assert.rejects(read(cut), (err: Error) => isKind(err, 'InvalidArgument') || /unexpected end of file/.test(err.message));
});
