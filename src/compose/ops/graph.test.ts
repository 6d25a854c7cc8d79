import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startOrder, withDependencies } from './graph.ts';
import { stopOrder, stopWaves } from './down.ts';
import { testProject, testService } from './testing.ts';
import { LABEL } from '../types.ts';
import type { ContainerSummary } from './docker.ts';

const dep = { condition: 'service_started' as const, required: true, restart: false };
const app = testProject('p', [
  testService('web', { dependsOn: { api: dep } }),
  testService('api', { dependsOn: { db: dep, cache: dep } }),
  testService('db'),
  testService('cache'),
  testService('tool'),
]);

test('dependencies start first; independent services keep the file order', () => {
  assert.deepEqual(startOrder(app), ['db', 'cache', 'api', 'web', 'tool']);
});

test('naming services takes their dependencies along unless --no-deps', () => {
  assert.deepEqual(withDependencies(app, ['api']), ['api', 'db', 'cache']);
  assert.deepEqual(startOrder(app, withDependencies(app, ['api'])), ['db', 'cache', 'api']);
  assert.deepEqual(withDependencies(app, ['web'], true), ['web']);
  assert.deepEqual(startOrder(app, ['web']), ['web']);
  assert.throws(() => withDependencies(app, ['nope']), /no such service: nope/);
});

test('a cycle is named', () => {
  const p = testProject('p', [testService('a', { dependsOn: { b: dep } }), testService('b', { dependsOn: { c: dep } }), testService('c', { dependsOn: { a: dep } })]);
  assert.throws(() => startOrder(p), /dependency cycle detected: a -> b -> c -> a/);
});

test('down stops dependents before their dependencies, unknown services first', () => {
  const c = (service: string): ContainerSummary => ({ Id: service, Names: [`/p-${service}-1`], Image: '', ImageID: '', Command: '', Created: 0, State: 'running', Status: '', Labels: { [LABEL.service]: service } });
  assert.deepEqual(stopOrder(app, [c('db'), c('web'), c('gone'), c('api'), c('cache')]).map((x) => x.Id), ['gone', 'web', 'api', 'db', 'cache']);
});

test('down stops in waves: each wave at once, dependents before their dependencies', () => {
  const c = (service: string, n = 1): ContainerSummary => ({ Id: `${service}${n}`, Names: [`/p-${service}-${n}`], Image: '', ImageID: '', Command: '', Created: 0, State: 'running', Status: '', Labels: { [LABEL.service]: service } });
  const waves = stopWaves(app, [c('db'), c('web'), c('web', 2), c('tool'), c('api'), c('cache')]).map((w) => w.map((x) => x.Id).sort());
  assert.deepEqual(waves, [['web1', 'web2'], ['api1'], ['cache1', 'db1', 'tool1']]);
});

test('up starts independent services at once, each after its dependencies; a failure stops its dependents only', async () => {
  const { startAll } = await import('./up.ts');
  const { setTimeout: sleep } = await import('node:timers/promises');
  const events: string[] = [];
  const start = async (name: string) => {
    events.push(`+${name}`);
    await sleep(name === 'db' ? 30 : 5);
    if (name === 'cache' && fail) throw new Error('cache broke');
    events.push(`-${name}`);
  };
  let fail = false;
  await startAll(startOrder(app), start, app);
  // db, cache and tool begin together; api after both of its dependencies, web after api
  assert.deepEqual(events.slice(0, 3).sort(), ['+cache', '+db', '+tool']);
  assert.ok(events.indexOf('+api') > events.indexOf('-db') && events.indexOf('+api') > events.indexOf('-cache'));
  assert.ok(events.indexOf('+web') > events.indexOf('-api'));
  events.length = 0;
  fail = true;
  await assert.rejects(startAll(startOrder(app), start, app), /cache broke/);
  assert.ok(!events.includes('+api') && !events.includes('+web'), events.join(' '));
  assert.ok(events.includes('-db') && events.includes('-tool'), 'the others finished');
});
