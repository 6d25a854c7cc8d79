// Docker API fidelity (issue 8): kill/wait semantics, HostConfig fields honoured, logging drivers,
// `docker update`, `system df`, network stats — through the real docker CLI against a private daemon.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ok, startDaemon, uniqueName, type Daemon } from './harness.ts';

let d: Daemon;
before(async () => { d = await startDaemon(); });
after(async () => { await d?.cleanup(); });
afterEach((t) => d?.reportFailure(t));

const inspect = async (name: string, format: string) => {
  const r = await d.docker(['inspect', '-f', format, name]);
  ok(r);
  return r.stdout.trim();
};

test('docker kill then docker inspect (no pause between) shows the exit: not running, 137', async () => {
  const name = uniqueName('kill');
  ok(await d.docker(['run', '-d', '--name', name, 'busybox', 'sleep', '1000']));
  ok(await d.docker(['kill', name]));
  assert.equal(await inspect(name, '{{.State.Running}} {{.State.ExitCode}} {{.State.Status}}'), 'false 137 exited');
  ok(await d.docker(['rm', name]));
});

test('POST /kill answers after the exit is recorded: the very next GET /json shows it (as the SDK sees it)', async () => {
  for (let i = 0; i < 3; i++) {
    const name = uniqueName('killapi');
    ok(await d.docker(['run', '-d', '--name', name, 'busybox', 'sleep', '1000']));
    assert.equal((await d.api('POST', `/containers/${name}/kill`)).status, 204);
    const st = (await d.api('GET', `/containers/${name}/json`)).json<{ State: { Running: boolean; ExitCode: number } }>().State;
    assert.deepEqual([st.Running, st.ExitCode], [false, 137]);
    ok(await d.docker(['rm', name]));
  }
});

test('docker wait on a --restart always container returns at its first exit; it then restarts', async () => {
  const name = uniqueName('wait');
  ok(await d.docker(['run', '-d', '--name', name, '--restart', 'always', 'busybox', 'sh', '-c', 'sleep 1; exit 3']));
  const w = await d.docker(['wait', name], { timeoutMs: 20_000 });
  ok(w);
  assert.equal(w.stdout.trim(), '3');
  // a second wait returns at the next exit (the restart happened)
  const again = await d.docker(['wait', name], { timeoutMs: 20_000 });
  ok(again);
  assert.equal(again.stdout.trim(), '3');
  assert.ok(Number(await inspect(name, '{{.RestartCount}}')) >= 1);
  ok(await d.docker(['rm', '-f', name]));
});
