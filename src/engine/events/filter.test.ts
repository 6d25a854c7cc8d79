import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkEventFilters, eventMatches } from './filter.ts';
import type { EventMessage } from '../types.ts';

const msg = (Type: EventMessage['Type'], Action: string, ID: string, Attributes: Record<string, string>): EventMessage =>
  ({ Type, Action, Actor: { ID, Attributes }, scope: 'local', time: 1, timeNano: 1n });

test('event filters: health_status/exec_* match by prefix, others exactly', () => {
  const h = msg('container', 'health_status: healthy', 'c', {});
  assert.ok(eventMatches({ event: ['health_status'] }, h));
  assert.ok(!eventMatches({ event: ['health'] }, h));
  assert.ok(eventMatches({ event: ['exec_start'] }, msg('container', 'exec_start: sh -c true', 'c', {})));
  assert.ok(!eventMatches({ event: ['star'] }, msg('container', 'start', 'c', {})));
});

test('label filters: every key or key=value must be among the attributes', () => {
  const m = msg('container', 'start', 'c', { a: '1', b: '2', name: 'x' });
  assert.ok(eventMatches({ label: ['a', 'b=2'] }, m));
  assert.ok(!eventMatches({ label: ['a=2'] }, m));
  assert.ok(!eventMatches({ label: ['c'] }, m));
});

test('a container filter keeps out other kinds of events; volume/network by name', () => {
  assert.ok(!eventMatches({ container: ['web'] }, msg('image', 'tag', 'sha256:1', { name: 'busybox' })));
  assert.ok(eventMatches({ network: ['front'] }, msg('network', 'connect', 'n123', { name: 'front', container: 'c' })));
  assert.ok(eventMatches({ volume: ['data'] }, msg('volume', 'mount', 'data', { driver: 'local' })));
  assert.ok(eventMatches({ scope: ['local'] }, msg('volume', 'mount', 'data', {})));
  assert.ok(!eventMatches({ scope: ['swarm'] }, msg('volume', 'mount', 'data', {})));
});

test('unknown filter keys are refused with docker\'s wording', () => {
  assert.throws(() => checkEventFilters({ bogus: ['x'] }), /invalid filter 'bogus'/);
  checkEventFilters({ container: ['x'], type: ['image'] });
});
