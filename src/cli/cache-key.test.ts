import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cacheKey } from './cache-key.ts';

test('the cache key is the verb, past global flags and their values', () => {
  assert.equal(cacheKey(['run', '--rm', 'busybox', 'true']), 'run');
  assert.equal(cacheKey(['-H', 'unix:///x.sock', 'ps', '-a']), 'ps');
  assert.equal(cacheKey(['--host', 'unix:///x.sock', '-D', 'daemon']), 'daemon');
  assert.equal(cacheKey(['--host=unix:///x.sock', 'image', 'ls']), 'image');
  assert.equal(cacheKey(['--version']), '_');
  assert.equal(cacheKey([]), '_');
});

test('a word that could not be a verb never names a file', () => {
  assert.equal(cacheKey(['../../etc/passwd']), '_');
  assert.equal(cacheKey(['Run']), '_');
  assert.equal(cacheKey(['averyveryverylongword']), '_');
});
