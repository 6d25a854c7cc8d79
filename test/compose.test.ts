// `skiff compose` against a real daemon, through the CLI on a compose file: a built web service and a
// healthy-gated db with a named volume (up -d, ps, logs, exec, run --rm, config), editing one service
// recreates it alone, attached `up` prints prefixed logs, `down -v` leaves nothing, a failed up is cleaned.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { startDaemon, uniqueName, ok, run, waitFor, SKIFF, type Daemon } from './harness.ts';
import { LABEL } from '../src/compose/types.ts';

let d: Daemon;
let dir: string;
before(async () => {
  d = await startDaemon();
  dir = mkdtempSync(join(tmpdir(), 'skiff-compose-'));
});
after(async () => {
  await d?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});
afterEach((t) => d?.reportFailure(t));

/** a project directory holding `compose.yaml` (and any other files given) */
function projectDir(name: string, files: Record<string, string>): string {
  const p = join(dir, name);
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(join(p, f, '..'), { recursive: true });
    writeFileSync(join(p, f), text);
  }
  return p;
}

const compose = (cwd: string, args: string[], timeoutMs = 90_000) => d.skiff(['compose', ...args], { cwd, timeoutMs });

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

const appFile = (webEnv: string) => `
services:
  web:
    build: ./web
    environment:
      GREETING: ${webEnv}
    stop_grace_period: 1s
    depends_on:
      db:
        condition: service_healthy
  db:
    image: busybox
    command: ["sh", "-c", "[ -f /www/index.html ] || echo token-$$RANDOM$$RANDOM > /www/index.html; echo db ready; exec httpd -f -p 80 -h /www"]
    volumes:
      - data:/www
    healthcheck:
      test: ["CMD-SHELL", "wget -q -O /dev/null http://127.0.0.1/"]
      interval: 300ms
      retries: 20
    stop_grace_period: 1s
volumes:
  data:
`;

test('compose up -d / ps / logs / exec / run --rm / config; an edited service is recreated alone; down -v leaves nothing', async () => {
  const project = uniqueName('capp').toLowerCase();
  const cwd = projectDir(project, {
    'compose.yaml': appFile('hello'),
    'web/Dockerfile': 'FROM busybox\nCOPY page.html /www/index.html\nCMD ["httpd", "-f", "-p", "80", "-h", "/www"]\n',
    'web/page.html': 'web page\n',
  });
  const upped = await compose(cwd, ['up', '-d']);
  ok(upped);
  for (const l of [` Container ${project}-db-1  Healthy`, ` Container ${project}-web-1  Started`]) assert.ok(upped.stderr.includes(l), upped.stderr);

  const ps = await compose(cwd, ['ps']);
  ok(ps);
  const lines = ps.stdout.trim().split('\n');
  assert.match(lines[0], /^NAME\s+IMAGE\s+COMMAND\s+SERVICE\s+CREATED\s+STATUS\s+PORTS$/);
  assert.match(lines[1], new RegExp(`^${project}-db-1\\s+busybox\\s+"sh -c .*"\\s+db\\s+.*Up .*\\(healthy\\)`));
  assert.match(lines[2], new RegExp(`^${project}-web-1\\s+${project}-web\\s+.*\\s+web\\s+`));
  assert.equal((await compose(cwd, ['ps', '--services'])).stdout, 'db\nweb\n');
  const dockerPs = await d.docker(['ps', '--format', '{{.Names}}', '--filter', `label=${LABEL.project}=${project}`]);
  assert.deepEqual(dockerPs.stdout.trim().split('\n').sort(), [`${project}-db-1`, `${project}-web-1`]);

  const logs = await compose(cwd, ['logs', 'db']);
  ok(logs);
  assert.equal(logs.stdout, 'db-1  | db ready\n');

  const got = await compose(cwd, ['exec', '-T', 'web', 'wget', '-q', '-O-', 'http://db/']);
  ok(got);
  const token = got.stdout.trim();
  assert.match(token, /^token-\d+$/);
  assert.equal((await compose(cwd, ['exec', '-T', 'db', 'wget', '-q', '-O-', 'http://web/'])).stdout, 'web page\n');

  const one = await compose(cwd, ['run', '--rm', '-T', 'web', 'sh', '-c', 'echo $GREETING from $(hostname)']);
  ok(one);
  assert.match(one.stdout, /^hello from /);
  assert.deepEqual((await d.docker(['ps', '-a', '-q', '--filter', `label=${LABEL.oneoff}=True`, '--filter', `label=${LABEL.project}=${project}`])).stdout, '', 'run --rm leaves nothing');

  assert.equal((await compose(cwd, ['config', '--services'])).stdout.split('\n').filter(Boolean).sort().join(','), 'db,web');

  // edit web only: up -d recreates web and keeps db
  const ids = async () => (await d.docker(['ps', '--no-trunc', '--filter', `label=${LABEL.project}=${project}`, '--format', '{{.Names}}={{.ID}}'])).stdout.trim().split('\n').sort();
  const before = await ids();
  writeFileSync(join(cwd, 'compose.yaml'), appFile('changed'));
  const again = await compose(cwd, ['up', '-d']);
  ok(again);
  assert.ok(again.stderr.includes(` Container ${project}-web-1  Recreated`), again.stderr);
  assert.ok(again.stderr.includes(` Container ${project}-db-1  Running`), again.stderr);
  const after1 = await ids();
  assert.equal(after1.length, 2, after1.join(' '));
  assert.equal(after1.find((x) => x.startsWith(`${project}-db-1=`)), before.find((x) => x.startsWith(`${project}-db-1=`)), 'db kept');
  assert.notEqual(after1.find((x) => x.startsWith(`${project}-web-1=`)), before.find((x) => x.startsWith(`${project}-web-1=`)), 'web recreated');

  // down keeps the volume; up again finds the same data; down -v removes it
  ok(await compose(cwd, ['down']));
  assert.deepEqual(await leftovers(project), [`volume ${project}_data`]);
  ok(await compose(cwd, ['up', '-d']));
  assert.equal((await compose(cwd, ['exec', '-T', 'web', 'wget', '-q', '-O-', 'http://db/'])).stdout.trim(), token);
  const down = await compose(cwd, ['down', '-v', '--rmi', 'local']);
  ok(down);
  assert.ok(down.stderr.includes(` Volume ${project}_data  Removed`), down.stderr);
  assert.deepEqual(await leftovers(project), []);
  assert.notEqual((await d.docker(['image', 'inspect', `${project}-web`])).code, 0, '--rmi local removed the built image');
});

test('attached up prints prefixed logs and exits when the containers have; a failed up is cleaned by down', async () => {
  const project = uniqueName('cattach').toLowerCase();
  const cwd = projectDir(project, {
    'compose.yaml': 'services:\n  one:\n    image: busybox\n    command: ["sh", "-c", "echo hello from one"]\n  two:\n    image: busybox\n    command: ["sh", "-c", "sleep 0.3; echo two says hi; exit 3"]\n',
  });
  const r = await compose(cwd, ['up']);
  ok(r);
  assert.ok(r.stdout.includes('one-1  | hello from one\n'), r.stdout);
  assert.ok(r.stdout.includes('two-1  | two says hi\n'), r.stdout);
  assert.ok(r.stdout.includes('two-1 exited with code 3\n'), r.stdout);
  ok(await compose(cwd, ['down']));
  assert.deepEqual(await leftovers(project), []);

  // --exit-code-from: the named service's exit ends everything and is the command's status
  const ci = projectDir(`${project}-ci`, {
    'compose.yaml': 'services:\n  srv:\n    image: busybox\n    init: true\n    command: ["sleep", "600"]\n  check:\n    image: busybox\n    command: ["sh", "-c", "sleep 0.5; echo checked; exit 4"]\n',
  });
  const checked = await compose(ci, ['-p', `${project}-ci`, 'up', '--exit-code-from', 'check']);
  assert.equal(checked.code, 4, `${checked.stdout}${checked.stderr}`);
  assert.ok(checked.stderr.includes('Aborting on container exit...'), checked.stderr);
  assert.ok(checked.stdout.includes('check-1  | checked\n'), checked.stdout);
  assert.equal((await d.docker(['inspect', '-f', '{{.State.Status}}', `${project}-ci-srv-1`])).stdout.trim(), 'exited');
  ok(await compose(ci, ['-p', `${project}-ci`, 'down']));
  assert.deepEqual(await leftovers(`${project}-ci`), []);

  const bad = projectDir(`${project}-bad`, { 'compose.yaml': 'services:\n  fine:\n    image: busybox\n    command: ["sleep", "60"]\n  broken:\n    image: nosuch-image-anywhere\n' });
  const failed = await compose(bad, ['-p', `${project}-bad`, 'up', '-d']);
  assert.equal(failed.code, 1, failed.stderr);
  assert.match(failed.stderr, /nosuch-image-anywhere/);
  ok(await compose(bad, ['-p', `${project}-bad`, 'down']));
  assert.deepEqual(await leftovers(`${project}-bad`), []);
});

test('attached up: Ctrl-C stops the services (not removed) and ends the command', async () => {
  const project = uniqueName('cint').toLowerCase();
  const cwd = projectDir(project, {
    'compose.yaml': 'services:\n  srv:\n    image: busybox\n    init: true\n    command: ["sh", "-c", "echo serving; exec sleep 600"]\n',
  });
  const child = spawn(SKIFF, ['compose', 'up'], { cwd, env: { ...process.env, ...d.env } as Record<string, string>, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
  try {
    await waitFor('the service output', () => out.includes('srv-1  | serving\n'), 30_000);
    child.kill('SIGINT');
    const code = await Promise.race([exited, new Promise<string>((done) => setTimeout(() => done('still running'), 30_000))]);
    assert.equal(code, 130, `${out}${err}`);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  assert.ok(err.includes('Gracefully stopping... (press Ctrl+C again to force)'), err);
  assert.ok(err.includes(` Container ${project}-srv-1  Stopped`), err);
  const state = await d.docker(['inspect', '-f', '{{.State.Status}}', `${project}-srv-1`]);
  assert.equal(state.stdout.trim(), 'exited');
  ok(await compose(cwd, ['down']));
  assert.deepEqual(await leftovers(project), []);
});

test('build, images, top, port, ls, up --wait, pause/unpause, stop/start/restart, kill, run on the project network, rm -s -f', async () => {
  const project = uniqueName('cmore').toLowerCase();
  const cwd = projectDir(project, {
    'compose.yaml': `services:
  api:
    build:
      context: ./api
      args:
        FLAVOUR: plain
    init: true
    command: ["sleep", "600"]
    ports: ["127.0.0.1::7"]
    healthcheck:
      test: ["CMD", "test", "-f", "/flavour"]
      interval: 300ms
  job:
    image: busybox
    depends_on: [api]
    command: ["cat", "/etc/hostname"]
`,
    'api/Dockerfile': 'FROM busybox\nARG FLAVOUR\nRUN echo $FLAVOUR > /flavour\n',
  });
  const built = await compose(cwd, ['build']);
  ok(built);
  assert.ok(built.stderr.includes(' Service api  Built'), built.stderr);
  assert.equal((await d.docker(['run', '--rm', `${project}-api`, 'cat', '/flavour'])).stdout, 'plain\n');

  const waited = await compose(cwd, ['up', '--wait', 'api']);
  ok(waited);
  assert.ok(waited.stderr.includes(` Container ${project}-api-1  Healthy`), waited.stderr);
  assert.ok(!waited.stderr.includes('job'), 'only the named service');

  const port = await compose(cwd, ['port', 'api', '7']);
  ok(port);
  assert.match(port.stdout, /^127\.0\.0\.1:\d+\n$/);
  const images = await compose(cwd, ['images']);
  ok(images);
  assert.match(images.stdout, new RegExp(`^CONTAINER\\s+REPOSITORY\\s+TAG\\s+IMAGE ID\\s+SIZE\\n${project}-api-1\\s+${project}-api\\s+latest\\s+[0-9a-f]{12}\\s+\\S+\\n$`));
  const top = await compose(cwd, ['top']);
  ok(top);
  assert.match(top.stdout, new RegExp(`^${project}-api-1\\n.*PID.*\\n(.*\\n)*.*sleep 600`));

  // the one-off joins the project network: api resolves by name (nothing listens on port 1: refused, not unknown)
  const one = await compose(cwd, ['run', '--rm', 'job', 'wget', '-q', '-O-', 'http://api:1/']);
  assert.notEqual(one.code, 0);
  assert.match(one.stderr, /refused/, one.stderr);

  const listed = await compose(cwd, ['ls']);
  ok(listed);
  assert.match(listed.stdout, new RegExp(`^NAME\\s+STATUS\\s+CONFIG FILES\\n(.*\\n)*${project}\\s+running\\(1\\)\\s+${cwd}/compose.yaml\\n`));
  ok(await compose(cwd, ['pause', 'api']));
  assert.equal((await compose(cwd, ['ps', '--format', '{{.State}}'])).stdout, 'paused\n');
  ok(await compose(cwd, ['unpause']));
  assert.equal((await compose(cwd, ['ps', '--format', '{{.State}}'])).stdout, 'running\n');

  // --scale: three replicas, numbered, all behind the service's name; back to one removes the highest
  ok(await compose(cwd, ['up', '-d', '--scale', 'api=3', 'api']));
  assert.equal((await compose(cwd, ['ps', '--format', '{{.Name}}'])).stdout, `${project}-api-1\n${project}-api-2\n${project}-api-3\n`);
  const down1 = await compose(cwd, ['up', '-d', 'api']);
  ok(down1);
  assert.ok(down1.stderr.includes(` Container ${project}-api-3  Removed`) && down1.stderr.includes(` Container ${project}-api-2  Removed`), down1.stderr);
  assert.equal((await compose(cwd, ['ps', '--format', '{{.Name}}'])).stdout, `${project}-api-1\n`);

  ok(await compose(cwd, ['stop']));
  const stopped = await compose(cwd, ['ps', '-a', '--format', '{{.Name}} {{.State}}']);
  assert.equal(stopped.stdout, `${project}-api-1 exited\n`);
  ok(await compose(cwd, ['start']));
  assert.equal((await compose(cwd, ['ps', '--format', '{{.Name}} {{.State}}'])).stdout, `${project}-api-1 running\n`);
  const restarted = await compose(cwd, ['restart', '-t', '1']);
  ok(restarted);
  assert.ok(restarted.stderr.includes(` Container ${project}-api-1  Started`), restarted.stderr);

  const killed = await compose(cwd, ['kill', '-s', 'KILL']);
  ok(killed);
  assert.ok(killed.stderr.includes(` Container ${project}-api-1  Killed`), killed.stderr);
  const removed = await compose(cwd, ['rm', '-s', '-f']);
  ok(removed);
  assert.ok(removed.stderr.includes(` Container ${project}-api-1  Removed`), removed.stderr);
  assert.equal((await compose(cwd, ['ps', '-a', '-q'])).stdout, '');
  ok(await compose(cwd, ['down', '--rmi', 'local']));
  assert.deepEqual(await leftovers(project), []);
});

test('one project, two tools: Debian\'s docker-compose lists, recreates and takes down what skiff compose made, and skiff compose sees its containers', { skip: !existsSync('/usr/bin/docker-compose') && 'docker-compose is not installed (scripts/setup installs it)' }, async () => {
  const project = uniqueName('cmix').toLowerCase();
  const cwd = projectDir(project, {
    'compose.yaml': 'services:\n  web:\n    image: busybox\n    init: true\n    command: ["sleep", "600"]\n    depends_on: [db]\n  db:\n    image: busybox\n    init: true\n    command: ["sleep", "600"]\n    volumes: [data:/data]\nvolumes:\n  data:\n',
  });
  const dc = (args: string[]) => run('/usr/bin/docker-compose', ['-p', project, ...args], { cwd, env: { ...process.env, ...d.env } as Record<string, string>, timeoutMs: 90_000 });
  ok(await compose(cwd, ['-p', project, 'up', '-d']));
  const listed = await dc(['ps']);
  ok(listed);
  assert.match(listed.stdout, new RegExp(`${project}-db-1\\s+sleep 600\\s+Up`));
  assert.match(listed.stdout, new RegExp(`${project}-web-1\\s+sleep 600\\s+Up`));
  ok(await dc(['up', '-d'])); // its own config hash: it recreates them, under its names
  const seen = await compose(cwd, ['-p', project, 'ps', '--format', '{{.Name}} {{.Service}} {{.State}}']);
  assert.equal(seen.stdout, `${project}_db_1 db running\n${project}_web_1 web running\n`);
  ok(await dc(['down', '-v']));
  assert.deepEqual(await leftovers(project), []);
});
