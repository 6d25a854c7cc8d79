// Build, Ship, Run end to end (issue 10's first must-show): an image built by skiff is pushed to skiff's own
// registry behind htpasswd auth (basic, then bearer tokens), removed locally, pulled back and run; the docker
// CLI logs in and pushes through the skiff daemon; the registry's store stays consistent (gc --dry-run clean).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ok, startDaemon, SKIFF, run, type Daemon } from './harness.ts';
import { startRegistryProcess, type RegistryProcess } from './registry-harness.ts';

// user `tester`, password `s3cret-pw` (bcrypt, cost 5, made with bcryptjs)
const HTPASSWD = 'tester:$2b$05$wIY.IvBV7CLGyixUan0TQOGOXtI2xv5j88J9uy54PQ7Xs/plvUN3S';

let d: Daemon;
let dir = '';
let basic: RegistryProcess;
let tokens: RegistryProcess;
let open: RegistryProcess;

before(async () => {
  dir = await mkdtemp('/var/tmp/skiff-ship-');
  await writeFile(join(dir, 'htpasswd'), HTPASSWD + '\n');
  await writeFile(join(dir, 'Dockerfile'), 'FROM busybox\nWORKDIR /app\nCOPY greeting.txt .\nRUN echo "built by skiff" >> greeting.txt\nCMD ["cat", "/app/greeting.txt"]\n');
  await writeFile(join(dir, 'greeting.txt'), 'shipped\n');
  d = await startDaemon();
  basic = await startRegistryProcess({ args: ['--htpasswd', join(dir, 'htpasswd')] });
  tokens = await startRegistryProcess({ args: ['--htpasswd', join(dir, 'htpasswd'), '--token-realm', '/token'] });
  open = await startRegistryProcess({ args: ['--htpasswd', join(dir, 'htpasswd'), '--anonymous-read'] });
});

after(async () => {
  await basic?.stop();
  await tokens?.stop();
  await open?.stop();
  await d?.cleanup();
  if (dir) await rm(dir, { recursive: true, force: true });
});

for (const kind of ['basic', 'token'] as const) {
  test(`build, push to skiff's registry (${kind} auth), rmi, pull back, run`, async () => {
    const reg = kind === 'basic' ? basic : tokens;
    const image = `${reg.host}/ship/app:1`;
    const b = await d.skiff(['build', '-t', image, dir], { timeoutMs: 120_000 });
    ok(b);
    const id = (await d.skiff(['image', 'inspect', '--format', '{{.Id}}', image])).stdout.trim();
    // no credentials: the registry says so and nothing is stored
    const denied = await d.skiff(['push', image]);
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /unauthorized|authentication required|no basic auth credentials/i);
    ok(await d.skiff(['login', '-u', 'tester', '--password-stdin', reg.host], { input: 's3cret-pw\n' }));
    const pushed = await d.skiff(['push', image], { timeoutMs: 120_000 });
    ok(pushed);
    assert.match(pushed.stdout, /1: digest: sha256:[0-9a-f]{64} size: \d+/);
    ok(await d.skiff(['rmi', image]));
    assert.notEqual((await d.skiff(['image', 'inspect', image])).code, 0);
    const pulled = await d.skiff(['pull', image], { timeoutMs: 120_000 });
    ok(pulled);
    assert.match(pulled.stdout, /Status: Downloaded newer image for /);
    assert.equal((await d.skiff(['image', 'inspect', '--format', '{{.Id}}', image])).stdout.trim(), id, 'the same image id after the round trip');
    const r = await d.skiff(['run', '--rm', image]);
    ok(r);
    assert.equal(r.stdout, 'shipped\nbuilt by skiff\n');
    ok(await d.skiff(['logout', reg.host]));
  });
}

test('the docker CLI logs in and pushes to skiff\'s registry through the skiff daemon; the store stays consistent', async () => {
  const image = `${basic.host}/ship/docker:1`;
  ok(await d.docker(['tag', 'busybox', image]));
  const login = await d.docker(['login', '-u', 'tester', '--password-stdin', basic.host], { input: 's3cret-pw\n' });
  ok(login);
  assert.match(login.stdout, /Login Succeeded/);
  const bad = await d.docker(['login', '-u', 'tester', '--password-stdin', basic.host], { input: 'wrong\n' });
  assert.notEqual(bad.code, 0);
  ok(await d.docker(['push', image], { timeoutMs: 120_000 }));
  ok(await d.docker(['rmi', image]));
  ok(await d.docker(['pull', image], { timeoutMs: 120_000 }));
  const gc = await run(SKIFF, ['registry', 'gc', '--dry-run', '--root', basic.root]);
  ok(gc);
  assert.doesNotMatch(gc.stdout + gc.stderr, /corrupt|missing|error/i);
});

test('a build pulls a missing FROM image, and with --pull a newer one even when an older one is here', async () => {
  const base = `${open.host}/ship/base:latest`;
  const ctx = await mkdtemp(join(dir, 'pullctx-'));
  await writeFile(join(ctx, 'Dockerfile'), `FROM ${base}\nRUN cat /version 2>/dev/null || echo none\n`);
  const publish = async (version: string) => {
    const src = await mkdtemp(join(dir, 'basectx-'));
    await writeFile(join(src, 'Dockerfile'), `FROM busybox\nRUN echo ${version} > /version\n`);
    ok(await d.skiff(['build', '-t', base, src], { timeoutMs: 120_000 }));
    ok(await d.skiff(['push', base], { timeoutMs: 120_000 }));
    const id = (await d.skiff(['image', 'inspect', '--format', '{{.Id}}', base])).stdout.trim();
    ok(await d.skiff(['rmi', base]));
    return id;
  };
  ok(await d.skiff(['login', '-u', 'tester', '--password-stdin', open.host], { input: 's3cret-pw\n' }));
  const v1 = await publish('v1');
  const first = await d.skiff(['build', ctx], { timeoutMs: 120_000 });
  ok(first);
  assert.match(first.stdout, /Status: Downloaded newer image for /);
  assert.match(first.stdout, /\nv1\n/);
  assert.equal((await d.skiff(['image', 'inspect', '--format', '{{.Id}}', base])).stdout.trim(), v1);
  // a newer base in the registry: a plain build keeps the local one, --pull takes the new one
  ok(await d.skiff(['tag', base, 'old-base:v1']));
  const v2 = await publish('v2');
  ok(await d.skiff(['tag', 'old-base:v1', base]));
  const plain = await d.skiff(['build', ctx], { timeoutMs: 120_000 });
  ok(plain);
  assert.doesNotMatch(plain.stdout, /Downloaded newer image/);
  const pulled = await d.skiff(['build', '--pull', ctx], { timeoutMs: 120_000 });
  ok(pulled);
  assert.match(pulled.stdout, /Status: Downloaded newer image for /);
  assert.match(pulled.stdout, /\nv2\n/);
  assert.equal((await d.skiff(['image', 'inspect', '--format', '{{.Id}}', base])).stdout.trim(), v2);
});
