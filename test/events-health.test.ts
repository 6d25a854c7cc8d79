// Events and healthchecks with a real daemon and real containers: `skiff events` and `docker events`
// see a `run --rm` as docker reports it; healthchecks turn containers healthy and unhealthy.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { ok, startDaemon, importBusybox, uniqueName, waitFor, type Daemon } from './harness.ts';

let d: Daemon;
before(async () => {
  d = await startDaemon();
  await importBusybox(d);
});
after(async () => { await d?.cleanup(); });
afterEach((t) => d?.reportFailure(t));

/** unix seconds with nanoseconds, as the docker CLI sends since/until */
const stamp = (ms: number) => (ms / 1000).toFixed(3);

test('events --since/--until show a run --rm in order: create, attach, start, die, destroy', async () => {
  const name = uniqueName('ev');
  const t0 = Date.now();
  await sleep(5);
  const run = await d.skiff(['run', '--rm', '--name', name, '--label', 'team=blue', 'busybox', 'sh', '-c', 'exit 3']);
  assert.equal(run.code, 3, run.stderr);
  await sleep(5);
  const t1 = Date.now();
  const filter = ['--filter', `container=${name}`];
  const r = await d.skiff(['events', '--since', stamp(t0), '--until', stamp(t1), ...filter]);
  ok(r);
  const lines = r.stdout.trim().split('\n');
  assert.deepEqual(lines.map((l) => l.split(' ')[2]), ['create', 'attach', 'start', 'die', 'destroy'], r.stdout);
  // `2026-…Z container die <id> (exitCode=3, image=busybox, name=…, team=blue)`
  assert.match(lines[3], new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}(Z|[+-]\\d\\d:\\d\\d) container die [0-9a-f]{64} \\(exitCode=3, image=busybox, name=${name}, team=blue\\)$`));

  // the real docker CLI reads the same stream
  const dr = await d.docker(['events', '--since', stamp(t0), '--until', stamp(t1), ...filter, '--format', '{{.Status}} {{.Actor.Attributes.name}}']);
  ok(dr);
  assert.equal(dr.stdout, ['create', 'attach', 'start', 'die', 'destroy'].map((a) => `${a} ${name}\n`).join(''));
  const json = await d.docker(['events', '--since', stamp(t0), '--until', stamp(t1), ...filter, '--filter', 'event=die', '--format', '{{json .}}']);
  ok(json);
  const m = JSON.parse(json.stdout) as Record<string, unknown>;
  assert.equal(m.Type, 'container');
  assert.equal(m.from, 'busybox');
  assert.equal(m.scope, 'local');
});

test('a live events stream sees kill, stop, pause, rename and image tag as they happen', async () => {
  const name = uniqueName('live');
  const tag = `${uniqueName('tagged').toLowerCase()}:v1`;
  const until = Date.now() + 10_000;
  const format = '{{.Type}} {{.Action}} {{.Actor.Attributes.name}} {{index .Actor.Attributes "signal"}}{{index .Actor.Attributes "oldName"}}';
  const stream = d.docker(['events', '--since', stamp(Date.now()), '--until', stamp(until), '--format', format], { timeoutMs: 40_000 });
  await sleep(300);
  ok(await d.skiff(['run', '-d', '--name', name, 'busybox', 'sleep', '60']));
  ok(await d.skiff(['pause', name]));
  ok(await d.skiff(['unpause', name]));
  ok(await d.skiff(['rename', name, `${name}-2`]));
  ok(await d.skiff(['stop', '-t', '1', `${name}-2`]));
  ok(await d.skiff(['rm', `${name}-2`]));
  ok(await d.skiff(['tag', 'busybox', tag]));
  ok(await d.skiff(['rmi', tag]));
  const r = await stream;
  const lines = r.stdout.split('\n').filter((l) => l.includes(name) || l.startsWith('image'));
  const want = [
    `container create ${name} `, `container start ${name} `, `container pause ${name} `, `container unpause ${name} `,
    `container rename ${name}-2 /${name}`, `container kill ${name}-2 15`, `container die ${name}-2 `, `container stop ${name}-2 `,
    `container destroy ${name}-2 `, `image tag ${tag} `,
  ];
  for (const w of want) assert.ok(lines.includes(w), `missing ${JSON.stringify(w)} in:\n${r.stdout}`);
  assert.ok(lines.some((l) => l.startsWith('image untag ')), r.stdout);
});
