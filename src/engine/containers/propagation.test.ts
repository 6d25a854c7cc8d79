import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mountOf, neededRootfsPropagation, parseMountinfo } from './propagation.ts';

const info = parseMountinfo([
  '22 1 254:0 / / rw,relatime - ext4 /dev/vda rw',
  '40 22 0:40 / /mnt/shared rw,relatime shared:7 - tmpfs tmpfs rw',
  '41 22 0:41 / /mnt/slave rw,relatime master:7 - tmpfs tmpfs rw',
  '42 22 0:42 / /mnt/with\\040space rw,relatime shared:9 - tmpfs tmpfs rw',
].join('\n'));

test('mountinfo: mount points (octal escapes undone), optional fields; the mount a path lives on', () => {
  assert.deepEqual(info.map((m) => m.mountPoint), ['/', '/mnt/shared', '/mnt/slave', '/mnt/with space']);
  assert.deepEqual(info[1].optional, ['shared:7']);
  assert.deepEqual(info[0].optional, []);
  assert.equal(mountOf('/mnt/shared/a/b', info)?.mountPoint, '/mnt/shared');
  assert.equal(mountOf('/mnt/sharedx', info)?.mountPoint, '/');
});

test('bind propagation as docker checks it: shared needs a shared source, slave a shared or slave one', () => {
  const need = (source: string, propagation: string) => neededRootfsPropagation([{ source, propagation }], info, '/var/lib/skiff');
  assert.equal(need('/srv', 'rprivate'), undefined);
  assert.equal(need('/mnt/shared/x', 'rshared'), 'shared');
  assert.equal(need('/mnt/shared/x', 'rslave'), 'rslave');
  assert.equal(need('/mnt/slave', 'slave'), 'rslave');
  assert.throws(() => need('/srv', 'rshared'), /path \/srv is mounted on \/ but it is not a shared mount$/);
  assert.throws(() => need('/mnt/slave', 'shared'), /path \/mnt\/slave is mounted on \/mnt\/slave but it is not a shared mount/);
  assert.throws(() => need('/srv', 'rslave'), /path \/srv is mounted on \/ but it is not a shared or slave mount/);
  // under the daemon's root a slave bind falls back to private, as docker's does
  assert.equal(need('/var/lib/skiff/volumes/v/_data', 'rslave'), undefined);
  assert.equal(neededRootfsPropagation([{ source: '/mnt/slave', propagation: 'rslave' }, { source: '/mnt/shared', propagation: 'shared' }], info, '/x'), 'shared');
});
