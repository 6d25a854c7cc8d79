import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, linkSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { checkLocalOptions, checkVolumeName, directorySize } from './local.ts';
import { listPredicate, prunePredicate } from './filters.ts';
import type { VolumeRecord } from '../types.ts';

test('volume names and local driver options follow docker\'s local driver', () => {
  assert.doesNotThrow(() => checkVolumeName('my_vol.1-x'));
  assert.throws(() => checkVolumeName('x'), /too short/);
  assert.throws(() => checkVolumeName('-x'), /"-x" includes invalid characters for a local volume name/);
  assert.doesNotThrow(() => checkLocalOptions({ type: 'tmpfs', device: 'tmpfs', o: 'size=1m' }));
  assert.throws(() => checkLocalOptions({ foo: 'x' }), /invalid option: "foo"/);
  assert.throws(() => checkLocalOptions({ type: 'tmpfs' }), /missing required option: "device"/);
  assert.throws(() => checkLocalOptions({ o: 'size=1m', device: 'tmpfs' }), /missing required option: "type"/);
});

test('directory size counts each inode once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-vsize-'));
  try {
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'a'), Buffer.alloc(1000));
    writeFileSync(join(dir, 'sub', 'b'), Buffer.alloc(24));
    linkSync(join(dir, 'a'), join(dir, 'sub', 'hard'));
    assert.equal(await directorySize(dir), 1024);
    assert.equal(await directorySize(join(dir, 'missing')), 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const rec = (name: string, o: Partial<VolumeRecord> = {}): VolumeRecord => ({ name, driver: 'local', mountpoint: '', createdAt: '', labels: {}, options: {}, anonymous: false, ...o });

test('list and prune filters', () => {
  const vols = [rec('alpha', { labels: { team: 'x' } }), rec('beta'), rec('f'.repeat(64), { anonymous: true, labels: { 'com.docker.volume.anonymous': '' } })];
  const used = (n: string) => n === 'beta';
  const names = (f: Record<string, string[]>) => vols.filter(listPredicate(f, used)).map((v) => v.name);
  assert.deepEqual(names({ name: ['alp'] }), ['alpha']);
  assert.deepEqual(names({ label: ['team=x'] }), ['alpha']);
  assert.deepEqual(names({ 'label!': ['team'] }), ['beta', 'f'.repeat(64)]);
  assert.deepEqual(names({ dangling: ['true'] }), ['alpha', 'f'.repeat(64)]);
  assert.deepEqual(names({ dangling: ['0'] }), ['beta']);
  assert.throws(() => names({ dangling: ['maybe'] }), /invalid filter 'dangling=maybe'/);
  assert.throws(() => names({ colour: ['red'] }), /invalid filter 'colour'/);
  assert.deepEqual(vols.filter(prunePredicate({})).map((v) => v.anonymous), [true]);
  assert.deepEqual(vols.filter(prunePredicate({ all: ['true'], label: ['team'] })).map((v) => v.name), ['alpha']);
});
