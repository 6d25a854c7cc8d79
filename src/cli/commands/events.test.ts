import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventLine, eventTemplateData, eventTimestamp } from './events.ts';
import { parseTemplate } from '../template.ts';

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

test('--format: Go field names in templates; {{json .}} is the message as the daemon sent it', () => {
  const m = { status: 'start', id: 'abc', from: 'busybox', Type: 'container', Action: 'start', Actor: { ID: 'abc', Attributes: { name: 'x' } }, scope: 'local', time: 1767225600, timeNano: 0 };
  const data = eventTemplateData(m, 1767225600123456789n);
  assert.equal(parseTemplate('{{.Status}} {{.ID}} {{.Actor.Attributes.name}} {{.Scope}} {{.TimeNano}}').execute(data), 'start abc x local 1767225600123456789');
  assert.equal(parseTemplate('{{json .}}').execute(data), '{"status":"start","id":"abc","from":"busybox","Type":"container","Action":"start","Actor":{"ID":"abc","Attributes":{"name":"x"}},"scope":"local","time":1767225600,"timeNano":1767225600123456789}');
});
