// The compose operations against a real daemon, on Project values built here (the loader is tested on its
// own): up in dependency order with a healthy-wait, aliases resolving services by name, idempotent up,
// one edited service recreated alone, a named volume surviving down/up and gone after down -v, conditions
// that fail, and a failed up that down cleans completely.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { startDaemon, uniqueName, ok, type Daemon } from './harness.ts';
import { createClient } from '../src/cli/http.ts';
import { composeOpsContext } from '../src/cli/commands/compose-context.ts';
import { up, down, projectContainers, containerNameOf, type OpsContext } from '../src/compose/ops/index.ts';
import { testProject, testService } from '../src/compose/ops/testing.ts';
import { LABEL, type Project, type Service } from '../src/compose/types.ts';

let d: Daemon;
before(async () => { d = await startDaemon(); });
after(async () => { await d?.cleanup(); });
afterEach((t) => d?.reportFailure(t));

/** an OpsContext on the test daemon whose progress lines are kept */
function context(): { ctx: OpsContext; lines: () => string[] } {
  const progress = new PassThrough();
  let text = '';
  progress.on('data', (b: Buffer) => (text += b.toString()));
  const ctx = composeOpsContext(createClient(d.host), { progress, out: new PassThrough().resume() });
  return { ctx, lines: () => text.split('\n').filter(Boolean) };
}

const healthy = { condition: 'service_healthy' as const, required: true, restart: false };
const httpCheck = { test: ['CMD-SHELL', 'wget -q -O /dev/null http://127.0.0.1/'], interval: 300e6, timeout: 2e9, retries: 20 };

/** db: busybox httpd serving a token it writes once onto the named volume; web: depends on db being healthy */
function app(name: string, webEnv: Record<string, string> = {}, dbEnv: Record<string, string> = {}): Project {
  const db = testService('db', {
    environment: dbEnv,
    image: 'busybox',
    command: ['sh', '-c', '[ -f /www/index.html ] || echo "token-$RANDOM$RANDOM" > /www/index.html; exec httpd -f -p 80 -h /www'],
    volumes: [{ type: 'volume', source: 'data', target: '/www', readOnly: false }],
    healthcheck: httpCheck,
    stopGracePeriod: 1,
  });
  const web = testService('web', { image: 'busybox', command: ['sleep', '600'], environment: webEnv, dependsOn: { db: { ...healthy, restart: true } }, stopGracePeriod: 1 });
  return testProject(name, [db, web], { volumes: { data: { name: `${name}_data`, external: false, driverOpts: {}, labels: {} } } });
}

async function leftovers(project: string): Promise<string[]> {
  const f = `label=${LABEL.project}=${project}`;
  const out: string[] = [];
  for (const args of [['ps', '-a', '-q', '--filter', f], ['network', 'ls', '-q', '--filter', f], ['volume', 'ls', '-q', '--filter', f]]) {
    const r = await d.docker(args);
    ok(r);
    out.push(...r.stdout.split('\n').filter(Boolean).map((x) => `${args[0]} ${x}`));
  }
  return out;
}

const ids = async (ctx: OpsContext, project: string) =>
  Object.fromEntries((await projectContainers(ctx.api, project)).map((c) => [containerNameOf(c), c.Id]));

test('up: dependency order with a healthy wait, names resolve, idempotent, one edited service recreated, volume kept until down -v', async () => {
  const name = uniqueName('cops').toLowerCase();
  const { ctx, lines } = context();
  await up(ctx, app(name), { services: [], pollMs: 200 });
  const log = lines();
  const at = (l: string) => log.indexOf(l);
  for (const l of [` Network ${name}_default  Created`, ` Volume "${name}_data"  Created`, ` Container ${name}-db-1  Started`, ` Container ${name}-db-1  Healthy`, ` Container ${name}-web-1  Started`]) {
    assert.ok(at(l) >= 0, `${l} in\n${log.join('\n')}`);
  }
  assert.ok(at(` Container ${name}-db-1  Healthy`) < at(` Container ${name}-web-1  Starting`), 'web starts after db is healthy');

  // the objects as docker compose makes them
  const web = JSON.parse((await d.docker(['inspect', `${name}-web-1`])).stdout)[0];
  assert.equal(web.Config.Labels[LABEL.project], name);
  assert.equal(web.Config.Labels[LABEL.service], 'web');
  assert.equal(web.Config.Labels[LABEL.number], '1');
  assert.equal(web.Config.Labels[LABEL.oneoff], 'False');
  assert.equal(web.Config.Labels[LABEL.dependsOn], 'db:service_healthy:true');
  assert.match(web.Config.Labels[LABEL.configHash], /^[0-9a-f]{64}$/);
  assert.ok(web.NetworkSettings.Networks[`${name}_default`], 'on the project network');

  // web reaches db by its service name (an alias on the project network)
  const got = await d.docker(['exec', `${name}-web-1`, 'wget', '-q', '-O-', 'http://db/']);
  ok(got);
  const token = got.stdout.trim();
  assert.match(token, /^token-\d+$/);

  const before = await ids(ctx, name);
  const again = context();
  await up(again.ctx, app(name), { services: [], pollMs: 200 });
  assert.deepEqual(await ids(ctx, name), before, 'a second up changes nothing');
  assert.ok(again.lines().includes(` Container ${name}-web-1  Running`), again.lines().join('\n'));

  const edit = context();
  await up(edit.ctx, app(name, { EDITED: '1' }), { services: [], pollMs: 200 });
  const after1 = await ids(ctx, name);
  assert.equal(after1[`${name}-db-1`], before[`${name}-db-1`], 'db kept');
  assert.notEqual(after1[`${name}-web-1`], before[`${name}-web-1`], 'web recreated');
  assert.ok(edit.lines().includes(` Container ${name}-web-1  Recreated`));
  assert.ok(!edit.lines().some((l) => l.includes(`${name}-db-1  Recreate`)));

  // db edited: db recreated, web (depends_on db with restart: true) kept and restarted
  const startedAt = async (c: string) => JSON.parse((await d.docker(['inspect', c])).stdout)[0].State.StartedAt as string;
  const webStarted = await startedAt(`${name}-web-1`);
  const dbEdit = context();
  await up(dbEdit.ctx, app(name, { EDITED: '1' }, { DB_EDITED: '1' }), { services: [], pollMs: 200 });
  const after2 = await ids(ctx, name);
  assert.notEqual(after2[`${name}-db-1`], after1[`${name}-db-1`], 'db recreated');
  assert.equal(after2[`${name}-web-1`], after1[`${name}-web-1`], 'web kept');
  assert.ok(dbEdit.lines().includes(` Container ${name}-web-1  Restarting`), dbEdit.lines().join('\n'));
  assert.notEqual(await startedAt(`${name}-web-1`), webStarted, 'web restarted');

  await down(ctx, app(name, { EDITED: '1' }), { timeout: 1 });
  assert.deepEqual(await leftovers(name), [`volume ${name}_data`], 'down keeps the named volume');
  await up(ctx, app(name), { services: [], pollMs: 200 });
  const kept = await d.docker(['exec', `${name}-web-1`, 'wget', '-q', '-O-', 'http://db/']);
  assert.equal(kept.stdout.trim(), token, 'the data survived down/up');
  await down(ctx, app(name), { volumes: true, timeout: 1 });
  assert.deepEqual(await leftovers(name), []);
});

test('failed ups (a missing image, a taken port, an unhealthy or failed dependency) leave nothing down cannot remove', async () => {
  const name = uniqueName('cops-bad').toLowerCase();
  const { ctx } = context();
  const s = (n: string, o: Partial<Service>) => testService(n, { image: 'busybox', command: ['sleep', '600'], stopGracePeriod: 1, ...o });

  await assert.rejects(up(ctx, testProject(name, [s('a', {}), s('b', { image: 'nosuch-image-here' })]), { services: [] }), /nosuch-image-here/);
  await down(ctx, testProject(name, [s('a', {}), s('b', {})]), { timeout: 1 });
  assert.deepEqual(await leftovers(name), []);

  const port = String(20000 + Math.floor(Math.random() * 20000));
  const published = [{ target: 80, published: port, protocol: 'tcp' as const, mode: 'ingress' as const }];
  const clash = testProject(name, [s('one', { ports: published }), s('two', { ports: published })]);
  await assert.rejects(up(ctx, clash, { services: [] }), (err: Error) => /already|in use|allocated/i.test(err.message));
  assert.ok((await leftovers(name)).length > 0, 'the failed up left labelled objects');
  await down(ctx, clash, { timeout: 1 });
  assert.deepEqual(await leftovers(name), []);

  const sick = testProject(name, [s('db', { healthcheck: { test: ['CMD', 'false'], interval: 200e6, retries: 2 } }), s('app', { dependsOn: { db: healthy } })]);
  await assert.rejects(up(ctx, sick, { services: [], pollMs: 200 }), new RegExp(`dependency failed to start: container ${name}-db-1 is unhealthy`));
  const done = { condition: 'service_completed_successfully' as const, required: true, restart: false };
  const failing = testProject(name, [s('init', { command: ['sh', '-c', 'exit 3'] }), s('app', { dependsOn: { init: done } })]);
  await assert.rejects(up(ctx, failing, { services: [], pollMs: 200 }), /service "init" didn't complete successfully: exit 3/);
  await down(ctx, testProject(name, [s('db', {}), s('app', {}), s('init', {})]), { timeout: 1 });
  assert.deepEqual(await leftovers(name), []);
});
