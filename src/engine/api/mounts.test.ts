import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostConfigMounts, mountPoints, mountsFromDocker, parseBind, parseMountObject, validMountMode } from './mounts.ts';
import type { ContainerSpec, MountSpec } from '../types.ts';

test('Binds: named volumes, host paths, modes and docker\'s refusals', () => {
  assert.deepEqual(parseBind('data:/data'), { type: 'volume', source: 'data', target: '/data', readOnly: false, origin: 'binds', raw: 'data:/data', mode: '' });
  assert.deepEqual(parseBind('/h:/c:ro,rshared'), {
    type: 'bind', source: '/h', target: '/c', readOnly: true, propagation: 'rshared', createHostPath: true, origin: 'binds', raw: '/h:/c:ro,rshared', mode: 'ro,rshared',
  });
  assert.equal(parseBind('v:/x:nocopy').noCopy, true);
  assert.deepEqual(parseBind('v:/x', 'local').volumeOptions, { driver: 'local' });
  assert.equal(parseBind('/anon').source, '');
  assert.throws(() => parseBind('/data:rw'), /invalid volume specification: '\/data:rw'/);
  assert.throws(() => parseBind('a:/b:ro:x'), /invalid volume specification: 'a:\/b:ro:x'/);
  assert.throws(() => parseBind(':/b'), /invalid volume specification/);
  assert.throws(() => parseBind('/a:/b:ro,rw'), /invalid mode: ro,rw/);
  assert.throws(() => parseBind('/a:/b:bogus'), /invalid mode: bogus/);
  assert.ok(validMountMode('ro,z,rprivate,nocopy'));
  assert.ok(!validMountMode('z,Z'));
});

test('Mounts objects keep their options; unknown types are refused', () => {
  const v = parseMountObject({ Type: 'volume', Source: 'v', Target: '/v', VolumeOptions: { NoCopy: true, Labels: { a: 'b' }, DriverConfig: { Name: 'local', Options: { type: 'tmpfs' } } } });
  assert.deepEqual(v, { type: 'volume', source: 'v', target: '/v', readOnly: false, origin: 'mounts', volumeOptions: { labels: { a: 'b' }, driver: 'local', driverOpts: { type: 'tmpfs' } }, noCopy: true });
  const b = parseMountObject({ Type: 'bind', Source: '/s', Target: '/t', ReadOnly: true, BindOptions: { Propagation: 'rslave', CreateMountpoint: true } });
  assert.equal(b.propagation, 'rslave');
  assert.equal(b.createHostPath, true);
  const t = parseMountObject({ Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 1 << 20, Mode: 0o1777, Options: [['exec']] } });
  assert.deepEqual(t.tmpfsOptions, { sizeBytes: 1 << 20, mode: 0o1777, options: ['exec'] });
  assert.throws(() => parseMountObject({ Type: 'npipe', Target: '/x' }), /invalid mount config for type "npipe": mount type unknown/);
  assert.throws(() => parseMountObject({ Type: 'volume', Source: 'v', Target: '/x', VolumeOptions: { Subpath: 'a' } }), /Subpath is not supported yet/);
});

test('a create body\'s mounts round-trip to HostConfig and docker\'s Mounts', () => {
  const mounts = mountsFromDocker(
    { Volumes: { '/anon': {} } },
    { Binds: ['v:/data:ro', '/h:/h'], Mounts: [{ Type: 'tmpfs', Target: '/m' }], Tmpfs: { '/run': 'size=1m,exec' }, VolumesFrom: ['other:ro'] },
  );
  assert.deepEqual(mounts.map((m) => [m.origin, m.type, m.target]), [
    ['binds', 'volume', '/data'], ['binds', 'bind', '/h'], ['mounts', 'tmpfs', '/m'], ['tmpfs', 'tmpfs', '/run'], ['volumes', 'volume', '/anon'],
  ]);
  const named: MountSpec[] = mounts.map((m) => (m.type === 'volume' ? { ...m, source: m.source || 'abc', hostPath: `/vols/${m.source || 'abc'}/_data`, mode: m.mode || '' } : m));
  const spec = { host: { mounts: named, volumesFrom: ['other:ro'] } } as unknown as ContainerSpec;
  assert.deepEqual(hostConfigMounts(spec), {
    Binds: ['v:/data:ro', '/h:/h'], Mounts: [{ Type: 'tmpfs', Target: '/m' }], Tmpfs: { '/run': 'size=1m,exec' }, VolumesFrom: ['other:ro'],
  });
  assert.deepEqual(mountPoints(spec), [
    { Type: 'volume', Name: 'v', Source: '/vols/v/_data', Destination: '/data', Driver: 'local', Mode: 'ro', RW: false, Propagation: '' },
    { Type: 'bind', Source: '/h', Destination: '/h', Mode: '', RW: true, Propagation: 'rprivate' },
    { Type: 'tmpfs', Source: '', Destination: '/m', Mode: '', RW: true, Propagation: '' },
    { Type: 'volume', Name: 'abc', Source: '/vols/abc/_data', Destination: '/anon', Driver: 'local', Mode: '', RW: true, Propagation: '' },
  ]);
});
