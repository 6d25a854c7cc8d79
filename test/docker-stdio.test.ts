// The docker CLI's streams on skiff's socket: -it with a real terminal, -i with a pipe, attach, logs -f.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { ok, startDaemon, runInPty, DOCKER, SKIFF, type Daemon } from './harness.ts';

let d: Daemon;
before(async () => { d = await startDaemon(); });
after(async () => { await d?.cleanup(); });
afterEach((t) => d?.reportFailure(t));


test('run -it busybox sh under a real terminal', async () => {
  const r = await runInPty([DOCKER, 'run', '-it', '--rm', 'busybox', 'sh'], 'echo $((6*7)); exit\r', { expect: '# ', env: d.env });
  assert.equal(r.code, 0, `exit ${r.code}\nterminal: ${JSON.stringify(r.stdout)}\nstderr: ${r.stderr}`);
  assert.match(r.stdout, /^42\r?$/m, JSON.stringify(r.stdout));
});

test('run -it passes the shell\'s exit code and the terminal size', async () => {
  const r = await runInPty([DOCKER, 'run', '-it', '--rm', 'busybox', 'sh'], 'stty size; tty; exit 3\r', { expect: '# ', env: d.env });
  assert.equal(r.code, 3, JSON.stringify(r.stdout));
  assert.match(r.stdout, /^24 80\r?$/m);
  assert.match(r.stdout, /^\/dev\/pts\/\d+\r?$/m);
});

test('skiff run -it under a real terminal', async () => {
  const r = await runInPty([SKIFF, 'run', '-it', '--rm', 'busybox', 'sh'], 'echo $((6*7)); exit\r', { expect: '# ', env: d.env });
  assert.equal(r.code, 0, `exit ${r.code}\nterminal: ${JSON.stringify(r.stdout)}\nstderr: ${r.stderr}`);
  assert.match(r.stdout, /^42\r?$/m, JSON.stringify(r.stdout));
});

test('run -t without a client terminal still gives the container one', async () => {
  const r = await d.docker(['run', '-t', '--rm', 'busybox', 'sh', '-c', '[ -t 1 ] && echo has-tty']);
  ok(r);
  assert.equal(r.stdout, 'has-tty\r\n');
});

test('exec -it into a running container', async () => {
  ok(await d.docker(['run', '-d', '--name', 'shell', 'busybox', 'sleep', '1000']));
  const r = await runInPty([DOCKER, 'exec', '-it', 'shell', 'sh'], 'echo $((7*6)) $$; exit\r', { expect: '# ', env: d.env });
  assert.equal(r.code, 0, JSON.stringify(r.stdout));
  assert.match(r.stdout, /^42 \d+\r?$/m);
  ok(await d.docker(['rm', '-f', 'shell']));
});

test('run -i with piped stdin', async () => {
  const r = await d.docker(['run', '-i', '--rm', 'busybox', 'cat'], { input: 'hello\n' });
  ok(r);
  assert.equal(r.stdout, 'hello\n');
});

test('run -i streams a megabyte through unchanged', async () => {
  const data = randomBytes(1 << 20);
  const r = await d.docker(['run', '-i', '--rm', 'busybox', 'sha256sum'], { input: data, timeoutMs: 30_000 });
  ok(r);
  assert.equal(r.stdout.split(' ')[0], createHash('sha256').update(data).digest('hex'));
});

test('exec -i with piped stdin', async () => {
  ok(await d.docker(['run', '-d', '--name', 'pipe', 'busybox', 'sleep', '1000']));
  const r = await d.docker(['exec', '-i', 'pipe', 'sh', '-c', 'cat; echo done'], { input: 'through exec\n' });
  ok(r);
  assert.equal(r.stdout, 'through exec\ndone\n');
  ok(await d.docker(['rm', '-f', 'pipe']));
});

test('attach: stdin in, output out, the container\'s exit code back', async () => {
  ok(await d.docker(['run', '-d', '-i', '--name', 'att', 'busybox', 'sh']));
  const r = await d.docker(['attach', 'att'], { input: 'echo attached; exit 5\n', timeoutMs: 20_000 });
  assert.equal(r.code, 5, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
  assert.equal(r.stdout, 'attached\n');
  ok(await d.docker(['rm', 'att']));
});

test('attach to a running container sees its later output', async () => {
  const id = (await d.docker(['run', '-d', 'busybox', 'sh', '-c', 'sleep 1; echo late; exit 2'])).stdout.trim();
  const r = await d.docker(['attach', '--no-stdin', id], { timeoutMs: 20_000 });
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, 'late\n');
  ok(await d.docker(['rm', id]));
});

test('start -a attaches and returns the exit code', async () => {
  const id = (await d.docker(['create', 'busybox', 'sh', '-c', 'echo from-start; exit 9'])).stdout.trim();
  const r = await d.docker(['start', '-a', id]);
  assert.equal(r.code, 9);
  assert.equal(r.stdout, 'from-start\n');
  ok(await d.docker(['rm', id]));
});

test('logs -f follows until the container exits', async () => {
  const id = (await d.docker(['run', '-d', 'busybox', 'sh', '-c', 'echo first; sleep 1; echo second'])).stdout.trim();
  const r = await d.docker(['logs', '-f', id], { timeoutMs: 20_000 });
  ok(r);
  assert.equal(r.stdout, 'first\nsecond\n');
  ok(await d.docker(['rm', id]));
});

test('foreground run streams output as it happens', async () => {
  const r = await d.docker(['run', '--rm', 'busybox', 'sh', '-c', 'for i in 1 2 3; do echo line$i; done; exit 0']);
  ok(r);
  assert.equal(r.stdout, 'line1\nline2\nline3\n');
});
