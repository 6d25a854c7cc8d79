import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serviceOrder, findCycle } from './order.ts';
import type { Service } from '../types.ts';

const svc = (deps: string[]): Service => ({ dependsOn: Object.fromEntries(deps.map((d) => [d, { condition: 'service_started', required: true, restart: false }])) }) as unknown as Service;

test('serviceOrder: dependencies first, ties by name; named services bring their dependencies', () => {
  const services = { web: svc(['api', 'cache']), api: svc(['db']), db: svc([]), cache: svc([]), worker: svc(['db']), optional: svc(['gone']) };
  assert.deepEqual(serviceOrder({ services }), ['cache', 'db', 'optional', 'api', 'worker', 'web']);
  assert.deepEqual(serviceOrder({ services }, ['web']), ['cache', 'db', 'api', 'web']);
  assert.deepEqual(serviceOrder({ services }, ['worker', 'cache']), ['cache', 'db', 'worker']);
  assert.throws(() => serviceOrder({ services }, ['nope']), { kind: 'NotFound', message: 'no such service: nope' });
});

test('findCycle: the path of a cycle, or null', () => {
  assert.equal(findCycle({ a: svc(['b']), b: svc([]) }), null);
  assert.deepEqual(findCycle({ a: svc(['b']), b: svc(['a']) }), ['a', 'b', 'a']);
  assert.deepEqual(findCycle({ x: svc(['x']) }), ['x', 'x']);
  assert.throws(() => serviceOrder({ services: { a: svc(['b']), b: svc(['a']) } }), { message: 'dependency cycle detected: a -> b -> a' });
});
