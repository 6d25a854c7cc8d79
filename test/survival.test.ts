// Containers outlive the daemon: kill it, start it again on the same root, and it re-adopts them.
// Restart policies are applied on re-adoption and on exit.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { ok, startDaemon, waitFor, type Daemon } from './harness.ts';

let d: Daemon;
before(async () => { d = await startDaemon(); });
after(async () => { await d?.cleanup(); });
afterEach((t) => d?.reportFailure(t));


async function state(name: string): Promise<{ status: string; pid: number; exitCode: number; restarts: number }> {
  const r = await d.docker(['inspect', '-f', '{{.State.Status}} {{.State.Pid}} {{.State.ExitCode}} {{.RestartCount}}', name]);
  ok(r);
  const [status, pid, exitCode, restarts] = r.stdout.trim().split(' ');
  return { status, pid: Number(pid), exitCode: Number(exitCode), restarts: Number(restarts) };
}

const alive = (pid: number) => pid > 0 && existsSync(`/proc/${pid}`);

test('SIGKILL the daemon: containers keep running; a new daemon re-adopts them', async () => {
  ok(await d.docker(['run', '-d', '--name', 'keep', 'busybox', 'sh', '-c', 'echo before; exec sleep 1000']));
  ok(await d.docker(['run', '-d', '--name', 'dies', 'busybox', 'sleep', '1000']));
  ok(await d.docker(['run', '-d', '--name', 'always', '--restart', 'always', 'busybox', 'sleep', '1000']));
  const keep = await state('keep');
  const dies = await state('dies');
  const always = await state('always');
  assert.equal(keep.status, 'running');

  const oldDaemon = d.pid;
  await d.stop('SIGKILL');
  assert.ok(!alive(oldDaemon));
  assert.ok(alive(keep.pid), 'the container died with the daemon');

  // while the daemon is down, two containers' processes are killed
  process.kill(dies.pid, 'SIGKILL');
  process.kill(always.pid, 'SIGKILL');
  await waitFor('killed containers to exit', () => !alive(dies.pid) && !alive(always.pid), 5000);

  await d.restart();
  const ps = await d.docker(['ps', '--format', '{{.Names}} {{.Status}}']);
  ok(ps);
  assert.match(ps.stdout, /^keep Up /m);

  const again = await state('keep');
  assert.equal(again.status, 'running');
  assert.equal(again.pid, keep.pid, 'keep was restarted instead of re-adopted');

  const exec = await d.docker(['exec', 'keep', 'echo', 'still here']);
  ok(exec);
  assert.equal(exec.stdout, 'still here\n');
  const logs = await d.docker(['logs', 'keep']);
  assert.equal(logs.stdout, 'before\n');

  const gone = await state('dies');
  assert.equal(gone.status, 'exited');
  assert.equal(gone.exitCode, 137);

  const back = await waitFor('the --restart always container to run again', async () => {
    const s = await state('always');
    return s.status === 'running' && s.pid !== always.pid && alive(s.pid) ? s : undefined;
  }, 15_000);
  assert.ok(back.pid > 0);

  const stop = await d.docker(['stop', '-t', '1', 'keep']);
  ok(stop);
  assert.equal((await state('keep')).status, 'exited');
  assert.ok(!alive(keep.pid));
  ok(await d.docker(['rm', '-f', 'keep', 'dies', 'always']));
});

test('SIGTERM the daemon: containers keep running too', async () => {
  ok(await d.docker(['run', '-d', '--name', 'calm', 'busybox', 'sleep', '1000']));
  const before = await state('calm');
  await d.stop('SIGTERM');
  assert.ok(alive(before.pid));
  await d.restart();
  const after = await state('calm');
  assert.equal(after.status, 'running');
  assert.equal(after.pid, before.pid);
  ok(await d.docker(['exec', 'calm', 'true']));
  ok(await d.docker(['rm', '-f', 'calm']));
  assert.ok(!alive(before.pid));
});

test('a container that exits while the daemon is down reports its real exit code', async () => {
  ok(await d.docker(['run', '-d', '--name', 'brief', 'busybox', 'sh', '-c', 'sleep 1; exit 7']));
  const s = await state('brief');
  await d.stop('SIGKILL');
  await waitFor('brief to exit', () => !alive(s.pid), 10_000);
  await d.restart();
  const after = await state('brief');
  assert.equal(after.status, 'exited');
  assert.equal(after.exitCode, 7);
  const w = await d.docker(['wait', 'brief']);
  assert.equal(w.stdout, '7\n');
  ok(await d.docker(['rm', 'brief']));
});

test('--restart on-failure:2 restarts exactly twice', async () => {
  ok(await d.docker(['run', '-d', '--name', 'flaky', '--restart', 'on-failure:2', 'busybox', 'sh', '-c', 'echo run; exit 1']));
  await waitFor('two restarts', async () => {
    const s = await state('flaky');
    return s.status === 'exited' && s.restarts === 2;
  }, 20_000, 100);
  await sleep(1500); // a third restart would come within docker's back-off of 100-400 ms
  const s = await state('flaky');
  assert.equal(s.status, 'exited');
  assert.equal(s.restarts, 2);
  assert.equal(s.exitCode, 1);
  const logs = await d.docker(['logs', 'flaky']);
  assert.equal(logs.stdout, 'run\nrun\nrun\n');
  ok(await d.docker(['rm', 'flaky']));
});

test('--restart always brings a container back after it exits; stop keeps it stopped', async () => {
  ok(await d.docker(['run', '-d', '--name', 'phoenix', '--restart', 'always', 'busybox', 'sh', '-c', 'sleep 0.2; exit 3']));
  await waitFor('a restart', async () => (await state('phoenix')).restarts >= 1, 15_000, 100);
  ok(await d.docker(['stop', '-t', '1', 'phoenix']));
  await sleep(1000);
  const s = await state('phoenix');
  assert.equal(s.status, 'exited');
  const restarts = s.restarts;
  await sleep(800);
  assert.equal((await state('phoenix')).restarts, restarts);
  ok(await d.docker(['rm', '-f', 'phoenix']));
});

test('after a daemon restart, a stopped unless-stopped container stays stopped; a stopped always one starts (as docker)', async () => {
  ok(await d.docker(['run', '-d', '--name', 'resting', '--restart', 'unless-stopped', 'busybox', 'sleep', '1000']));
  ok(await d.docker(['run', '-d', '--name', 'eager', '--restart', 'always', 'busybox', 'sleep', '1000']));
  ok(await d.docker(['stop', '-t', '1', 'resting', 'eager']));
  await d.stop('SIGTERM');
  await d.restart();
  await waitFor('eager to start again', async () => (await state('eager')).status === 'running', 10_000);
  assert.equal((await state('resting')).status, 'exited');
  ok(await d.docker(['rm', '-f', 'resting', 'eager']));
});
