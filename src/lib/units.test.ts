import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGoDuration } from './units.ts';

test('parseGoDuration: durations as Go parses them, in nanoseconds', () => {
  assert.equal(parseGoDuration('1s'), 1e9);
  assert.equal(parseGoDuration('500ms'), 5e8);
  assert.equal(parseGoDuration('1m30s'), 90e9);
  assert.equal(parseGoDuration('1.5s'), 1.5e9);
  assert.equal(parseGoDuration('-2s'), -2e9);
  assert.equal(parseGoDuration('0'), 0);
  assert.equal(parseGoDuration('10'), null);
  assert.equal(parseGoDuration('1x'), null);
  assert.equal(parseGoDuration(''), null);
});
