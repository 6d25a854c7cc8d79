import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goDurationError, parseGoDuration } from './units.ts';

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

test('goDurationError: Go\'s words for a bad duration', () => {
  assert.equal(goDurationError('5'), 'time: missing unit in duration "5"');
  assert.equal(goDurationError('5x'), 'time: unknown unit "x" in duration "5x"');
  assert.equal(goDurationError('1s5d'), 'time: unknown unit "d" in duration "1s5d"');
  assert.equal(goDurationError('abc'), 'time: invalid duration "abc"');
});
