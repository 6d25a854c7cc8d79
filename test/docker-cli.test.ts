// The unmodified docker CLI on skiff's socket: the container lifecycle commands.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ok, startDaemon, waitFor, type Daemon } from './harness.ts';

let d: Daemon;
let scratch: string;
before(async () => {
  d = await startDaemon();
  scratch = mkdtempSync('/var/tmp/skiff-cp-');
});
after(async () => {
  await d?.cleanup();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});
afterEach((t) => d?.reportFailure(t));


async function status(name: string): Promise<string> {
  const r = await d.docker(['inspect', '-f', '{{.State.Status}}', name]);
  ok(r);
  return r.stdout.trim();
}

async function psLine(name: string, all = false): Promise<string | undefined> {
  const r = await d.docker(['ps', ...(all ? ['-a'] : []), '--format', '{{.Names}}\t{{.Status}}\t{{.Image}}\t{{.Command}}']);
  ok(r);
  return r.stdout.split('\n').find((l) => l.split('\t')[0] === name);
}

test('version and info answer', async () => {
  const v = await d.docker(['version', '--format', '{{.Server.APIVersion}} {{.Server.Os}}']);
  ok(v);
  assert.match(v.stdout, /^1\.\d+ linux\n$/);
  const i = await d.docker(['info', '--format', '{{.Driver}}|{{.NCPU}}|{{.OperatingSystem}}']);
  ok(i);
});

test('run -d --name web busybox httpd -f -p 8080', async () => {
  const r = await d.docker(['run', '-d', '--name', 'web', 'busybox', 'httpd', '-f', '-p', '8080']);
  ok(r);
  assert.match(r.stdout, /^[0-9a-f]{64}\n$/);
});

test('ps shows web Up', async () => {
  const line = await psLine('web');
  assert.ok(line, 'web is not in docker ps');
  assert.match(line, /\tUp /);
  assert.match(line, /\tbusybox\t/);
  assert.match(line, /httpd -f -p 8080/);
  const q = await d.docker(['ps', '-q']);
  ok(q);
  assert.match(q.stdout, /^[0-9a-f]{12}$/m);
});

test('exec web ps shows httpd as PID 1', async () => {
  const r = await d.docker(['exec', 'web', 'ps']);
  ok(r);
  assert.match(r.stdout, /^\s*1\s+\S+\s+(?:\S+\s+)?httpd -f -p 8080\s*$/m, r.stdout);
  const exit = await d.docker(['exec', 'web', 'sh', '-c', 'exit 6']);
  assert.equal(exit.code, 6);
  const env = await d.docker(['exec', '-e', 'X=y', '-w', '/tmp', '-u', 'nobody', 'web', 'sh', '-c', 'echo $X $(pwd) $(id -u)']);
  ok(env);
  assert.equal(env.stdout, 'y /tmp 65534\n');
  // httpd answers on the container's loopback (any HTTP status is an answer; a refused connection is not)
  const served = await d.docker(['exec', 'web', 'sh', '-c', 'wget -q -O /dev/null http://127.0.0.1:8080/ 2>&1; echo wget=$?']);
  ok(served);
  assert.doesNotMatch(served.stdout, /refused|can't connect/i);
});

test('logs web', async () => {
  const r = await d.docker(['logs', 'web']);
  ok(r);
});

test('inspect web', async () => {
  const r = await d.docker(['inspect', 'web']);
  ok(r);
  const [c] = JSON.parse(r.stdout) as Array<Record<string, any>>;
  assert.equal(c.Name, '/web');
  assert.match(c.Id, /^[0-9a-f]{64}$/);
  assert.equal(c.Path, 'httpd');
  assert.deepEqual(c.Args, ['-f', '-p', '8080']);
  assert.equal(c.Config.Image, 'busybox');
  assert.deepEqual(c.Config.Cmd, ['httpd', '-f', '-p', '8080']);
  assert.equal(c.State.Running, true);
  assert.equal(c.State.Status, 'running');
  assert.ok(c.State.Pid > 0);
  assert.match(c.Image, /^sha256:[0-9a-f]{64}$/);
  assert.ok(Array.isArray(c.Config.Env) && c.Config.Env.some((e: string) => e.startsWith('PATH=')));
});

test('stop web (SIGTERM, then SIGKILL after -t), start web, exec again', async () => {
  // httpd as PID 1 has no SIGTERM handler, so (as with docker) only the SIGKILL after the timeout ends it
  const stop = await d.docker(['stop', '-t', '1', 'web']);
  ok(stop);
  assert.equal(stop.stdout, 'web\n');
  assert.ok(stop.ms < 6000, `stop took ${stop.ms} ms`);
  assert.equal(await status('web'), 'exited');
  const line = await psLine('web', true);
  assert.match(line ?? '', /\tExited \(137\)/);

  const start = await d.docker(['start', 'web']);
  ok(start);
  assert.equal(await status('web'), 'running');
  const ps = await d.docker(['exec', 'web', 'ps']);
  ok(ps);
  assert.match(ps.stdout, /^\s*1\s+\S+\s+(?:\S+\s+)?httpd -f -p 8080\s*$/m);
});

test('stop sends SIGTERM first: a process that handles it stops at once', async () => {
  ok(await d.docker(['run', '-d', '--name', 'polite', 'busybox', 'sh', '-c', 'trap "exit 0" TERM; echo trapped; while true; do sleep 0.1; done']));
  // under load the shell may not have set its trap yet when `run -d` returns (PID 1 ignores an unhandled TERM)
  await waitFor('the trap to be set', async () => (await d.docker(['logs', 'polite'])).stdout.includes('trapped'), 10_000, 50);
  const stop = await d.docker(['stop', 'polite']);
  ok(stop);
  assert.ok(stop.ms < 5000, `stop took ${stop.ms} ms: SIGTERM was not delivered`);
  const code = await d.docker(['inspect', '-f', '{{.State.ExitCode}}', 'polite']);
  assert.equal(code.stdout, '0\n');
  ok(await d.docker(['rm', 'polite']));
});

test('restart gives a new process', async () => {
  const pid1 = (await d.docker(['inspect', '-f', '{{.State.Pid}}', 'web'])).stdout.trim();
  ok(await d.docker(['restart', '-t', '1', 'web']));
  const pid2 = (await d.docker(['inspect', '-f', '{{.State.Pid}}', 'web'])).stdout.trim();
  assert.notEqual(pid1, pid2);
  assert.equal(await status('web'), 'running');
});

test('top and stats --no-stream', async () => {
  const top = await d.docker(['top', 'web']);
  ok(top);
  assert.match(top.stdout, /^UID\s+PID\s+PPID/m);
  assert.match(top.stdout, /httpd -f -p 8080/);
  const stats = await d.docker(['stats', '--no-stream', '--format', '{{.Name}}|{{.MemUsage}}|{{.PIDs}}', 'web']);
  ok(stats);
  assert.match(stats.stdout, /^web\|[\d.]+[KMG]?i?B \/ [\d.]+[KMGTPE]?i?B\|1\n$/);
  // with no memory limit docker reports the host's memory as the limit, not the cgroup's "unlimited" (8 EiB)
  assert.doesNotMatch(stats.stdout, /\/ [\d.]+[PE]iB/, 'memory limit above the host memory');
  const all = await d.docker(['stats', '--no-stream']);
  ok(all);
  assert.match(all.stdout, /CONTAINER ID/);
});

test('pause and unpause', async () => {
  ok(await d.docker(['pause', 'web']));
  assert.equal(await status('web'), 'paused');
  assert.match(await psLine('web') ?? '', /\(Paused\)/);
  const exec = await d.docker(['exec', 'web', 'true']);
  assert.notEqual(exec.code, 0);
  assert.match(exec.stderr, /paused/i);
  ok(await d.docker(['unpause', 'web']));
  assert.equal(await status('web'), 'running');
  ok(await d.docker(['exec', 'web', 'true']));
});

test('rename', async () => {
  ok(await d.docker(['run', '-d', '--name', 'old', 'busybox', 'sleep', '1000']));
  ok(await d.docker(['rename', 'old', 'new']));
  const n = await d.docker(['inspect', '-f', '{{.Name}}', 'new']);
  assert.equal(n.stdout, '/new\n');
  assert.notEqual((await d.docker(['inspect', 'old'])).code, 0);
  ok(await d.docker(['rm', '-f', 'new']));
});

test('kill -s delivers the signal; kill defaults to SIGKILL', async () => {
  ok(await d.docker(['run', '-d', '--name', 'sig', 'busybox', 'sh', '-c', 'trap "echo got-usr1; exit 0" USR1; while true; do sleep 0.1; done']));
  ok(await d.docker(['kill', '-s', 'USR1', 'sig']));
  const w = await d.docker(['wait', 'sig'], { timeoutMs: 10_000 });
  ok(w);
  assert.equal(w.stdout, '0\n');
  const logs = await d.docker(['logs', 'sig']);
  assert.equal(logs.stdout, 'got-usr1\n');
  ok(await d.docker(['start', 'sig']));
  ok(await d.docker(['kill', 'sig']));
  const w2 = await d.docker(['wait', 'sig'], { timeoutMs: 10_000 });
  assert.equal(w2.stdout, '137\n');
  ok(await d.docker(['rm', 'sig']));
});

test('wait prints the exit code', async () => {
  const id = (await d.docker(['run', '-d', 'busybox', 'sh', '-c', 'sleep 0.3; exit 4'])).stdout.trim();
  const w = await d.docker(['wait', id], { timeoutMs: 10_000 });
  ok(w);
  assert.equal(w.stdout, '4\n');
  ok(await d.docker(['rm', id]));
});

test('logs keep stdout and stderr apart; --tail and -t', async () => {
  // paced, so the order across the two pipes is not a race
  const id = (await d.docker(['run', '-d', 'busybox', 'sh', '-c', 'echo one; sleep 0.1; echo two >&2; sleep 0.1; echo three'])).stdout.trim();
  ok(await d.docker(['wait', id]));
  const logs = await d.docker(['logs', id]);
  ok(logs);
  assert.equal(logs.stdout, 'one\nthree\n');
  assert.equal(logs.stderr, 'two\n');
  const tail = await d.docker(['logs', '--tail', '1', id]);
  assert.equal(tail.stdout + tail.stderr, 'three\n');
  const ts = await d.docker(['logs', '-t', id]);
  assert.match(ts.stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z one$/m);
  ok(await d.docker(['rm', id]));
});

test('cp into and out of a container', async () => {
  ok(await d.docker(['run', '-d', '--name', 'files', 'busybox', 'sleep', '1000']));
  const src = join(scratch, 'in.txt');
  writeFileSync(src, 'copied in\n');
  ok(await d.docker(['cp', src, 'files:/tmp/in.txt']));
  const cat = await d.docker(['exec', 'files', 'cat', '/tmp/in.txt']);
  assert.equal(cat.stdout, 'copied in\n');

  ok(await d.docker(['exec', 'files', 'sh', '-c', 'mkdir -p /data/sub && echo deep > /data/sub/f && echo top > /data/g']));
  ok(await d.docker(['cp', 'files:/data', scratch]));
  assert.equal(readFileSync(join(scratch, 'data/sub/f'), 'utf8'), 'deep\n');
  assert.equal(readFileSync(join(scratch, 'data/g'), 'utf8'), 'top\n');
  ok(await d.docker(['cp', 'files:/etc/passwd', join(scratch, 'passwd')]));
  assert.match(readFileSync(join(scratch, 'passwd'), 'utf8'), /^root:/m);

  const missing = await d.docker(['cp', 'files:/nope', scratch]);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /Could not find the file \/nope in container files|No such container:path/);
  ok(await d.docker(['rm', '-f', 'files']));
  assert.ok(!existsSync(join(scratch, 'nope')));
});

test('container prune removes stopped containers only', async () => {
  const a = (await d.docker(['create', 'busybox', 'true'])).stdout.trim();
  const b = (await d.docker(['run', '-d', 'busybox', 'true'])).stdout.trim();
  await waitFor('the second container to exit', async () => (await status(b)) === 'exited');
  const p = await d.docker(['container', 'prune', '-f']);
  ok(p);
  assert.match(p.stdout, new RegExp(a));
  assert.match(p.stdout, new RegExp(b));
  assert.match(p.stdout, /Total reclaimed space/);
  assert.notEqual((await d.docker(['inspect', a])).code, 0);
  assert.equal(await status('web'), 'running');
});

test('rm -f web', async () => {
  const r = await d.docker(['rm', '-f', 'web']);
  ok(r);
  assert.equal(r.stdout, 'web\n');
  assert.equal(await psLine('web', true), undefined);
  const i = await d.docker(['inspect', 'web']);
  assert.notEqual(i.code, 0);
});
