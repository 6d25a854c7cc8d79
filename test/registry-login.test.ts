// The client's side of registry credentials (issue 10): `skiff login` asks on a terminal as docker does
// (Username, then Password with echo off; the stored login is tried first) and refuses off a terminal with
// docker's words; a build whose FROM image sits in a registry behind auth pulls it as the user, with the
// credentials the client sends in X-Registry-Config (the real docker CLI's legacy builder, and skiff build).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ok, runPtyDialog, startDaemon, SKIFF, type Daemon } from './harness.ts';
import { startDistribution, type Distribution } from './distribution-server.ts';

// user `tester`, password `s3cret-pw` (bcrypt, cost 5, made with bcryptjs)
const HTPASSWD = 'tester:$2b$05$wIY.IvBV7CLGyixUan0TQOGOXtI2xv5j88J9uy54PQ7Xs/plvUN3S';

let d: Daemon;
let dist: Distribution;
let dir = '';

before(async () => {
  d = await startDaemon();
  dist = await startDistribution({ htpasswd: HTPASSWD });
  dir = await mkdtemp('/var/tmp/skiff-login-');
});

after(async () => {
  await dist?.stop();
  await d?.cleanup();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function storedAuths(): Record<string, unknown> {
  const path = join(d.env.DOCKER_CONFIG, 'config.json');
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as { auths?: Record<string, unknown> }).auths ?? {} : {};
}

test('login off a terminal: the same refusals as the docker CLI', async () => {
  for (const args of [[dist.addr], ['-u', 'tester', dist.addr], ['--password-stdin', dist.addr], ['-p', 'x', '--password-stdin', '-u', 'a', dist.addr], ['-u', '', '-p', 'x', dist.addr]]) {
    const skiff = await d.skiff(['login', ...args], { input: '' });
    const docker = await d.docker(['login', ...args], { input: '' });
    assert.equal(skiff.code, 1, args.join(' '));
    assert.equal(skiff.code, docker.code, args.join(' '));
    assert.equal(skiff.stderr.replace(/^WARNING!.*\n/, ''), docker.stderr.replace(/^WARNING!.*\n/, ''), args.join(' '));
  }
});

test('login on a terminal asks for the username and the password (not echoed); the stored login is tried first', async () => {
  const bad = await runPtyDialog([SKIFF, 'login', dist.addr], [{ expect: 'Username: ', input: 'tester\r' }, { expect: 'Password: ', input: 'wrong-pw\r' }], { env: d.env });
  assert.equal(bad.code, 1, bad.stdout);
  assert.match(bad.stdout, /failed with status: 401 Unauthorized/);
  assert.equal(storedAuths()[dist.addr], undefined, 'a refused login stores nothing');

  const r = await runPtyDialog([SKIFF, 'login', dist.addr], [{ expect: 'Username: ', input: 'tester\r' }, { expect: 'Password: ', input: 's3cret-pw\r' }], { env: d.env });
  assert.equal(r.code, 0, r.stdout);
  assert.match(r.stdout, /Username: tester\r?\n/, 'the username is echoed');
  assert.doesNotMatch(r.stdout, /s3cret-pw/, 'the password is not');
  assert.match(r.stdout, /Login Succeeded/);
  assert.ok(storedAuths()[dist.addr]);

  // again without flags: the stored login is checked, nothing asked (so it works off a terminal too)
  const again = await d.skiff(['login', dist.addr], { input: '' });
  ok(again);
  assert.match(again.stderr, /Authenticating with existing credentials\.\.\. \[Username: tester\]/);
  assert.equal(again.stdout, 'Login Succeeded\n');

  // -u given, password asked on the terminal only
  const half = await runPtyDialog([SKIFF, 'login', '-u', 'tester', dist.addr], [{ expect: 'Password: ', input: 's3cret-pw\r' }], { env: d.env });
  assert.equal(half.code, 0, half.stdout);
  assert.doesNotMatch(half.stdout, /Username|s3cret-pw/);
  ok(await d.skiff(['logout', dist.addr]));
});

test('a FROM image behind registry auth: the build pulls it with the credentials of X-Registry-Config (docker build and skiff build)', async () => {
  const base = `${dist.addr}/base/bb:1`;
  ok(await d.skiff(['login', '-u', 'tester', '--password-stdin', dist.addr], { input: 's3cret-pw\n' }));
  ok(await d.skiff(['tag', 'busybox', base]));
  ok(await d.skiff(['push', base], { timeoutMs: 120_000 }));
  ok(await d.skiff(['rmi', base]));
  ok(await d.skiff(['logout', dist.addr]));
  await writeFile(join(dir, 'Dockerfile'), `FROM ${base}\nRUN echo built-from-private > /from.txt\nCMD ["cat", "/from.txt"]\n`);

  const anonymous = await d.skiff(['build', '-t', 'login-test:anon', dir], { timeoutMs: 120_000 });
  assert.notEqual(anonymous.code, 0, 'without a login the base cannot be pulled');
  assert.match(anonymous.stderr + anonymous.stdout, /no basic auth credentials|unauthorized/);

  // the real docker CLI: its login stored in config.json, its legacy builder sends every login along
  ok(await d.docker(['login', '-u', 'tester', '--password-stdin', dist.addr], { input: 's3cret-pw\n' }));
  const docker = await d.docker(['build', '-t', 'login-test:docker', dir], { env: { DOCKER_BUILDKIT: '0' }, timeoutMs: 120_000 });
  ok(docker);
  const ran = await d.skiff(['run', '--rm', 'login-test:docker']);
  ok(ran);
  assert.equal(ran.stdout, 'built-from-private\n');

  // skiff build --pull pulls it again, as the user
  ok(await d.skiff(['rmi', 'login-test:docker', base]));
  const skiff = await d.skiff(['build', '--pull', '-t', 'login-test:skiff', dir], { timeoutMs: 120_000 });
  ok(skiff);
  assert.match(skiff.stdout, /Status: Downloaded newer image for /);
  ok(await d.skiff(['logout', dist.addr]));
});
