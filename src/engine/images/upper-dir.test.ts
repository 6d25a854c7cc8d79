import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, linkSync, symlinkSync, utimesSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import tarStream from 'tar-stream';
import { packUpperLayer, upperChanges } from './upper-dir.ts';

/** a lower layer and an upper dir as overlay leaves them: whiteout devices, an opaque dir, copied-up parents */
function fixture(): { root: string; lower: string; upper: string } {
  const root = mkdtempSync('/var/tmp/skiff-upper-');
  const lower = join(root, 'lower');
  const upper = join(root, 'upper');
  for (const d of ['etc', 'home/old', 'same', 'usr/lib']) mkdirSync(join(lower, d), { recursive: true });
  writeFileSync(join(lower, 'etc/passwd'), 'root\n');
  writeFileSync(join(lower, 'etc/group'), 'root\n');
  writeFileSync(join(lower, 'usr/lib/a'), 'a');
  for (const d of ['etc', 'home', 'same', 'usr/lib/new']) mkdirSync(join(upper, d), { recursive: true });
  writeFileSync(join(upper, 'etc/passwd'), 'root\nx\n');
  execFileSync('mknod', [join(upper, 'etc/group'), 'c', '0', '0']);
  execFileSync('setfattr', ['-n', 'trusted.overlay.opaque', '-v', 'y', join(upper, 'home')]);
  writeFileSync(join(upper, 'home/new'), 'n');
  writeFileSync(join(upper, 'x'), 'hello\n');
  linkSync(join(upper, 'x'), join(upper, 'x2'));
  symlinkSync('/x', join(upper, 'ln'));
  execFileSync('setfattr', ['-n', 'user.k', '-v', 'v', join(upper, 'x')]);
  // a dir copied up only for its metadata, unchanged: no row of its own
  const t = new Date('2020-01-01T00:00:00Z');
  utimesSync(join(lower, 'same'), t, t);
  utimesSync(join(upper, 'same'), t, t);
  utimesSync(join(lower, 'usr'), t, t);
  utimesSync(join(upper, 'usr'), t, t);
  return { root, lower, upper };
}

test('upperChanges: docker diff rows, whiteouts and opaque dirs as deletions, parents as C', async () => {
  const f = fixture();
  try {
    const rows = (await upperChanges(f.upper, [f.lower])).map((c) => `${'CAD'[c.Kind]} ${c.Path}`);
    assert.deepEqual(rows, ['C /etc', 'D /etc/group', 'C /etc/passwd', 'D /home', 'A /home/new', 'A /ln', 'C /usr/lib', 'A /usr/lib/new', 'A /x', 'A /x2']);
    const skipped = (await upperChanges(f.upper, [f.lower], new Set(['x2', 'usr/lib/new']))).map((c) => c.Path);
    assert.ok(!skipped.includes('/x2') && !skipped.includes('/usr') && !skipped.includes('/usr/lib/new'), skipped.join(' '));
  } finally {
    rmSync(f.root, { recursive: true, force: true });
  }
});

test('packUpperLayer: OCI whiteouts, sorted names, hardlinks, symlinks, xattrs', async () => {
  const f = fixture();
  try {
    const extract = tarStream.extract();
    const seen: string[] = [];
    const done = (async () => {
      for await (const e of extract) {
        const h = e.header as typeof e.header & { pax?: Record<string, string> };
        seen.push(`${h.type} ${h.name}${h.linkname ? ' -> ' + h.linkname : ''}${h.pax?.['SCHILY.xattr.user.k'] ? ' xattr=' + h.pax['SCHILY.xattr.user.k'] : ''}`);
        e.resume();
      }
    })();
    packUpperLayer(f.upper).pipe(extract as unknown as NodeJS.WritableStream);
    await done;
    assert.deepEqual(seen, [
      'directory etc/', 'file etc/.wh.group', 'file etc/passwd', 'directory home/', 'file home/.wh..wh..opq', 'file home/new',
      'symlink ln -> /x', 'directory same/', 'directory usr/', 'directory usr/lib/', 'directory usr/lib/new/', 'file x xattr=v', 'link x2 -> x xattr=v',
    ]);
  } finally {
    rmSync(f.root, { recursive: true, force: true });
  }
});
