import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { serveDockerApi, type ApiServer } from './index.ts';
import { fakeEngine, type FakeEngine } from './testing/fake-engine.ts';
import { splitFrames } from '../../lib/stdcopy.ts';

let dir: string;
let socketPath: string;
let server: ApiServer;
let engine: FakeEngine;

before(async () => {
  dir = mkdtempSync('/tmp/skiff-api-');
  socketPath = join(dir, 'docker.sock');
  engine = fakeEngine();
  server = await serveDockerApi(engine, { socketPath });
});
after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
  json: () => any;
}

function call(method: string, path: string, body?: unknown | Buffer): Promise<Res> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
    const req = request({ socketPath, method, path, headers: payload ? { 'Content-Length': payload.length } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        resolve({ status: res.statusCode!, headers: res.headers, body: buf, text: buf.toString(), json: () => JSON.parse(buf.toString()) });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const create = async (name: string, cmd: string[], extra: Record<string, unknown> = {}) => {
  const r = await call('POST', `/v1.50/containers/create?name=${name}`, { Image: 'busybox', Cmd: cmd, HostConfig: { NetworkMode: 'default' }, ...extra });
  assert.equal(r.status, 201, r.text);
  return r.json().Id as string;
};

test('ping answers with docker headers, with and without a version prefix, GET and HEAD', async () => {
  for (const path of ['/_ping', '/v1.50/_ping', '/v1.24/_ping']) {
    const r = await call('GET', path);
    assert.equal(r.status, 200);
    assert.equal(r.text, 'OK');
    assert.equal(r.headers['api-version'], '1.50');
    assert.equal(r.headers['docker-experimental'], 'false');
    assert.equal(r.headers['ostype'], 'linux');
    assert.match(String(r.headers['server']), /^skiff\//);
  }
  const head = await call('HEAD', '/_ping');
  assert.equal(head.status, 200);
  assert.equal(head.text, '');
  assert.equal(head.headers['api-version'], '1.50');
});

test('versions above 1.50 or below 1.24 are refused with docker\'s messages', async () => {
  const hi = await call('GET', '/v1.51/version');
  assert.equal(hi.status, 400);
  assert.equal(hi.json().message, 'client version 1.51 is too new. Maximum supported API version is 1.50');
  const lo = await call('GET', '/v1.23/containers/json');
  assert.equal(lo.status, 400);
  assert.match(lo.json().message, /^client version 1.23 is too old. Minimum supported API version is 1.24/);
});

test('unknown paths are 404 page not found; engine errors keep their message', async () => {
  const r = await call('GET', '/v1.50/nothing/here');
  assert.equal(r.status, 404);
  assert.deepEqual(r.json(), { message: 'page not found' });
  const c = await call('GET', '/containers/nope/json');
  assert.equal(c.status, 404);
  assert.equal(c.json().message, 'No such container: nope');
  const i = await call('GET', '/images/nope/json');
  assert.equal(i.json().message, 'No such image: nope:latest');
});

test('version and info have the fields the docker CLI prints', async () => {
  const v = (await call('GET', '/version')).json();
  assert.equal(v.ApiVersion, '1.50');
  assert.equal(v.MinAPIVersion, '1.24');
  assert.equal(v.Components[0].Name, 'Engine');
  const i = (await call('GET', '/info')).json();
  assert.equal(i.Driver, 'overlay2');
  assert.equal(i.Swarm.LocalNodeState, 'inactive');
  assert.equal(i.NCPU, 2);
});

test('events is an open stream that ends at `until`', async () => {
  const r = await call('GET', `/events?until=${Math.floor(Date.now() / 1000) - 1}`);
  assert.equal(r.status, 200);
  assert.equal(r.text, '');
});

test('create validates like docker and returns 201 {Id, Warnings}', async () => {
  const mem = await call('POST', '/containers/create', { Image: 'busybox', HostConfig: { Memory: 1024 } });
  assert.equal(mem.status, 400);
  assert.equal(mem.json().message, 'Minimum memory limit allowed is 6MB');
  const noimg = await call('POST', '/containers/create', { Image: 'nope' });
  assert.equal(noimg.status, 404);
  assert.equal(noimg.json().message, 'No such image: nope:latest');
  const bad = await call('POST', '/containers/create', Buffer.from('{not json'));
  assert.equal(bad.status, 400);
  const id = await create('c1', ['sleep']);
  assert.match(id, /^[0-9a-f]{64}$/);
  const dup = await call('POST', '/containers/create?name=c1', { Image: 'busybox' });
  assert.equal(dup.status, 409);
  assert.match(dup.json().message, /is already in use/);
});

test('inspect and list have docker\'s shapes', async () => {
  const id = await create('shape', ['sleep'], { Tty: true });
  const i = (await call('GET', '/containers/shape/json')).json();
  assert.equal(i.Id, id);
  assert.equal(i.Name, '/shape');
  assert.equal(i.Driver, 'overlay2');
  assert.equal(i.State.Status, 'created');
  assert.equal(i.State.Running, false);
  assert.equal(i.Config.Tty, true);
  assert.equal(i.HostConfig.NetworkMode, 'bridge');
  assert.ok(i.NetworkSettings.Networks.bridge);
  assert.deepEqual(i.Config.Cmd, ['sleep']);
  const all = (await call('GET', '/containers/json?all=1')).json() as Array<{ Names: string[]; Status: string }>;
  const row = all.find((c) => c.Names[0] === '/shape');
  assert.equal(row?.Status, 'Created');
  const running = (await call('GET', '/containers/json')).json() as unknown[];
  assert.ok(!running.some((c) => (c as { Id: string }).Id === id));
});

test('start/stop answer 204, then 304 when already in that state', async () => {
  await create('life', ['sleep']);
  assert.equal((await call('POST', '/containers/life/start')).status, 204);
  assert.equal((await call('POST', '/containers/life/start')).status, 304);
  assert.equal((await call('POST', '/containers/life/stop?t=3')).status, 204);
  assert.ok(engine.calls.includes('stop life {"timeoutSec":3}'));
  assert.equal((await call('POST', '/containers/life/stop')).status, 304);
  const rm = await call('DELETE', '/containers/life');
  assert.equal(rm.status, 204);
});

test('rm of a running container without force is a 409 conflict', async () => {
  await create('busy', ['sleep']);
  await call('POST', '/containers/busy/start');
  const r = await call('DELETE', '/containers/busy');
  assert.equal(r.status, 409);
  assert.match(r.json().message, /container is running/);
  assert.equal((await call('DELETE', '/containers/busy?force=1')).status, 204);
});

test('start of a missing executable keeps crun\'s message (the CLI exits 127 on it)', async () => {
  await create('nocmd', ['nope']);
  const r = await call('POST', '/containers/nocmd/start');
  assert.equal(r.status, 400);
  assert.match(r.json().message, /executable file not found in \$PATH/);
});

test('wait sends its header at once and the exit code when the container stops', async () => {
  await create('waiter', ['sleep']);
  const { status, body } = await new Promise<{ status: number; body: Promise<string> }>((resolve, reject) => {
    const req = request({ socketPath, method: 'POST', path: '/v1.50/containers/waiter/wait?condition=next-exit' }, (res) => {
      const chunks: Buffer[] = [];
      const body = new Promise<string>((done) => {
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(Buffer.concat(chunks).toString()));
      });
      resolve({ status: res.statusCode!, body });
    });
    req.on('error', reject);
    req.end();
  });
  assert.equal(status, 200); // before the container even started
  await call('POST', '/containers/waiter/start');
  await call('POST', '/containers/waiter/kill?signal=KILL');
  assert.deepEqual(JSON.parse(await body), { StatusCode: 137, Error: null });
  const bad = await call('POST', '/containers/waiter/wait?condition=sometime');
  assert.equal(bad.status, 400);
});

test('logs are multiplexed (8-byte headers) unless the container has a TTY', async () => {
  await create('logger', ['sleep']);
  const r = await call('GET', '/containers/logger/logs?stdout=1&stderr=1&timestamps=1');
  assert.equal(r.headers['content-type'], 'application/vnd.docker.multiplexed-stream');
  const frames = splitFrames(r.body);
  assert.deepEqual(frames.map((f) => [f.stream, f.data.toString()]), [
    ['stdout', '2024-01-01T00:00:00.000000001Z one\n'],
    ['stderr', '2024-01-01T00:00:01.000000001Z two\n'],
  ]);
  const none = await call('GET', '/containers/logger/logs');
  assert.equal(none.status, 400);
  await create('ttylogger', ['sleep'], { Tty: true });
  const raw = await call('GET', '/containers/ttylogger/logs?stdout=1');
  assert.equal(raw.headers['content-type'], 'application/vnd.docker.raw-stream');
  assert.equal(raw.text, 'one\n');
});

test('archive HEAD carries the base64 path stat; PUT streams the body to the engine', async () => {
  await create('files', ['sleep']);
  const head = await call('HEAD', '/containers/files/archive?path=/etc/hosts');
  assert.equal(head.status, 200);
  const stat = JSON.parse(Buffer.from(String(head.headers['x-docker-container-path-stat']), 'base64').toString());
  assert.equal(stat.name, 'hosts');
  assert.equal((await call('HEAD', '/containers/files/archive?path=/nope')).status, 404);
  const get = await call('GET', '/containers/files/archive?path=/etc/hosts');
  assert.equal(get.text, 'tar-bytes');
  const put = await call('PUT', '/containers/files/archive?path=/tmp', Buffer.alloc(10240));
  assert.equal(put.status, 200);
  assert.ok(engine.calls.includes('put /tmp 10240'));
});

test('stats one-shot has docker\'s stats JSON; a stopped container reports zeros', async () => {
  await create('statty', ['sleep']);
  const stopped = (await call('GET', '/containers/statty/stats?stream=0&one-shot=1')).json();
  assert.equal(stopped.name, '/statty');
  assert.equal(stopped.cpu_stats.cpu_usage.total_usage, 0);
  await call('POST', '/containers/statty/start');
  const s = (await call('GET', '/containers/statty/stats?stream=false&one-shot=true')).json();
  assert.equal(s.memory_stats.usage, 1024);
  assert.equal(s.cpu_stats.online_cpus, 2);
  assert.equal(s.pids_stats.current, 1);
  await call('DELETE', '/containers/statty?force=1');
});

test('images: import streams JSON progress then the id; tag, inspect by slashed name, rmi; a failed pull is an HTTP error', async () => {
  const imp = await call('POST', '/images/create?fromSrc=-&repo=local/tools&tag=v1&changes=CMD%20%5B%22sh%22%5D', Buffer.alloc(4096, 1));
  assert.equal(imp.status, 200);
  const lines = imp.text.trim().split('\n').map((l) => JSON.parse(l));
  assert.match(lines.at(-1).status, /^sha256:/);
  assert.ok(engine.calls.includes('import local/tools:v1 ["CMD [\\"sh\\"]"]'));
  const inspect = await call('GET', '/v1.50/images/local/tools:v1/json');
  assert.equal(inspect.status, 200, inspect.text);
  assert.deepEqual(inspect.json().RepoTags, ['local/tools:v1']);
  assert.equal(inspect.json().RootFS.Type, 'layers');
  assert.equal((await call('POST', '/images/local/tools:v1/tag?repo=other&tag=')).status, 201);
  const list = (await call('GET', '/images/json?filters=' + encodeURIComponent('{"reference":["other"]}'))).json();
  assert.deepEqual(list[0].RepoTags, ['local/tools:v1', 'other:latest']);
  const rmi = await call('DELETE', '/images/local/tools:v1');
  assert.equal(rmi.status, 200);
  assert.ok(rmi.json().some((x: { Deleted?: string }) => x.Deleted));
  const pull = await call('POST', '/images/create?fromImage=alpine&tag=3');
  assert.equal(pull.status, 404);
  assert.match(pull.json().message, /^manifest for alpine:3 not found/);
  const empty = await call('POST', '/images/create?fromSrc=-&repo=x', Buffer.alloc(0));
  assert.equal(empty.status, 400);
});

test('image inspect: ContainerConfig and Container at every API version (docker-compose 1.29 reads them at 1.50), VirtualSize before 1.44', async () => {
  const old = (await call('GET', '/v1.38/images/busybox/json')).json();
  assert.deepEqual(old.ContainerConfig.Cmd, ['sh']);
  assert.deepEqual(old.ContainerConfig.Env, ['PATH=/bin']);
  assert.equal(old.Container, '');
  assert.equal(old.VirtualSize, old.Size);
  const now = (await call('GET', '/v1.50/images/busybox/json')).json();
  assert.deepEqual(now.ContainerConfig, now.Config);
  assert.ok(!('VirtualSize' in now));
});

test('rename, pause/unpause, prune, top', async () => {
  await create('old', ['sleep']);
  assert.equal((await call('POST', '/containers/old/rename?name=new')).status, 204);
  assert.equal((await call('GET', '/containers/new/json')).status, 200);
  assert.equal((await call('POST', '/containers/new/rename?name=-bad')).status, 400);
  await call('POST', '/containers/new/start');
  const top = (await call('GET', '/containers/new/top?ps_args=-ef')).json();
  assert.deepEqual(top.Titles, ['PID', 'CMD']);
  assert.equal((await call('POST', '/containers/new/pause')).status, 204);
  assert.equal((await call('GET', '/containers/new/json')).json().State.Paused, true);
  assert.equal((await call('POST', '/containers/new/unpause')).status, 204);
  await call('POST', '/containers/new/kill');
  const pruned = (await call('POST', '/containers/prune')).json();
  assert.ok(pruned.ContainersDeleted.length >= 1);
});
