import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cronParseError, parseCronSchedule } from './cron-schedule.ts';
import { rfc3339In, timeZoneError, zonedTime } from './time-zone.ts';

const at = (s: string) => Date.parse(s);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const next = (spec: string, from: string, zone = 'UTC') => iso(parseCronSchedule(spec, zone).next(at(from)));

test('next: minutes, steps, ranges, lists, names, descriptors (UTC)', () => {
  assert.equal(next('* * * * *', '2026-12-05T07:30:00Z'), '2026-12-05T07:31:00.000Z');
  assert.equal(next('* * * * *', '2026-12-05T07:30:59.500Z'), '2026-12-05T07:31:00.000Z');
  assert.equal(next('*/15 * * * *', '2026-12-05T07:31:00Z'), '2026-12-05T07:45:00.000Z');
  assert.equal(next('5-10/5 9 * * *', '2026-12-05T09:06:00Z'), '2026-12-05T09:10:00.000Z');
  assert.equal(next('0 0 1 jan *', '2026-12-05T00:00:00Z'), '2027-01-01T00:00:00.000Z');
  assert.equal(next('30 8 * * MON-FRI', '2026-12-05T07:00:00Z'), '2026-12-07T08:30:00.000Z', 'Saturday → Monday');
  assert.equal(next('@hourly', '2026-12-05T07:30:00Z'), '2026-12-05T08:00:00.000Z');
  assert.equal(next('@daily', '2026-12-05T07:30:00Z'), '2026-12-06T00:00:00.000Z');
  assert.equal(next('@weekly', '2026-12-05T07:30:00Z'), '2026-12-06T00:00:00.000Z', 'Sunday');
  assert.equal(next('@monthly', '2026-12-05T07:30:00Z'), '2027-01-01T00:00:00.000Z');
  assert.equal(next('@yearly', '2026-12-05T07:30:00Z'), '2027-01-01T00:00:00.000Z');
  assert.equal(next('@every 90s', '2026-12-05T07:30:00.400Z'), '2026-12-05T07:31:30.000Z');
  // day of month OR day of week when both are restricted, AND when either is *
  assert.equal(next('0 0 13 * FRI', '2026-12-05T00:00:00Z'), '2026-12-11T00:00:00.000Z');
  assert.equal(next('0 0 29 2 *', '2026-12-05T00:00:00Z'), '2028-02-29T00:00:00.000Z');
  assert.equal(next('59 23 31 2 *', '2026-12-05T00:00:00Z'), undefined, 'never: 31 February');
});

test('next: in a time zone, across DST', () => {
  assert.equal(next('0 9 * * *', '2026-12-05T07:00:00Z', 'America/New_York'), '2026-12-05T14:00:00.000Z');
  assert.equal(next('0 9 * * *', '2026-12-05T07:00:00Z', 'Asia/Kolkata'), '2026-12-06T03:30:00.000Z');
  // New York springs forward on 2027-03-14 (02:00 → 03:00): 09:00 is then 13:00Z
  assert.equal(next('0 9 * * *', '2027-03-14T00:00:00Z', 'America/New_York'), '2027-03-14T13:00:00.000Z');
  assert.equal(next('0 9 * * *', '2027-03-13T00:00:00Z', 'America/New_York'), '2027-03-13T14:00:00.000Z');
  // as robfig walks it: a wall time in the spring-forward gap is skipped that day, one in the fall-back overlap runs twice
  assert.equal(next('30 2 * * *', '2027-03-13T12:00:00Z', 'America/New_York'), '2027-03-15T06:30:00.000Z');
  assert.equal(next('30 1 * * *', '2026-10-31T12:00:00Z', 'America/New_York'), '2026-11-01T05:30:00.000Z');
  assert.equal(next('30 1 * * *', '2026-11-01T05:30:00Z', 'America/New_York'), '2026-11-01T06:30:00.000Z');
  assert.equal(next('TZ=Europe/Berlin 0 12 * * *', '2026-12-05T00:00:00Z'), '2026-12-05T11:00:00.000Z');
  assert.equal(zonedTime('Europe/Berlin', 2026, 7, 1, 12), at('2026-07-01T10:00:00Z'));
  assert.equal(rfc3339In(at('2026-12-05T14:00:00Z'), 'America/New_York'), '2026-12-05T09:00:00-05:00');
  assert.equal(rfc3339In(at('2026-12-05T14:00:00Z'), ''), '2026-12-05T14:00:00Z');
  // zone names as Go's LoadLocation takes them: aliases yes, another case no
  assert.equal(timeZoneError('US/Eastern'), undefined);
  assert.equal(timeZoneError('america/new_york'), 'unknown time zone america/new_york');
  assert.equal(timeZoneError('utc'), 'unknown time zone utc');
});

test('parse errors carry robfig/cron v3 texts', () => {
  assert.equal(cronParseError('*/5 * * * *'), undefined);
  assert.equal(cronParseError(''), 'empty spec string');
  assert.equal(cronParseError('* * * *'), 'expected exactly 5 fields, found 4: [* * * *]');
  assert.equal(cronParseError('61 * * * *'), 'end of range (61) above maximum (59): 61');
  assert.equal(cronParseError('* * 0 * *'), 'beginning of range (0) below minimum (1): 0');
  assert.equal(cronParseError('5-2 * * * *'), 'beginning of range (5) beyond end of range (2): 5-2');
  assert.equal(cronParseError('*/0 * * * *'), 'step of range should be a positive number: */0');
  assert.equal(cronParseError('1-2-3 * * * *'), 'too many hyphens: 1-2-3');
  assert.equal(cronParseError('1/2/3 * * * *'), 'too many slashes: 1/2/3');
  assert.equal(cronParseError('x * * * *'), 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax');
  assert.equal(cronParseError('@often'), 'unrecognized descriptor: @often');
  assert.equal(cronParseError('@every 5x'), 'failed to parse duration @every 5x: time: unknown unit "x" in duration "5x"');
  assert.equal(cronParseError('TZ=Mars/Olympus * * * * *'), 'provided bad location Mars/Olympus: unknown time zone Mars/Olympus');
});
