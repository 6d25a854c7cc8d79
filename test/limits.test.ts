// Limits that bite: memory (OOM kill), pids, cpu quota, read-only root, capabilities.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ok, startDaemon, uniqueName, type Daemon } from './harness.ts';

let d: Daemon;
before(async () => { d = await startDaemon(); });
after(async () => { await d?.cleanup(); });
afterEach((t) => d?.reportFailure(t));


/** A v1 cgroup file of a host process (hybrid host: /sys/fs/cgroup/<controller>/<path>/<file>). */
function hostCgroupFile(pid: number, controller: string, file: string): string {
  const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n')
    .find((l) => l.split(':')[1]?.split(',').includes(controller));
  assert.ok(line, `process ${pid} is in no ${controller} cgroup`);
  const [, ctrls, path] = line.split(':');
  return readFileSync(`/sys/fs/cgroup/${ctrls}${path}/${file}`, 'utf8').trim();
}

async function runningPid(name: string): Promise<number> {
  const r = await d.docker(['inspect', '-f', '{{.State.Pid}}', name]);
  ok(r);
  const pid = Number(r.stdout.trim());
  assert.ok(pid > 0, `no pid for ${name}: ${r.stdout}`);
  return pid;
}

// sh itself holds 64 MiB (a command substitution's output), so the OOM killer picks PID 1
const HOG = 'x=$(head -c 67108864 /dev/zero | tr "\\0" a); echo survived ${#x}';

test('-m 32m: a container holding 64 MiB is OOM-killed (137, OOMKilled true)', async () => {
  const name = uniqueName('oom');
  const r = await d.docker(['run', '--name', name, '-m', '32m', 'busybox', 'sh', '-c', HOG]);
  assert.equal(r.code, 137, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  assert.doesNotMatch(r.stdout, /survived/);
  const st = await d.docker(['inspect', '-f', '{{.State.OOMKilled}} {{.State.ExitCode}} {{.HostConfig.Memory}}', name]);
  ok(st);
  assert.equal(st.stdout, 'true 137 33554432\n');
  ok(await d.docker(['rm', name]));
});

test('the same program without a limit survives (the hog is real, not broken)', async () => {
  const r = await d.docker(['run', '--rm', 'busybox', 'sh', '-c', HOG]);
  ok(r);
  assert.equal(r.stdout, 'survived 67108864\n');
});

test('skiff run -m 32m is OOM-killed too', async () => {
  const r = await d.skiff(['run', '--rm', '-m', '32m', 'busybox', 'sh', '-c', HOG]);
  assert.equal(r.code, 137, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
});

test('-m sets memory.limit_in_bytes on the host and inside the container', async () => {
  const name = uniqueName('mem');
  ok(await d.docker(['run', '-d', '--name', name, '-m', '32m', 'busybox', 'sleep', '1000']));
  try {
    assert.equal(hostCgroupFile(await runningPid(name), 'memory', 'memory.limit_in_bytes'), '33554432');
    const inside = await d.docker(['exec', name, 'cat', '/sys/fs/cgroup/memory/memory.limit_in_bytes']);
    ok(inside);
    assert.equal(inside.stdout, '33554432\n');
  } finally {
    await d.docker(['rm', '-f', name]);
  }
});

test('--pids-limit 10 stops a fork bomb', async () => {
  const name = uniqueName('pids');
  const bomb = 'i=0; while [ $i -lt 40 ]; do sleep 60 & i=$((i+1)); done; echo all-forked';
  const r = await d.docker(['run', '--name', name, '--pids-limit', '10', 'busybox', 'sh', '-c', bomb], { timeoutMs: 30_000 });
  assert.notEqual(r.code, 0, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
  assert.doesNotMatch(r.stdout, /all-forked/);
  assert.match(r.stderr, /fork|Resource temporarily unavailable/i);
  const st = await d.docker(['inspect', '-f', '{{.HostConfig.PidsLimit}}', name]);
  assert.equal(st.stdout, '10\n');
  ok(await d.docker(['rm', '-f', name]));
});

test('--cpus 0.5: NanoCpus in HostConfig, cfs quota 50000 in the cgroup', async () => {
  const name = uniqueName('cpu');
  ok(await d.docker(['run', '-d', '--name', name, '--cpus', '0.5', 'busybox', 'sleep', '1000']));
  try {
    const hc = await d.docker(['inspect', '-f', '{{.HostConfig.NanoCpus}}', name]);
    assert.equal(hc.stdout, '500000000\n');
    const pid = await runningPid(name);
    assert.equal(hostCgroupFile(pid, 'cpu', 'cpu.cfs_quota_us'), '50000');
    assert.equal(hostCgroupFile(pid, 'cpu', 'cpu.cfs_period_us'), '100000');
    const inside = await d.docker(['exec', name, 'cat', '/sys/fs/cgroup/cpu/cpu.cfs_quota_us']);
    ok(inside);
    assert.equal(inside.stdout, '50000\n');
  } finally {
    await d.docker(['rm', '-f', name]);
  }
});

test('--read-only: the root cannot be written', async () => {
  const r = await d.docker(['run', '--rm', '--read-only', 'busybox', 'touch', '/x']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /Read-only file system/);
  ok(await d.docker(['run', '--rm', 'busybox', 'touch', '/x']));
});

test('default capabilities are docker\'s; NET_ADMIN is not among them', async () => {
  const caps = await d.docker(['run', '--rm', 'busybox', 'grep', '^CapEff', '/proc/self/status']);
  ok(caps);
  assert.equal(caps.stdout, 'CapEff:\t00000000a80425fb\n');
  const ip = await d.docker(['run', '--rm', 'busybox', 'ip', 'link', 'add', 'dummy0', 'type', 'dummy']);
  assert.notEqual(ip.code, 0);
  assert.match(ip.stderr, /Operation not permitted/);
  const chown = await d.docker(['run', '--rm', 'busybox', 'sh', '-c', 'touch /tmp/f && chown nobody /tmp/f && echo chowned']);
  ok(chown);
  assert.equal(chown.stdout, 'chowned\n');
});

test('--cap-drop ALL: chown fails and no capability is left', async () => {
  const r = await d.docker(['run', '--rm', '--cap-drop', 'ALL', 'busybox', 'sh', '-c', 'touch /tmp/f && chown nobody /tmp/f']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /Operation not permitted/);
  const caps = await d.docker(['run', '--rm', '--cap-drop', 'ALL', 'busybox', 'grep', '^CapEff', '/proc/self/status']);
  ok(caps);
  assert.equal(caps.stdout, 'CapEff:\t0000000000000000\n');
});

test('--cap-add adds one capability', async () => {
  const caps = await d.docker(['run', '--rm', '--cap-add', 'NET_ADMIN', 'busybox', 'grep', '^CapEff', '/proc/self/status']);
  ok(caps);
  assert.equal(caps.stdout, 'CapEff:\t00000000a80435fb\n'); // + CAP_NET_ADMIN (bit 12)
});
