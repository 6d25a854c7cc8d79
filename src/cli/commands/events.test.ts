import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventLine, eventTimestamp } from './events.ts';

test('--since/--until: durations back from now, unix times as given, dates to seconds.nanoseconds', () => {
  const now = Date.parse('2026-01-01T00:10:00Z');
  assert.equal(eventTimestamp('10m', now), String(Date.parse('2026-01-01T00:00:00Z') / 1000));
  assert.equal(eventTimestamp('1700000000.5', now), '1700000000.5');
  assert.equal(eventTimestamp('2026-01-01T00:00:00.123456789Z', now), `${Date.parse('2026-01-01T00:00:00Z') / 1000}.123456789`);
  assert.throws(() => eventTimestamp('soon', now), /failed to parse value as time or duration/);
});

test('the default line: time, type, action, id, attributes sorted by key', () => {
  const m = { Type: 'container', Action: 'die', Actor: { ID: 'abc', Attributes: { name: 'x', exitCode: '3', image: 'busybox' } }, scope: 'local', time: 0, timeNano: 0 };
  const line = eventLine(m, 1767225600123456789n);
  assert.match(line, /^2026-01-01T\d\d:00:00\.123456789(Z|[+-]\d\d:\d\d) container die abc \(exitCode=3, image=busybox, name=x\)\n$/);
});
