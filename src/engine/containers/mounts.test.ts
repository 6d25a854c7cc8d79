import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkMount, checkUserMounts, parseVolumesFrom } from './mounts.ts';
import type { MountSpec } from '../types.ts';

const bind = (o: Partial<MountSpec> = {}): MountSpec => ({ type: 'bind', source: '/src', target: '/dst', readOnly: false, origin: 'mounts', ...o });
const exists = (p: string) => p === '/src';

test('targets must be absolute and not /; they come back cleaned', () => {
  assert.equal(checkMount(bind({ target: '/a//b/' }), exists).target, '/a/b');
  assert.throws(() => checkMount(bind({ target: 'rel' }), exists), /^.*invalid mount config for type "bind": invalid mount path: 'rel' mount path must be absolute$/);
  assert.throws(() => checkMount(bind({ target: '/' }), exists), /destination can't be '\/'/);
  assert.throws(() => checkMount(bind({ target: '' }), exists), /field Target must not be empty/);
});

test('bind sources: --mount refuses a missing one, -v creates it; Binds errors name the spec', () => {
  assert.throws(() => checkMount(bind({ source: '/nope' }), exists), /^.*invalid mount config for type "bind": bind source path does not exist: \/nope$/);
  assert.doesNotThrow(() => checkMount(bind({ source: '/nope', createHostPath: true }), exists));
  assert.throws(
    () => checkMount({ type: 'volume', source: 'v', target: 'rel', readOnly: false, origin: 'binds', raw: 'v:rel' }, exists),
    /invalid volume specification: 'v:rel': invalid mount config for type "volume": invalid mount path: 'rel' mount path must be absolute/,
  );
  assert.throws(() => checkMount(bind({ volumeOptions: {} }), exists), /field VolumeOptions must not be specified/);
});

test('volumes: valid names, no read-only anonymous --mount, no propagation', () => {
  const vol = (o: Partial<MountSpec>): MountSpec => ({ type: 'volume', source: 'ok', target: '/v', readOnly: false, origin: 'mounts', ...o });
  assert.doesNotThrow(() => checkMount(vol({}), exists));
  assert.throws(() => checkMount(vol({ source: 'a b' }), exists), /create a b: "a b" includes invalid characters for a local volume name/);
  assert.throws(() => checkMount(vol({ source: 'a' }), exists), /volume name is too short/);
  assert.throws(() => checkMount(vol({ source: '', readOnly: true }), exists), /must not set ReadOnly mode when using anonymous volumes/);
  assert.throws(() => checkMount(vol({ propagation: 'shared' }), exists), /field BindOptions must not be specified/);
  const tmpfs: MountSpec = { type: 'tmpfs', source: '', target: '/t', readOnly: false, origin: 'mounts', tmpfsOptions: { options: ['uid=1'] } };
  assert.throws(() => checkMount(tmpfs, exists), /invalid option: uid/);
});

test('two mounts at one target: "Duplicate mount point"', () => {
  assert.throws(() => checkUserMounts([bind(), bind({ target: '/dst/' })], exists), /^.*Duplicate mount point: \/dst$/);
});

test('--volumes-from: container[:ro|rw], docker refuses other modes', () => {
  assert.deepEqual(parseVolumesFrom('web'), { container: 'web', readOnly: false });
  assert.deepEqual(parseVolumesFrom('web:ro'), { container: 'web', readOnly: true });
  assert.throws(() => parseVolumesFrom('web:rshared'), /invalid mode: rshared/);
  assert.throws(() => parseVolumesFrom('web:nocopy'), /invalid mode: nocopy/);
  assert.throws(() => parseVolumesFrom(''), /cannot be an empty string/);
});
