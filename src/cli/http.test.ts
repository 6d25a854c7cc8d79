import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { chunkedDecoder, createClient, readAll, resolveHost } from './http.ts';
import { ApiError, CliError } from './errors.ts';

async function withServer(handler: (req: IncomingMessage, res: ServerResponse) => void, fn: (host: string) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-cli-http-'));
  const path = join(dir, 'docker.sock');
  const server = createServer(handler);
  server.on('upgrade', (req, socket) => {
    socket.write('HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
    socket.write('hello ');
    socket.on('data', (d) => socket.write(d));
    socket.on('end', () => socket.end());
  });
  await new Promise<void>((r) => server.listen(path, r));
  try {
    await fn(`unix://${path}`);
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('chunked decoding across arbitrary splits', () => {
  const wire = Buffer.from('5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n');
  for (let cut = 0; cut <= wire.length; cut++) {
    let out = '';
    let ended = false;
    const feed = chunkedDecoder((b) => (out += b.toString()), () => (ended = true));
    feed(wire.subarray(0, cut));
    feed(wire.subarray(cut));
    assert.equal(out, 'hello world');
    assert.equal(ended, true);
  }
});

test('host precedence: -H, SKIFF_HOST, DOCKER_HOST, default', () => {
  assert.equal(resolveHost('unix:///a', { SKIFF_HOST: 'unix:///b' }), 'unix:///a');
  assert.equal(resolveHost(undefined, { SKIFF_HOST: 'unix:///b', DOCKER_HOST: 'unix:///c' }), 'unix:///b');
  assert.equal(resolveHost(undefined, { DOCKER_HOST: 'unix:///c' }), 'unix:///c');
  assert.equal(resolveHost(undefined, {}), 'unix:///run/skiff/docker.sock');
});

test('JSON requests, chunked answers, streamed uploads and API errors', async () => {
  await withServer(
    async (req, res) => {
      if (req.url === '/v1.50/json') {
        res.setHeader('Content-Type', 'application/json');
        res.write('{"a":');
        res.end('1}');
      } else if (req.url === '/v1.50/upload') {
        const body = await readAll(req as unknown as Readable);
        res.end(JSON.stringify({ got: body.toString(), te: req.headers['transfer-encoding'] }));
      } else {
        res.statusCode = 404;
        res.end(JSON.stringify({ message: 'No such container: nope' }));
      }
    },
    async (host) => {
      const api = createClient(host);
      assert.deepEqual(await api.json('GET', '/json'), { a: 1 });
      const up = await api.json<{ got: string; te: string }>('POST', '/upload', { body: Readable.from([Buffer.from('abc'), Buffer.from('def')]) });
      assert.deepEqual(up, { got: 'abcdef', te: 'chunked' });
      await assert.rejects(api.json('GET', '/missing'), (e: unknown) => e instanceof ApiError && e.status === 404 && e.message === 'Error response from daemon: No such container: nope');
    },
  );
});

test('an older daemon: the client falls back to its API version', async () => {
  await withServer(
    (req, res) => {
      if (req.url?.startsWith('/v1.50/')) {
        res.statusCode = 400;
        res.end(JSON.stringify({ message: 'client version 1.50 is too new. Maximum supported API version is 1.41' }));
      } else res.end(JSON.stringify({ url: req.url }));
    },
    async (host) => {
      const api = createClient(host);
      assert.deepEqual(await api.json('GET', '/version'), { url: '/v1.41/version' });
      assert.deepEqual(await api.json('GET', '/info'), { url: '/v1.41/info' });
    },
  );
});

test('hijacked streams: 101, then both directions on the socket', async () => {
  await withServer(
    (_req, res) => res.end(),
    async (host) => {
      const res = await createClient(host).request('POST', '/containers/x/attach', { hijack: true });
      assert.equal(res.status, 101);
      res.socket.end('world');
      assert.equal((await readAll(res.body)).toString(), 'hello world');
    },
  );
});

test('no daemon: docker-like connection errors', async () => {
  const api = createClient('unix:///nonexistent/skiff.sock');
  await assert.rejects(api.json('GET', '/_ping'), (e: unknown) => e instanceof CliError && e.message === 'Cannot connect to the skiff daemon at unix:///nonexistent/skiff.sock. Is the daemon running?');
});
