import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeEvent, parseEventTime } from './events.ts';

test('since/until: the docker CLI\'s seconds.nanoseconds, whole seconds, RFC 3339', () => {
  assert.equal(parseEventTime('1700000000.123456789'), 1700000000123456789n);
  assert.equal(parseEventTime('1700000000.5'), 1700000000500000000n);
  assert.equal(parseEventTime('1700000000'), 1700000000000000000n);
  assert.equal(parseEventTime('2023-11-14T22:13:20.000001Z'), 1700000000000001000n);
  assert.equal(parseEventTime(null), undefined);
  assert.throws(() => parseEventTime('yesterday'), /invalid timestamp/);
});

test('a line keeps docker\'s field order and timeNano exact', () => {
  const line = encodeEvent({
    status: 'start', id: 'abc', from: 'busybox', Type: 'container', Action: 'start', Actor: { ID: 'abc', Attributes: { name: 'x' } },
    scope: 'local', time: 1700000000, timeNano: 1700000000123456789n,
  });
  assert.equal(line, '{"status":"start","id":"abc","from":"busybox","Type":"container","Action":"start","Actor":{"ID":"abc","Attributes":{"name":"x"}},"scope":"local","time":1700000000,"timeNano":1700000000123456789}\n');
  const net = encodeEvent({ Type: 'network', Action: 'create', Actor: { ID: 'n', Attributes: {} }, scope: 'local', time: 1, timeNano: 1n });
  assert.ok(net.startsWith('{"Type":"network"'));
});
