// skiff's client against skiff's own registry (`skiff registry serve`, htpasswd users, bearer tokens from
// its /token realm): the docker CLI logs in and pushes through the skiff daemon, skiff pulls and runs; a bad
// password is docker's error.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ok, startDaemon, uniqueName, type Daemon } from './harness.ts';
import { startRegistryProcess, type RegistryProcess } from './registry-harness.ts';

// user `tester`, password `s3cret-pw` (bcrypt, cost 5)
const HTPASSWD = 'tester:$2b$05$wIY.IvBV7CLGyixUan0TQOGOXtI2xv5j88J9uy54PQ7Xs/plvUN3S';

let d: Daemon;
let reg: RegistryProcess;
let dir: string;
before(async () => {
  dir = mkdtempSync('/var/tmp/skiff-regc-');
  writeFileSync(join(dir, 'htpasswd'), HTPASSWD + '\n');
  d = await startDaemon();
  reg = await startRegistryProcess({ args: ['--htpasswd', join(dir, 'htpasswd'), '--token-realm', '/token'] });
});
after(async () => {
  await d?.cleanup();
  await reg?.stop();
  rmSync(dir, { recursive: true, force: true });
});
afterEach((t) => d?.reportFailure(t));

test('docker login + push through the skiff daemon to skiff registry serve (bearer tokens), skiff pull + run', async () => {
  const repo = `${reg.host}/${uniqueName('own')}`;
  const bad = await d.docker(['login', reg.host, '-u', 'tester', '--password-stdin'], { input: 'wrong\n' });
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /login attempt to .* failed with status: 401 Unauthorized/);
  ok(await d.docker(['login', reg.host, '-u', 'tester', '--password-stdin'], { input: 's3cret-pw\n' }));
  ok(await d.docker(['tag', 'busybox', `${repo}:1`]));
  const pushed = await d.docker(['push', `${repo}:1`], { timeoutMs: 60_000 });
  ok(pushed);
  const digest = /1: digest: (sha256:[0-9a-f]{64})/.exec(pushed.stdout)?.[1];
  assert.ok(digest, pushed.stdout);
  const again = await d.skiff(['push', `${repo}:1`]);
  ok(again);
  assert.match(again.stdout, /Layer already exists/);
  const mirror = `${reg.host}/${uniqueName('mirror')}:1`;
  ok(await d.skiff(['tag', 'busybox', mirror]));
  const mounted = await d.skiff(['push', mirror]);
  ok(mounted);
  assert.match(mounted.stdout, /Mounted from /);
  ok(await d.skiff(['rmi', `${repo}:1`, mirror]));
  const pulled = await d.skiff(['pull', `${repo}@${digest}`], { timeoutMs: 60_000 });
  ok(pulled);
  const run = await d.skiff(['run', '--rm', `${repo}@${digest}`, 'echo', 'from skiff registry']);
  ok(run);
  assert.equal(run.stdout, 'from skiff registry\n');
  ok(await d.docker(['logout', reg.host]));
});
