import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { libc, mount, posixSpawn, sealedMemfd, umount } from './syscalls.ts';
import { runProgram, spawnPiped } from './spawn.ts';

const lib = libc();
const skip = !lib && 'node:ffi is not available';

test('posixSpawn wires pipes to the fds asked for, with the cwd, env and a new session', { skip }, async () => {
  const child = posixSpawn(lib!, {
    path: '/bin/sh',
    argv: ['sh', '-c', 'read x <&4; echo "$x $FOO $(pwd) $(cut -d" " -f6 /proc/self/stat)" >&3; ls /proc/self/fd >&3; echo oops >&2; exit 7'],
    env: { FOO: 'bar', PATH: '/usr/bin:/bin' }, cwd: '/usr', setsid: true, keepAlive: true,
    pipes: [{ fd: 2, child: 'write' }, { fd: 3, child: 'write' }, { fd: 4, child: 'read' }],
  });
  const read = (fd: number) => new Promise<string>((resolve) => {
    let s = '';
    child.pipes.get(fd)!.on('data', (d) => (s += d)).on('close', () => resolve(s));
  });
  const [out, err] = [read(3), read(2)];
  child.pipes.get(4)!.end('hello\n');
  assert.equal(await child.exited, 7);
  const [first, ...fds] = (await out).trim().split('\n');
  const [word, env, cwd, sid] = first.split(' ');
  assert.deepEqual([word, env, cwd], ['hello', 'bar', '/usr']);
  assert.ok(Number(sid) > 0);
  // nothing but the three stdio fds, the two pipes and ls's own dir fd: inherited fds are closed
  assert.ok(fds.every((fd) => Number(fd) <= 5), `unexpected fds: ${fds.join(' ')}`);
  assert.equal(await err, 'oops\n');
});

test('posixSpawn of a missing program throws ENOENT and leaves no pipe open', { skip }, () => {
  assert.throws(() => posixSpawn(lib!, { path: '/nonexistent/prog', argv: ['x'], env: {}, pipes: [{ fd: 3, child: 'write' }] }),
    (err: Error & { code?: string }) => err.code === 'ENOENT');
});

test('runProgram collects output and the exit status, and reports a timeout', async () => {
  assert.deepEqual(await runProgram('/bin/sh', ['-c', 'echo out; echo err >&2; exit 3']), { code: 3, stdout: 'out\n', stderr: 'err\n' });
  const slow = await runProgram('/bin/sleep', ['5'], { timeoutMs: 100 });
  assert.equal(slow.code, 128 + 15);
  assert.match(String(slow.error?.message), /timed out|Command failed/);
  const missing = await runProgram('/nonexistent/prog', []);
  assert.equal(missing.code, -1);
  assert.ok(missing.error);
});

test('a sealed memfd copy of a program runs, and cannot be written', { skip }, async () => {
  const fd = sealedMemfd(lib!, 'true', readFileSync('/bin/true'));
  const exe = `/proc/${process.pid}/fd/${fd}`;
  assert.equal((await runProgram(exe, [])).code, 0);
  assert.throws(() => writeFileSync(exe, 'x'));
});

test('mount and umount an overlay in-process; errors carry the errno name', { skip }, (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root');
  const dir = mkdtempSync(join(tmpdir(), 'skiff-syscalls-'));
  try {
    for (const d of ['lower', 'upper', 'work', 'merged']) mkdirSync(join(dir, d));
    writeFileSync(join(dir, 'lower', 'f'), 'hi');
    mount(lib!, 'overlay', join(dir, 'merged'), 'overlay', 0, `lowerdir=${dir}/lower,upperdir=${dir}/upper,workdir=${dir}/work`);
    try {
      assert.equal(readFileSync(join(dir, 'merged', 'f'), 'utf8'), 'hi');
    } finally {
      umount(lib!, join(dir, 'merged'));
    }
    assert.throws(() => umount(lib!, join(dir, 'merged')), (err: Error & { code?: string }) => err.code === 'EINVAL');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('spawnPiped: pipes on the fds asked for, an exit event, kill', async () => {
  const child = spawnPiped('/bin/sh', ['-c', 'echo ready >&3; cat; echo done >&2'], ['pipe', 'pipe', 'pipe', 'pipe']);
  const read = (s: NodeJS.ReadableStream) => new Promise<string>((resolve) => {
    let t = '';
    s.on('data', (d) => (t += d)).on('end', () => resolve(t));
  });
  const [ready, out, err] = [read(child.stdio[3] as NodeJS.ReadableStream), read(child.stdout!), read(child.stderr!)];
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  child.stdin!.end('echo\n');
  assert.deepEqual([await ready, await out, await err, await exited], ['ready\n', 'echo\n', 'done\n', 0]);
  assert.equal(child.exitCode, 0);
  const sleeper = spawnPiped('/bin/sleep', ['10'], ['ignore', 'pipe', 'pipe']);
  const gone = new Promise<number | null>((r) => sleeper.once('exit', r));
  assert.equal(sleeper.kill('SIGKILL'), true);
  assert.equal(await gone, lib ? 128 + 9 : null);
});
