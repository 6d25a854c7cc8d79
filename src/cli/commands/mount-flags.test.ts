import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMountFlag, splitVolumeFlags, tmpfsFlags } from './mount-flags.ts';

test('--mount csv: types, aliases, options', () => {
  assert.deepEqual(parseMountFlag('type=bind,src=/a,dst=/b,readonly,bind-propagation=rslave'), {
    Type: 'bind', Source: '/a', Target: '/b', ReadOnly: true, BindOptions: { Propagation: 'rslave' },
  });
  assert.deepEqual(parseMountFlag('source=v,target=/v,volume-nocopy,volume-opt=type=tmpfs,volume-opt=device=tmpfs,volume-label=a=b,volume-driver=local'), {
    Type: 'volume', Source: 'v', Target: '/v', VolumeOptions: { NoCopy: true, Labels: { a: 'b' }, DriverConfig: { Name: 'local', Options: { type: 'tmpfs', device: 'tmpfs' } } },
  });
  assert.deepEqual(parseMountFlag('type=tmpfs,destination=/t,tmpfs-size=64m,tmpfs-mode=1770,ro=false'), {
    Type: 'tmpfs', Target: '/t', ReadOnly: false, TmpfsOptions: { SizeBytes: 64 * 1024 * 1024, Mode: 0o1770 },
  });
  assert.deepEqual(parseMountFlag('"type=volume",target=/x'), { Type: 'volume', Target: '/x' });
});

test('--mount errors as the docker CLI words them', () => {
  assert.throws(() => parseMountFlag('type=bind,src=/a'), /^Error: target is required$/);
  assert.throws(() => parseMountFlag('type=bind,target=/a,bogus=1'), /unexpected key 'bogus' in 'bogus=1'/);
  assert.throws(() => parseMountFlag('type=bind,target'), /invalid field 'target' must be a key=value pair/);
  assert.throws(() => parseMountFlag('type=bind,target=/a,volume-nocopy'), /cannot mix 'volume-\*' options with mount type 'bind'/);
  assert.throws(() => parseMountFlag('type=tmpfs,target=/a,tmpfs-mode=9'), /invalid value for tmpfs-mode: 9/);
});

test('-v without a source is an anonymous volume; --tmpfs splits at the first colon', () => {
  assert.deepEqual(splitVolumeFlags(['/data', 'v:/x', '/h:/h:ro']), { binds: ['v:/x', '/h:/h:ro'], volumes: { '/data': {} } });
  assert.deepEqual(tmpfsFlags(['/run:size=1m,uid=1', '/tmp']), { '/run': 'size=1m,uid=1', '/tmp': '' });
});
