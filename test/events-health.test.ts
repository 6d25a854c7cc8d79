// Events and healthchecks with a real daemon and real containers: `skiff events` and `docker events`
// see a `run --rm` as docker reports it; healthchecks turn containers healthy and unhealthy.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { ok, run, startDaemon, importBusybox, uniqueName, waitFor, BUSYBOX_CHANGES, BUSYBOX_TAR, DOCKER, type Daemon } from './harness.ts';

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
  // `2026-…Z container die <id> (execDuration=0, exitCode=3, image=busybox, name=…, team=blue)`
  assert.match(lines[3], new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}(Z|[+-]\\d\\d:\\d\\d) container die [0-9a-f]{64} \\(execDuration=0, exitCode=3, image=busybox, name=${name}, team=blue\\)$`));

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

test('a live events stream sees kill, stop, pause, rename, update, cp, prune and image tag as they happen', async () => {
  const name = uniqueName('live');
  const tag = `${uniqueName('tagged').toLowerCase()}:v1`;
  const format = '{{.Type}} {{.Action}} {{.Actor.Attributes.name}} {{index .Actor.Attributes "signal"}}{{index .Actor.Attributes "oldName"}}';
  const listeners = async () => Number((await d.docker(['info', '--format', '{{.NEventsListener}}'])).stdout.trim());
  const stream = spawn(DOCKER, ['events', '--format', format], { env: { ...process.env, ...d.env } as Record<string, string> });
  let out = '';
  stream.stdout.on('data', (b: Buffer) => (out += b.toString()));
  const closed = once(stream, 'close');
  try {
    await waitFor('the events stream to be open', async () => (await listeners()) === 1, 20_000, 100);
    ok(await d.skiff(['run', '-d', '--name', name, 'busybox', 'sleep', '60']));
    ok(await d.skiff(['pause', name]));
    ok(await d.skiff(['unpause', name]));
    ok(await d.docker(['cp', `${name}:/etc/hostname`, '-']));
    ok(await d.docker(['update', '--pids-limit', '100', name]));
    ok(await d.skiff(['rename', name, `${name}-2`]));
    ok(await d.skiff(['stop', '-t', '1', `${name}-2`]));
    ok(await d.skiff(['rm', `${name}-2`]));
    ok(await d.skiff(['tag', 'busybox', tag]));
    ok(await d.skiff(['rmi', tag]));
    ok(await d.docker(['container', 'prune', '-f']));
    await waitFor('the prune event on the stream', () => out.includes('container prune'), 20_000);
  } finally {
    stream.kill('SIGINT');
    await closed;
  }
  const lines = out.split('\n').filter((l) => l.includes(name) || l.startsWith('image') || l.startsWith('container prune'));
  const want = [
    `container create ${name} `, `container start ${name} `, `container pause ${name} `, `container unpause ${name} `, `container archive-path ${name} `, `container update ${name} `,
    `container rename ${name}-2 /${name}`, `container kill ${name}-2 15`, `container die ${name}-2 `, `container stop ${name}-2 `,
    `container destroy ${name}-2 `, `image tag ${tag} `,
  ];
  for (const w of want) assert.ok(lines.includes(w), `missing ${JSON.stringify(w)} in:\n${out}`);
  assert.ok(lines.some((l) => l.startsWith('image untag ')), out);
  // the stream ends on the daemon's side when the client goes away
  await waitFor('the listener to go', async () => (await listeners()) === 0, 10_000, 100);
});

interface Inspected {
  State: { Status: string; Health?: { Status: string; FailingStreak: number; Log: Array<{ ExitCode: number; Output: string; Start: string; End: string }> } };
  Config: { Healthcheck?: { Test?: string[]; Interval?: number; Retries?: number } };
}
const inspect = async (name: string) => {
  const r = await d.docker(['inspect', name]);
  ok(r);
  return (JSON.parse(r.stdout) as Inspected[])[0];
};

test('--health-cmd true --health-interval 1s turns healthy: inspect, ps and events say so', async () => {
  const name = uniqueName('hc-ok');
  const t0 = Date.now();
  ok(await d.skiff(['run', '-d', '--name', name, '--health-cmd', 'echo probing; true', '--health-interval', '1s', 'busybox', 'sleep', '300']));
  try {
    const first = await inspect(name);
    assert.deepEqual(first.Config.Healthcheck, { Test: ['CMD-SHELL', 'echo probing; true'], Interval: 1e9 });
    await waitFor('healthy', async () => (await inspect(name)).State.Health?.Status === 'healthy', 20_000, 200);
    const i = await inspect(name);
    assert.equal(i.State.Health!.FailingStreak, 0);
    assert.equal(i.State.Health!.Log.at(-1)!.ExitCode, 0);
    assert.equal(i.State.Health!.Log.at(-1)!.Output, 'probing\n');
    const ps = await d.skiff(['ps', '--filter', `name=${name}`, '--format', '{{.Status}}']);
    ok(ps);
    assert.match(ps.stdout, /^Up .* \(healthy\)\n$/);
    const dps = await d.docker(['ps', '--filter', 'health=healthy', '--format', '{{.Names}}']);
    ok(dps);
    assert.ok(dps.stdout.split('\n').includes(name), dps.stdout);
    const none = await d.docker(['ps', '--filter', 'health=unhealthy', '--format', '{{.Names}}']);
    assert.ok(!none.stdout.split('\n').includes(name));
    const ev = await d.skiff(['system', 'events', '--since', stamp(t0), '--until', stamp(Date.now()), '--filter', `container=${name}`, '--filter', 'event=health_status']);
    ok(ev);
    assert.match(ev.stdout, new RegExp(`container health_status: healthy [0-9a-f]{64} \\(image=busybox, name=${name}\\)\\n$`));
    // probes run through the exec path, so they show as exec events, as docker's do
    const ex = await d.docker(['events', '--since', stamp(t0), '--until', stamp(Date.now()), '--filter', `container=${name}`, '--filter', 'event=exec_die', '--format', '{{.Action}} {{.Actor.Attributes.exitCode}}']);
    ok(ex);
    assert.match(ex.stdout, /^exec_die 0$/m);
  } finally {
    ok(await d.skiff(['rm', '-f', name]));
  }
});

test('a failing healthcheck turns unhealthy after its retries; stopping ends the probes', async () => {
  const name = uniqueName('hc-bad');
  ok(await d.skiff(['run', '-d', '--name', name, '--health-cmd', 'echo nope >&2; exit 2', '--health-interval', '300ms', '--health-retries', '2', 'busybox', 'sleep', '300']));
  try {
    await waitFor('unhealthy', async () => (await inspect(name)).State.Health?.Status === 'unhealthy', 20_000, 200);
    const i = await inspect(name);
    assert.ok(i.State.Health!.FailingStreak >= 2, JSON.stringify(i.State.Health));
    assert.deepEqual(i.State.Health!.Log.slice(-1).map((e) => [e.ExitCode, e.Output]), [[2, 'nope\n']]);
    const ps = await d.docker(['ps', '--filter', `name=${name}`, '--format', '{{.Status}}']);
    assert.match(ps.stdout, /\(unhealthy\)/);
    ok(await d.skiff(['stop', '-t', '0', name]));
    const stopped = await inspect(name);
    const n = stopped.State.Health!.Log.length;
    const last = stopped.State.Health!.Log.at(-1)!.End;
    await sleep(1000);
    const later = await inspect(name);
    assert.equal(later.State.Health!.Log.at(-1)!.End, last, 'no probe runs on a stopped container');
    assert.equal(later.State.Health!.Log.length, n);
  } finally {
    ok(await d.skiff(['rm', '-f', name]));
  }
});

test('a probe that outlives its timeout fails with docker\'s message; bad settings are refused', async () => {
  const name = uniqueName('hc-slow');
  ok(await d.skiff(['run', '-d', '--name', name, '--health-cmd', 'sleep 5', '--health-interval', '200ms', '--health-timeout', '300ms', 'busybox', 'sleep', '300']));
  try {
    const entry = await waitFor('a timed-out probe', async () => (await inspect(name)).State.Health?.Log.find((e) => e.ExitCode === -1), 20_000, 200);
    assert.equal(entry.Output, 'Health check exceeded timeout (300ms)');
    assert.ok(Date.parse(entry.End) - Date.parse(entry.Start) < 3000, `${entry.Start} → ${entry.End}`);
  } finally {
    ok(await d.skiff(['rm', '-f', name]));
  }
  const bad = await d.docker(['run', '--rm', '--health-cmd', 'true', '--health-interval', '500us', 'busybox', 'true']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /Interval in Healthcheck cannot be less than 1ms/);
  const conflict = await d.skiff(['run', '--rm', '--no-healthcheck', '--health-cmd', 'true', 'busybox', 'true']);
  assert.equal(conflict.code, 125);
  assert.match(conflict.stderr, /--no-healthcheck conflicts with --health-\* options/);
});

test('health survives a daemon restart and probing resumes for the running container', async () => {
  const name = uniqueName('hc-restart');
  ok(await d.skiff(['run', '-d', '--name', name, '--health-cmd', 'true', '--health-interval', '500ms', 'busybox', 'sleep', '300']));
  try {
    await waitFor('healthy', async () => (await inspect(name)).State.Health?.Status === 'healthy', 20_000, 200);
    await d.restart();
    const after = await inspect(name);
    assert.equal(after.State.Status, 'running');
    assert.equal(after.State.Health?.Status, 'healthy', 'the status was recorded');
    const t = Date.now();
    await waitFor('a probe after the restart', async () => {
      const log = (await inspect(name)).State.Health?.Log ?? [];
      return log.some((e) => Date.parse(e.Start) > t && e.ExitCode === 0);
    }, 20_000, 200);
  } finally {
    ok(await d.skiff(['rm', '-f', name]));
  }
});

test('an image HEALTHCHECK applies; --no-healthcheck turns it off; --health-* fields override one by one', async () => {
  const image = `${uniqueName('hc-image').toLowerCase()}:v1`;
  const changes = [...BUSYBOX_CHANGES, 'HEALTHCHECK --interval=300ms --retries=4 CMD ["true"]'];
  ok(await d.skiff(['image', 'import', ...changes.flatMap((c) => ['--change', c]), BUSYBOX_TAR, image], { timeoutMs: 120_000 }));
  const names = { inherit: uniqueName('hc-inherit'), off: uniqueName('hc-off'), over: uniqueName('hc-over') };
  try {
    const img = await d.docker(['image', 'inspect', '-f', '{{json .Config.Healthcheck}}', image]);
    ok(img);
    assert.deepEqual(JSON.parse(img.stdout), { Test: ['CMD', 'true'], Interval: 3e8, Retries: 4 });
    ok(await d.skiff(['run', '-d', '--name', names.inherit, image, 'sleep', '300']));
    ok(await d.skiff(['run', '-d', '--name', names.off, '--no-healthcheck', image, 'sleep', '300']));
    ok(await d.docker(['run', '-d', '--name', names.over, '--health-retries', '9', image, 'sleep', '300']));
    await waitFor('healthy from the image\'s check', async () => (await inspect(names.inherit)).State.Health?.Status === 'healthy', 20_000, 200);
    assert.deepEqual((await inspect(names.over)).Config.Healthcheck, { Test: ['CMD', 'true'], Interval: 3e8, Retries: 9 });
    const off = await inspect(names.off);
    // docker's merge fills the zero fields from the image even under NONE; the test alone turns it off
    assert.deepEqual(off.Config.Healthcheck?.Test, ['NONE']);
    assert.equal(off.State.Health, undefined);
    const ps = await d.docker(['ps', '--filter', 'health=none', '--format', '{{.Names}}']);
    assert.ok(ps.stdout.split('\n').includes(names.off), ps.stdout);
  } finally {
    ok(await d.skiff(['rm', '-f', ...Object.values(names)]));
    ok(await d.skiff(['rmi', image]));
  }
});

// what docker-compose 1.29 does through the python docker SDK: events by label (its project label), read
// with decode=True, keyed on the legacy `status`; and State.Health (what Container.health reads in newer SDKs) for `depends_on: service_healthy`
const sdkScript = `
import docker, json, sys
c = docker.from_env()
name, label, since, until = sys.argv[1:5]
evs = c.events(since=int(since), until=int(until), filters={"label": [label], "type": "container"}, decode=True)
print(json.dumps([[e["status"], e["id"] == e["Actor"]["ID"], e["Actor"]["Attributes"]["name"]] for e in evs]))
print(c.containers.get(name + "-h").attrs["State"]["Health"]["Status"])
`;

test('the python docker SDK (docker-compose\'s client) reads events by label and a container\'s health', async () => {
  const name = uniqueName('sdk');
  const label = `com.docker.compose.project=${name}`;
  const since = Math.floor(Date.now() / 1000);
  ok(await d.skiff(['run', '--rm', '--name', name, '--label', label, 'busybox', 'true']));
  ok(await d.skiff(['run', '-d', '--name', `${name}-h`, '--health-cmd', 'true', '--health-interval', '200ms', 'busybox', 'sleep', '300']));
  try {
    await waitFor('healthy', async () => (await inspect(`${name}-h`)).State.Health?.Status === 'healthy', 20_000, 200);
    const until = Math.ceil(Date.now() / 1000);
    const r = await run('/usr/bin/python3', ['-c', sdkScript, name, label, String(since), String(until)], { env: { ...process.env, ...d.env } as Record<string, string> });
    ok(r);
    const [events, health] = r.stdout.trim().split('\n');
    assert.deepEqual(JSON.parse(events), ['create', 'attach', 'start', 'die', 'destroy'].map((a) => [a, true, name]));
    assert.equal(health, 'healthy');
  } finally {
    ok(await d.skiff(['rm', '-f', `${name}-h`]));
  }
});
