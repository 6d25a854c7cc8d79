import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { serveDockerApi, type ApiServer } from './index.ts';
import { fakeEngine } from './testing/fake-engine.ts';
import { splitFrames } from '../../lib/stdcopy.ts';

let dir: string;
let socketPath: string;
let server: ApiServer;

before(async () => {
  dir = mkdtempSync('/tmp/skiff-hijack-');
  socketPath = join(dir, 'docker.sock');
  server = await serveDockerApi(fakeEngine(), { socketPath });
});
after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: () => any }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = request({ socketPath, method, path, headers: payload ? { 'Content-Length': payload.length } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, json: () => JSON.parse(Buffer.concat(chunks).toString()) }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** A hijacked request as the docker client makes it: `Connection: Upgrade`, `Upgrade: tcp`. */
function hijack(path: string, body?: unknown): Promise<{ res: IncomingMessage; socket: Duplex; head: Buffer } | { res: IncomingMessage; status: number; text: Promise<string> }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(body));
    const req = request({
      socketPath,
      method: 'POST',
      path,
      headers: { Connection: 'Upgrade', Upgrade: 'tcp', 'Content-Type': 'application/json', 'Content-Length': payload.length },
    });
    req.on('upgrade', (res, socket, head) => resolve({ res, socket, head }));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      const text = new Promise<string>((done) => {
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(Buffer.concat(chunks).toString()));
      });
      resolve({ res, status: res.statusCode!, text });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** Everything the server sends until it closes the stream. */
function readAll(socket: Duplex, head: Buffer): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks = [head];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

test('attach upgrades with 101 and multiplexes stdout/stderr; output starts when the container starts', async () => {
  const created = await call('POST', '/containers/create?name=att', { Image: 'busybox', Cmd: ['echo', 'hello', 'world'] });
  assert.equal(created.status, 201);
  const h = await hijack('/v1.50/containers/att/attach?stream=1&stdout=1&stderr=1');
  assert.ok('socket' in h, 'expected an upgrade');
  assert.equal(h.res.statusCode, 101);
  assert.equal(h.res.headers['content-type'], 'application/vnd.docker.multiplexed-stream');
  assert.equal(h.res.headers['upgrade'], 'tcp');
  const all = readAll(h.socket, h.head);
  assert.equal((await call('POST', '/containers/att/start')).status, 204);
  const frames = splitFrames(await all);
  assert.deepEqual(frames.map((f) => [f.stream, f.data.toString()]), [['stdout', 'hello world\n'], ['stderr', 'oops\n']]);
});

test('attach to a TTY container is raw; stdin flows in and the client half-close ends it', async () => {
  await call('POST', '/containers/create?name=cat', { Image: 'busybox', Cmd: ['cat'], Tty: true, OpenStdin: true });
  const h = await hijack('/containers/cat/attach?stream=1&stdin=1&stdout=1&stderr=1');
  assert.ok('socket' in h);
  assert.equal(h.res.headers['content-type'], 'application/vnd.docker.raw-stream');
  const all = readAll(h.socket, h.head);
  await call('POST', '/containers/cat/start');
  h.socket.write('typed line\n');
  h.socket.end(); // half-close: stdin ends, the process exits, the server closes
  assert.equal((await all).toString(), 'typed line\n');
  const state = (await call('GET', '/containers/cat/json')).json().State;
  assert.equal(state.Status, 'exited');
});

test('attach to a missing container is a plain 404 before any upgrade', async () => {
  const h = await hijack('/containers/nope/attach?stream=1&stdout=1');
  assert.ok('status' in h);
  assert.equal(h.status, 404);
  assert.equal(JSON.parse(await h.text).message, 'No such container: nope');
});

test('exec: create, start (body read from the upgraded connection), exit code recorded when the stream ends', async () => {
  await call('POST', '/containers/create?name=ex', { Image: 'busybox', Cmd: ['sleep'] });
  await call('POST', '/containers/ex/start');
  const none = await call('POST', '/containers/ex/exec', { Cmd: [] });
  assert.equal(none.status, 400);
  assert.equal(none.json().message, 'No exec command specified');
  const ex = await call('POST', '/v1.50/containers/ex/exec', { Cmd: ['echo', 'from', 'exec'], AttachStdout: true, AttachStderr: true });
  assert.equal(ex.status, 201);
  const id = ex.json().Id as string;
  const h = await hijack(`/v1.50/exec/${id}/start`, { Detach: false, Tty: false });
  assert.ok('socket' in h);
  const frames = splitFrames(await readAll(h.socket, h.head));
  assert.deepEqual(frames.map((f) => [f.stream, f.data.toString()]), [['stdout', 'from exec\n'], ['stderr', 'oops\n']]);
  const info = (await call('GET', `/exec/${id}/json`)).json();
  assert.equal(info.Running, false);
  assert.equal(info.ExitCode, 0);
  assert.equal(info.ContainerID.length, 64);
  assert.equal((await call('GET', '/exec/nope/json')).status, 404);
});

test('exec of a missing command: the upgrade happens, the error is written into the stream, exit code 127', async () => {
  const ex = await call('POST', '/containers/ex/exec', { Cmd: ['nope'], AttachStdout: true });
  const h = await hijack(`/exec/${ex.json().Id}/start`, { Detach: false, Tty: false });
  assert.ok('socket' in h);
  const frames = splitFrames(await readAll(h.socket, h.head));
  assert.equal(frames.length, 1);
  assert.match(frames[0].data.toString(), /executable file not found in \$PATH: unknown\r\n$/);
  assert.equal((await call('GET', `/exec/${ex.json().Id}/json`)).json().ExitCode, 127);
});

test('exec start with Detach answers 200 without a stream', async () => {
  const ex = await call('POST', '/containers/ex/exec', { Cmd: ['echo', 'bg'] });
  const r = await call('POST', `/exec/${ex.json().Id}/start`, { Detach: true });
  assert.equal(r.status, 200);
});

test('exec start with TTY over a plain (non-upgrade) request streams raw bytes in the body', async () => {
  const ex = await call('POST', '/containers/ex/exec', { Cmd: ['echo', 'plain'], Tty: true });
  const text = await new Promise<string>((resolve, reject) => {
    const payload = Buffer.from(JSON.stringify({ Detach: false, Tty: true }));
    const req = request({ socketPath, method: 'POST', path: `/exec/${ex.json().Id}/start`, headers: { 'Content-Length': payload.length } }, (res) => {
      assert.equal(res.headers['content-type'], 'application/vnd.docker.raw-stream');
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString()));
    });
    req.on('error', reject);
    req.end(payload);
  });
  assert.equal(text, 'plain\noops\n');
});
