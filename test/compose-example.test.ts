// Issue 11's example app (examples/compose-counter: a Python web page counting visits in Redis, both built
// from Dockerfiles on debian:bookworm with apt-get) run end to end against a private daemon:
//   (a) Debian's docker-compose 1.29 over the Docker API: no password, nothing made; up -d, the page counts,
//       ps, logs, an edited service is the only one recreated, down + up -d keeps the count (named volume),
//       down -v starts it over;
//   (b) `skiff compose` on the same file (and the same refusal without a password), and `docker ps` agrees
//       with `skiff compose ps`.
// One daemon for the file, so the second tool's builds are the first one's cached steps. Needs the debian
// base image tar (scripts/base-images debian) and the Debian mirror the host's apt uses (skipped without it).
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { get, request } from 'node:http';
import { join } from 'node:path';
import { startDaemon, run, waitFor, ok, uniqueName, REPO, type Daemon, type RunResult } from './harness.ts';

const DEBIAN_TAR = '/var/cache/skiff/base-images/debian-bookworm.tar';
const EXAMPLE = join(REPO, 'examples/compose-counter');
const COMPOSE = '/usr/bin/docker-compose';
const BUILD_MS = 1_200_000; // the first up builds two images with apt-get over the mirror

let d: Daemon | undefined;
const mirror = await mirrorReachable();

before(async () => {
  if (mirror !== true) return;
  if (!existsSync(DEBIAN_TAR)) ok(await run(join(REPO, 'scripts/base-images'), ['debian'], { timeoutMs: 900_000 }));
  d = await startDaemon({ busybox: false });
  ok(await d.skiff(['image', 'import', '--change', 'CMD ["bash"]', DEBIAN_TAR, 'debian:bookworm'], { timeoutMs: 300_000 }));
});

after(async () => {
  await d?.cleanup();
});

afterEach((t) => d?.reportFailure(t));

/** true, or why the example cannot build here: the Debian mirror of the host's apt sources must answer */
async function mirrorReachable(): Promise<true | string> {
  let url: URL | undefined;
  for (const f of ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list']) {
    const m = /^(?:URIs:\s*|deb\s+)(http:\/\/\S+)/m.exec(existsSync(f) ? readFileSync(f, 'utf8') : '');
    if (m) { url = new URL(`${m[1].replace(/\/$/, '')}/dists/bookworm/Release`); break; }
  }
  if (!url) return 'no http Debian mirror in the host\'s apt sources: the example\'s apt-get builds cannot run';
  const status = await new Promise<number>((done) => {
    const req = request(url, { method: 'HEAD', timeout: 10_000 }, (res) => { res.resume(); done(res.statusCode ?? 0); });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => done(0));
    req.end();
  });
  return status === 200 ? true : `the Debian mirror ${url.host} does not answer (HEAD ${url.pathname}: ${status || 'no connection'}): the example's apt-get builds cannot run`;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** the page's visit count (one more visit), or undefined while it does not answer with one */
function visit(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = get({ host: '127.0.0.1', port, path: '/', timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => {
        const m = /Visits: (\d+)/.exec(body);
        resolve(res.statusCode === 200 && m ? Number(m[1]) : undefined);
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

const firstVisit = (port: number) => waitFor(`the counter page on 127.0.0.1:${port}`, () => visit(port), 60_000, 250);

/** what the daemon holds for a project, through the Docker API's label filters (what both tools use) */
async function projectObjects(project: string): Promise<{ containers: string[]; networks: string[]; volumes: string[] }> {
  const filter = encodeURIComponent(JSON.stringify({ label: [`com.docker.compose.project=${project}`] }));
  const containers = (await d!.api('GET', `/containers/json?all=1&filters=${filter}`)).json<Array<{ Names: string[] }>>();
  const networks = (await d!.api('GET', `/networks?filters=${filter}`)).json<Array<{ Name: string }>>();
  const volumes = (await d!.api('GET', `/volumes?filters=${filter}`)).json<{ Volumes: Array<{ Name: string }> | null }>();
  return {
    containers: containers.map((c) => c.Names[0].slice(1)).sort(),
    networks: networks.map((n) => n.Name).sort(),
    volumes: (volumes.Volumes ?? []).map((v) => v.Name).sort(),
  };
}

async function containerId(name: string): Promise<string> {
  return (await d!.api('GET', `/containers/${name}/json`)).json<{ Id: string }>().Id;
}

test('docker-compose 1.29: up -d builds and starts the example, the counter survives down + up -d, down -v starts it over', { skip: mirror !== true && mirror, timeout: BUILD_MS + 300_000 }, async (t) => {
  const project = uniqueName('dc').replace(/-/g, '');
  let port = await freePort();
  const compose = (args: string[], timeoutMs = 180_000, env: Record<string, string> = {}): Promise<RunResult> =>
    run(COMPOSE, ['-p', project, ...args], { cwd: EXAMPLE, env: { ...process.env as Record<string, string>, ...d!.env, WEB_PORT: String(port), ...env }, timeoutMs });
  try {
    const noPassword = await compose(['up', '-d'], 60_000, { REDIS_PASSWORD: '' });
    assert.notEqual(noPassword.code, 0);
    assert.match(noPassword.stderr, /set REDIS_PASSWORD in the environment or in \.env/);
    assert.deepEqual(await projectObjects(project), { containers: [], networks: [], volumes: [] });

    let started = Date.now();
    ok(await compose(['up', '-d'], BUILD_MS));
    t.diagnostic(`docker-compose up -d (two builds with apt-get, db healthy, web started): ${Date.now() - started} ms`);
    assert.equal(await firstVisit(port), 1);
    assert.equal(await visit(port), 2);

    const ps = await compose(['ps']);
    ok(ps);
    assert.match(ps.stdout, new RegExp(`^${project}_db_1 .*Up \\(healthy\\)`, 'm'));
    assert.match(ps.stdout, new RegExp(`^${project}_web_1 .*Up .*0\\.0\\.0\\.0:${port}->8000/tcp`, 'm'));
    const logs = await compose(['logs', '--no-color', 'web']);
    ok(logs);
    assert.match(logs.stdout, /web_1 +\| counter listening on :8000/);
    assert.match(logs.stdout, /web_1 +\| .*"GET \/ HTTP\/1\.1" 200/);

    // an edited service (its published port) is recreated alone; the db keeps running and counting
    const db = await containerId(`${project}_db_1`);
    port = await freePort();
    const edited = await compose(['up', '-d']);
    ok(edited);
    assert.match(edited.stderr, new RegExp(`${project}_db_1 is up-to-date`));
    assert.match(edited.stderr, new RegExp(`Recreating ${project}_web_1 .*done`));
    assert.equal(await containerId(`${project}_db_1`), db);
    assert.equal(await firstVisit(port), 3);

    started = Date.now();
    ok(await compose(['down']));
    t.diagnostic(`docker-compose down: ${Date.now() - started} ms`);
    assert.deepEqual(await projectObjects(project), { containers: [], networks: [], volumes: [`${project}_redis-data`] });
    started = Date.now();
    ok(await compose(['up', '-d']));
    t.diagnostic(`docker-compose up -d again (images built): ${Date.now() - started} ms`);
    assert.equal(await firstVisit(port), 4, 'the count goes on from the volume');

    ok(await compose(['down', '-v']));
    assert.deepEqual(await projectObjects(project), { containers: [], networks: [], volumes: [] });
    ok(await compose(['up', '-d']));
    assert.equal(await firstVisit(port), 1, 'a new volume: the count starts over');
  } finally {
    const down = await compose(['down', '-v']);
    assert.deepEqual(await projectObjects(project), { containers: [], networks: [], volumes: [] }, down.stderr);
  }
});

test('skiff compose: up -d, the counter survives down + up -d, down -v starts over; docker ps and skiff compose ps agree', { skip: mirror !== true && mirror, timeout: BUILD_MS + 300_000 }, async (t) => {
  const project = uniqueName('sc');
  const port = await freePort();
  const compose = (args: string[], timeoutMs = 180_000, env: Record<string, string> = {}): Promise<RunResult> =>
    d!.skiff(['compose', '-p', project, ...args], { cwd: EXAMPLE, env: { WEB_PORT: String(port), ...env }, timeoutMs });
  try {
    const noPassword = await compose(['up', '-d'], 60_000, { REDIS_PASSWORD: '' });
    assert.notEqual(noPassword.code, 0);
    assert.match(noPassword.stderr, /required variable REDIS_PASSWORD is missing a value: set REDIS_PASSWORD in the environment or in \.env/);
    assert.deepEqual(await projectObjects(project), { containers: [], networks: [], volumes: [] });

    let started = Date.now();
    ok(await compose(['up', '-d', '--wait'], BUILD_MS));
    t.diagnostic(`skiff compose up -d --wait: ${Date.now() - started} ms`);
    assert.equal(await visit(port), 1, 'up --wait returns once web is healthy: the page answers at once');
    assert.equal(await visit(port), 2);

    // the two tools list the same containers: names, services, states
    const ps = await compose(['ps', '--format', '{{.Name}} {{.Service}} {{.State}}']);
    ok(ps);
    const filter = `label=com.docker.compose.project=${project}`;
    const docker = await d!.docker(['ps', '--filter', filter, '--format', '{{.Names}} {{.Label "com.docker.compose.service"}} {{.State}}']);
    ok(docker);
    const rows = (out: string) => out.trim().split('\n').sort();
    assert.deepEqual(rows(ps.stdout), [`${project}-db-1 db running`, `${project}-web-1 web running`]);
    assert.deepEqual(rows(docker.stdout), rows(ps.stdout));
    const table = await compose(['ps']);
    ok(table);
    assert.match(table.stdout, new RegExp(`^${project}-db-1 .*Up .*\\(healthy\\)`, 'm'));
    assert.match(table.stdout, new RegExp(`^${project}-web-1 .*Up .*\\(healthy\\) +0\\.0\\.0\\.0:${port}->8000/tcp`, 'm'));
    const logs = await compose(['logs', '--no-color', 'web']);
    ok(logs);
    assert.match(logs.stdout, /web-1 +\| counter listening on :8000/);

    started = Date.now();
    ok(await compose(['down']));
    t.diagnostic(`skiff compose down: ${Date.now() - started} ms`);
    assert.deepEqual(await projectObjects(project), { containers: [], networks: [], volumes: [`${project}_redis-data`] });
    started = Date.now();
    ok(await compose(['up', '-d', '--wait']));
    t.diagnostic(`skiff compose up -d --wait again: ${Date.now() - started} ms`);
    assert.equal(await visit(port), 3, 'the count goes on from the volume');

    ok(await compose(['down', '-v']));
    assert.deepEqual(await projectObjects(project), { containers: [], networks: [], volumes: [] });
    ok(await compose(['up', '-d', '--wait']));
    assert.equal(await visit(port), 1, 'a new volume: the count starts over');
  } finally {
    const down = await compose(['down', '-v']);
    assert.deepEqual(await projectObjects(project), { containers: [], networks: [], volumes: [] }, down.stdout + down.stderr);
  }
});
