import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goDurationError, humanDuration, parseGoDuration, pruneUntil, timestampMs } from './units.ts';

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

test('timestampMs and pruneUntil: a prune\'s until as docker reads it (durations back from now)', () => {
  const now = Date.parse('2026-01-01T12:00:00Z');
  assert.equal(timestampMs('1h', now), now - 3_600_000);
  assert.equal(timestampMs('90m', now), now - 5_400_000);
  assert.equal(timestampMs('1700000000', now), 1_700_000_000_000);
  assert.equal(timestampMs('1700000000.5', now), 1_700_000_000_500);
  assert.equal(timestampMs('2026-01-01T10:00:00Z', now), Date.parse('2026-01-01T10:00:00Z'));
  assert.equal(timestampMs('2026-01-01', now), new Date(2026, 0, 1).getTime());
  assert.throws(() => timestampMs('soon', now), /failed to parse value as time or duration: "soon"/);
  assert.throws(() => timestampMs('2026-13-45', now), /failed to parse value as time or duration/);
  assert.equal(pruneUntil({}, now), undefined);
  assert.equal(pruneUntil({ until: ['10m'], label: ['a'] }, now), now - 600_000);
  assert.throws(() => pruneUntil({ until: ['1h', '2h'] }, now), /more than one until filter specified/);
});

test('humanDuration: go-units\' HumanDuration (seconds and minutes cut down, hours rounded)', () => {
  const cases: Array<[number, string]> = [
    [999, 'Less than a second'], [1500, '1 second'], [59_900, '59 seconds'], [60_000, 'About a minute'],
    [119_000, 'About a minute'], [150_000, '2 minutes'], [59 * 60_000 + 59_000, '59 minutes'], [89 * 60_000, 'About an hour'],
    [90 * 60_000, '2 hours'], [47 * 3_600_000, '47 hours'], [60 * 3_600_000, '2 days'], [15 * 86_400_000, '2 weeks'],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `${ms} ms`);
});
