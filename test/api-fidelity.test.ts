// Docker API fidelity (issue 8): kill/wait semantics, HostConfig fields honoured, logging drivers,
// `docker update`, `system df`, network stats — through the real docker CLI against a private daemon.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ok, run, startDaemon, uniqueName, type Daemon } from './harness.ts';

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
  // an unknown signal is refused (crun would send signal 0 and the kill would do nothing), as are --stop-signal ones
  const bogus = await d.docker(['kill', '-s', 'BOGUS', name]);
  assert.notEqual(bogus.code, 0);
  assert.match(bogus.stderr, /Invalid signal: BOGUS/);
  const badStop = await d.docker(['create', '--stop-signal', 'NOPE', 'busybox']);
  assert.match(badStop.stderr, /Invalid signal: NOPE/);
  ok(await d.docker(['kill', name]));
  assert.equal(await inspect(name, '{{.State.Running}} {{.State.ExitCode}} {{.State.Status}}'), 'false 137 exited');
  // a second kill: docker's words name the container as it was given
  const again = await d.docker(['kill', name]);
  assert.match(again.stderr, new RegExp(`Cannot kill container: ${name}: container [0-9a-f]{64} is not running`));
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

test('--runtime runc runs that container with runc (its state dir), inspect says runc; unknown runtimes are refused', async () => {
  const name = uniqueName('runc');
  ok(await d.docker(['run', '-d', '--name', name, '--runtime', 'runc', 'busybox', 'sleep', '1000']));
  const id = await inspect(name, '{{.Id}}');
  assert.equal(await inspect(name, '{{.HostConfig.Runtime}}'), 'runc');
  assert.ok(existsSync(`${d.root}/run/runc/${id}/state.json`), 'runc keeps the state of the containers it runs');
  assert.ok(!existsSync(`${d.root}/run/crun/${id}`), 'crun never saw it');
  ok(await d.docker(['rm', '-f', name]));
  const bad = await d.docker(['run', '--rm', '--runtime', 'bogus', 'busybox', 'true']);
  assert.equal(bad.code, 125);
  assert.match(bad.stderr, /unknown or invalid runtime name: bogus/);
});

test('--pid host sees the host\'s processes; PidMode/UTSMode/IpcMode round-trip through inspect', async () => {
  const own = await d.docker(['run', '--rm', 'busybox', 'sh', '-c', 'ps -o pid | wc -l']);
  const host = await d.docker(['run', '--rm', '--pid', 'host', '--uts', 'host', '--ipc', 'host', 'busybox', 'sh', '-c', 'ps -o pid | wc -l; hostname']);
  ok(own);
  ok(host);
  const [hostCount, hostname] = host.stdout.trim().split('\n');
  assert.ok(Number(hostCount) > Number(own.stdout.trim()) + 10, `host pids ${hostCount} vs own ${own.stdout}`);
  assert.equal(hostname, readFileSync('/proc/sys/kernel/hostname', 'utf8').trim());
  const name = uniqueName('modes');
  ok(await d.docker(['create', '--name', name, '--pid', 'host', '--uts', 'host', '--ipc', 'shareable', '--isolation', 'default', 'busybox']));
  assert.equal(await inspect(name, '{{.HostConfig.PidMode}} {{.HostConfig.UTSMode}} {{.HostConfig.IpcMode}} {{.HostConfig.Isolation}}'), 'host host shareable default');
  ok(await d.docker(['rm', name]));
});

test('--pid/--ipc container:<name> join a running container\'s namespaces (IPC only from a shareable donor)', async () => {
  const donor = uniqueName('donor');
  ok(await d.docker(['run', '-d', '--name', donor, '--ipc', 'shareable', 'busybox', 'sleep', '1000']));
  const pid = Number(await inspect(donor, '{{.State.Pid}}'));
  const r = await d.docker(['run', '--rm', '--pid', `container:${donor}`, '--ipc', `container:${donor}`, 'busybox', 'sh', '-c', 'ps -o args | grep -c "^sleep 1000"; readlink /proc/self/ns/ipc']);
  ok(r);
  assert.equal(r.stdout, `1\n${readlinkSync(`/proc/${pid}/ns/ipc`)}\n`);
  const priv = uniqueName('private');
  ok(await d.docker(['run', '-d', '--name', priv, 'busybox', 'sleep', '1000']));
  const refused = await d.docker(['run', '--rm', '--ipc', `container:${priv}`, 'busybox', 'true']);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /non-shareable IPC/);
  ok(await d.docker(['rm', '-f', donor, priv]));
});

test('--init runs docker-init (tini) as PID 1; --group-add, --sysctl, --cpuset-cpus, --device are honoured', async () => {
  const init = await d.docker(['run', '--rm', '--init', 'busybox', 'cat', '/proc/1/cmdline']);
  ok(init);
  assert.match(init.stdout, /^\/sbin\/docker-init\0--\0cat\0/);
  const r = await d.docker(['run', '--rm', '--group-add', 'nogroup', '--group-add', '1234', '--sysctl', 'kernel.shmmax=1000000',
    '--cpuset-cpus', '0', '--device', '/dev/fuse:/dev/myfuse:rwm', '--device-cgroup-rule', 'c 1:3 rwm',
    'busybox', 'sh', '-c', 'id -G; cat /proc/sys/kernel/shmmax /sys/fs/cgroup/cpuset/cpuset.cpus; ls -l /dev/myfuse; grep "^c 10:229" /sys/fs/cgroup/devices/devices.list']);
  ok(r);
  const lines = r.stdout.trim().split('\n');
  assert.deepEqual(new Set(lines[0].split(' ')), new Set(['0', '1234', '65534']));
  assert.equal(lines[1], '1000000');
  assert.equal(lines[2], '0');
  assert.match(lines[3], /^crw.* 10, +229 /);
  assert.equal(lines[4], 'c 10:229 rwm');
});

test('bad HostConfig values get docker\'s messages and leave nothing behind', async () => {
  const before = (await d.docker(['ps', '-aq'])).stdout;
  const cases: Array<[string[], RegExp]> = [
    [['--cpuset-cpus', '64'], /Requested CPUs are not available - requested 64, available: /],
    [['--cpuset-mems', '9'], /Requested memory nodes are not available - requested 9/],
    [['--isolation', 'hyperv'], /invalid isolation: "hyperv" - linux only supports 'default'/],
    [['--network', 'host', '--sysctl', 'net.ipv4.ip_forward=1'], /sysctl "net.ipv4.ip_forward" not allowed in host network namespace/],
    [['--device', '/dev/nonexistent'], /error gathering device information while adding custom device "\/dev\/nonexistent": no such file or directory/],
    [['--pid', 'container:nonexistent-x'], /No such container: nonexistent-x/],
    [['--log-driver', 'nosuch'], /logger: no log driver named 'nosuch' is registered/],
    [['--log-opt', 'max-size=abc'], /invalid size: 'abc'/],
    [['--log-opt', 'max-sise=1k'], /unknown log opt 'max-sise' for json-file log driver/],
  ];
  for (const [flags, message] of cases) {
    const r = await d.docker(['create', ...flags, 'busybox', 'true']);
    assert.notEqual(r.code, 0, flags.join(' '));
    assert.match(r.stderr, message, flags.join(' '));
  }
  assert.equal((await d.docker(['ps', '-aq'])).stdout, before);
});

test('--log-opt max-size=1k --log-opt max-file=2 rotates: ≤ 2 files of about 1k, logs (and logs -f) read across them', async () => {
  const name = uniqueName('rotate');
  ok(await d.docker(['run', '-d', '--name', name, '--log-opt', 'max-size=1k', '--log-opt', 'max-file=2', 'busybox', 'sh', '-c',
    'i=0; while [ $i -lt 300 ]; do echo line-$i; usleep 5000; i=$((i+1)); done']));
  const follow = d.docker(['logs', '-f', name], { timeoutMs: 60_000 });
  ok(await d.docker(['wait', name], { timeoutMs: 60_000 }));
  const id = await inspect(name, '{{.Id}}');
  const dir = `${d.root}/containers/${id}`;
  const files = readdirSync(dir).filter((f) => f.startsWith('container.log'));
  assert.ok(files.length <= 2, `files: ${files.join(' ')}`);
  for (const f of files) assert.ok(statSync(`${dir}/${f}`).size < 1500, `${f}: ${statSync(`${dir}/${f}`).size} bytes`);
  const logs = (await d.docker(['logs', name])).stdout.trim().split('\n');
  assert.equal(logs.at(-1), 'line-299');
  assert.ok(logs.length < 60 && logs.length > 15, `${logs.length} lines kept`);
  assert.ok(logs.every((l, i) => i === 0 || Number(l.slice(5)) === Number(logs[i - 1].slice(5)) + 1), 'newest lines, in order, across the two files');
  const tail = (await d.docker(['logs', '--tail', String(logs.length - 2), name])).stdout.trim().split('\n');
  assert.deepEqual(tail, logs.slice(2));
  const followed = (await follow).stdout.trim().split('\n');
  assert.equal(followed.length, 300, `logs -f saw every line while the files rotated; missing after: ${followed.filter((l, i) => i > 0 && Number(l.slice(5)) !== Number(followed[i - 1].slice(5)) + 1).slice(0, 5)} first: ${followed.slice(0, 2)}`);
  assert.equal(followed.at(-1), 'line-299');
  assert.equal(await inspect(name, '{{json .HostConfig.LogConfig}}'), '{"Type":"json-file","Config":{"max-file":"2","max-size":"1k"}}');
  ok(await d.docker(['rm', name]));
});

test('--log-driver none keeps no log: logs answers docker\'s error; the output still reaches an attached client', async () => {
  const name = uniqueName('nolog');
  const r = await d.docker(['run', '--name', name, '--log-driver', 'none', 'busybox', 'echo', 'hello']);
  ok(r);
  assert.equal(r.stdout, 'hello\n');
  const logs = await d.docker(['logs', name]);
  assert.notEqual(logs.code, 0);
  assert.match(logs.stderr, /configured logging driver does not support reading/);
  const id = await inspect(name, '{{.Id}}');
  assert.ok(!existsSync(`${d.root}/containers/${id}/container.log`), 'no log file');
  ok(await d.docker(['rm', name]));
});

test('skiff run takes the same flags: --pid host, --runtime runc, --log-opt, --sysctl, --group-add', async () => {
  const name = uniqueName('skiffflags');
  const r = await d.skiff(['run', '--name', name, '--pid', 'host', '--runtime', 'runc', '--log-opt', 'max-size=10k', '--sysctl', 'kernel.shmmax=123456',
    '--group-add', '4321', '--cpuset-cpus', '0', 'busybox', 'sh', '-c', 'cat /proc/sys/kernel/shmmax; id -G; ps -o pid | wc -l']);
  ok(r);
  const [shmmax, groups, pids] = r.stdout.trim().split('\n');
  assert.equal(shmmax, '123456');
  assert.match(groups, /\b4321\b/);
  assert.ok(Number(pids) > 10);
  assert.equal(await inspect(name, '{{.HostConfig.Runtime}} {{.HostConfig.PidMode}} {{.HostConfig.CpusetCpus}} {{index .HostConfig.LogConfig.Config "max-size"}}'), 'runc host 0 10k');
  ok(await d.docker(['rm', name]));
});

/** A v1 cgroup file of a host process (/sys/fs/cgroup/<controllers>/<path>/<file>). */
function hostCgroupFile(pid: number, controller: string, file: string): string {
  const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => l.split(':')[1]?.split(',').includes(controller));
  assert.ok(line, `process ${pid} is in no ${controller} cgroup`);
  const [, ctrls, path] = line.split(':');
  return readFileSync(`/sys/fs/cgroup/${ctrls}${path}/${file}`, 'utf8').trim();
}

test('docker update changes a running container\'s cgroup (memory, cpus, pids) and the record; --rm refuses a restart policy', async () => {
  const name = uniqueName('update');
  ok(await d.docker(['run', '-d', '--name', name, '-m', '32m', 'busybox', 'sleep', '1000']));
  const pid = Number(await inspect(name, '{{.State.Pid}}'));
  assert.equal(hostCgroupFile(pid, 'memory', 'memory.limit_in_bytes'), String(32 * 1024 * 1024));
  const r = await d.docker(['update', '--memory', '64m', '--cpus', '0.5', '--pids-limit', '50', '--restart', 'on-failure:3', name]);
  ok(r);
  assert.equal(r.stdout, `${name}\n`);
  assert.equal(hostCgroupFile(pid, 'memory', 'memory.limit_in_bytes'), String(64 * 1024 * 1024));
  assert.equal(hostCgroupFile(pid, 'cpu', 'cpu.cfs_quota_us'), '50000');
  assert.equal(hostCgroupFile(pid, 'pids', 'pids.max'), '50');
  assert.equal(await inspect(name, '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}} {{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}'),
    `${64 * 1024 * 1024} 500000000 50 on-failure:3`);
  // the record keeps it: a restart runs with the new limit
  ok(await d.docker(['restart', '-t', '0', name]));
  assert.equal(hostCgroupFile(Number(await inspect(name, '{{.State.Pid}}')), 'memory', 'memory.limit_in_bytes'), String(64 * 1024 * 1024));
  ok(await d.skiff(['update', '--memory', '48m', name]));
  assert.equal(await inspect(name, '{{.HostConfig.Memory}}'), String(48 * 1024 * 1024));
  const small = await d.docker(['update', '--memory', '1m', name]);
  assert.notEqual(small.code, 0);
  assert.match(small.stderr, /Minimum memory limit allowed is 6MB/);
  ok(await d.docker(['rm', '-f', name]));
  const rmName = uniqueName('updrm');
  ok(await d.docker(['run', '-d', '--rm', '--name', rmName, 'busybox', 'sleep', '1000']));
  const refused = await d.docker(['update', '--restart', 'always', rmName]);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /restart policy cannot be updated because AutoRemove is enabled for the container/);
  ok(await d.docker(['rm', '-f', rmName]));
});

test('sizes are real: ps -s SizeRw, system df (and -v), container prune\'s reclaimed space', async () => {
  const name = uniqueName('sized');
  ok(await d.docker(['run', '--name', name, 'busybox', 'sh', '-c', 'head -c 300000 /dev/zero > /blob']));
  const ps = (await d.api('GET', `/containers/json?all=1&size=1&filters=${encodeURIComponent(JSON.stringify({ name: [name] }))}`)).json<Array<{ SizeRw: number; SizeRootFs: number }>>();
  assert.equal(ps.length, 1);
  assert.ok(ps[0].SizeRw >= 300000 && ps[0].SizeRw < 310000, `SizeRw ${ps[0].SizeRw}`);
  assert.ok(ps[0].SizeRootFs > ps[0].SizeRw + 1_000_000, `SizeRootFs ${ps[0].SizeRootFs}`);
  const df = await d.docker(['system', 'df']);
  ok(df);
  assert.match(df.stdout, /^TYPE +TOTAL +ACTIVE +SIZE +RECLAIMABLE\n/);
  assert.match(df.stdout, /\nImages +1 +\d+ +[\d.]+MB +/);
  assert.match(df.stdout, /\nContainers +\d+ +\d+ +[\d.]+kB +[\d.]+kB \(\d+%\)\n/);
  const dfv = await d.docker(['system', 'df', '-v']);
  ok(dfv);
  assert.match(dfv.stdout, new RegExp(`\\n[0-9a-f]{12} +busybox .* 300kB .*${name}\\n`));
  const skiffDf = await d.skiff(['system', 'df']);
  ok(skiffDf);
  assert.match(skiffDf.stdout, /\nContainers +\d+ +\d+ +[\d.]+kB/);
  const prune = (await d.api('POST', `/containers/prune?filters=${encodeURIComponent(JSON.stringify({ label: ['nonexistent-label'] }))}`)).json<{ SpaceReclaimed: number }>();
  assert.equal(prune.SpaceReclaimed, 0);
  const id = await inspect(name, '{{.Id}}');
  // until=1h is an hour ago (docker's GetTimestamp): a container made just now is kept; a bad value is refused
  const older = await d.docker(['container', 'prune', '-f', '--filter', 'until=1h']);
  ok(older);
  assert.doesNotMatch(older.stdout, new RegExp(id));
  const bad = await d.docker(['container', 'prune', '-f', '--filter', 'until=soon']);
  assert.match(bad.stderr, /failed to parse value as time or duration: "soon"/);
  const all = await d.docker(['container', 'prune', '-f']);
  ok(all);
  assert.match(all.stdout, new RegExp(id));
  assert.match(all.stdout, /Total reclaimed space: 30\dkB/);
});

test('image prune and system prune: dangling images go, reclaimed is the unshared layers\' real size; used images stay', async () => {
  const dir = join(d.root, uniqueName('imp'));
  mkdirSync(dir);
  writeFileSync(join(dir, 'blob'), randomBytes(300_000));
  ok(await run('tar', ['-C', dir, '-cf', `${dir}.tar`, 'blob']));
  const ref = `${uniqueName('prunable').toLowerCase()}:1`;
  ok(await d.docker(['import', `${dir}.tar`, ref]));
  const first = (await d.docker(['image', 'inspect', '-f', '{{.Id}}', ref])).stdout.trim();
  ok(await d.docker(['import', `${dir}.tar`, ref])); // the tag moves: the first import is dangling now
  assert.notEqual((await d.docker(['image', 'inspect', '-f', '{{.Id}}', ref])).stdout.trim(), first);
  const pruned = await d.docker(['image', 'prune', '-f']);
  ok(pruned);
  assert.match(pruned.stdout, new RegExp(`^Deleted Images:\\ndeleted: ${first}\\n`));
  // its one layer is the tagged image's too: nothing is freed on disk
  assert.match(pruned.stdout, /Total reclaimed space: 0B\n$/);
  assert.notEqual((await d.docker(['image', 'inspect', first])).code, 0);
  // system prune runs every step (containers, networks, images, build cache) without a 404 on the way
  ok(await d.docker(['system', 'prune', '-f']));
  // -a takes the unused tagged image too (its layer goes: 300 kB), never busybox while a container uses it
  const keep = uniqueName('keepbb');
  ok(await d.docker(['create', '--name', keep, 'busybox']));
  const all = await d.docker(['image', 'prune', '-a', '-f']);
  ok(all);
  assert.match(all.stdout, new RegExp(`untagged: ${ref}\\n`));
  assert.match(all.stdout, /Total reclaimed space: 30\dkB\n$/);
  assert.equal((await d.docker(['image', 'inspect', '-f', '{{.Id}}', 'busybox'])).code, 0);
  ok(await d.docker(['rm', keep]));
});

test('stats carries no networks for --network none (docker leaves them out); a container of its own network has its interfaces', async () => {
  const none = uniqueName('netnone');
  ok(await d.docker(['run', '-d', '--name', none, '--network', 'none', 'busybox', 'sleep', '1000']));
  const s = (await d.api('GET', `/containers/${none}/stats?stream=0&one-shot=1`)).json<Record<string, unknown>>();
  assert.ok(s.memory_stats && !('networks' in s), 'no networks for --network none');
  ok(await d.docker(['rm', '-f', none]));
  const own = uniqueName('netown');
  ok(await d.docker(['run', '-d', '--name', own, 'busybox', 'sleep', '1000']));
  if ((await inspect(own, '{{.HostConfig.NetworkMode}}')) !== 'none') {
    // bridge networking (network helper): eth0's counters from the container's own namespace
    const st = (await d.api('GET', `/containers/${own}/stats?stream=0&one-shot=1`)).json<{ networks?: Record<string, { rx_bytes: number }> }>();
    assert.ok(st.networks?.eth0, `networks: ${JSON.stringify(st.networks)}`);
  }
  ok(await d.docker(['rm', '-f', own]));
});

// what an SDK user does: create with HostConfig fields, kill, reload at once, read the attributes back
const sdkScript = `
import docker, json, sys
c = docker.from_env()
ct = c.containers.run('busybox', ['sleep', '1000'], name=sys.argv[1], detach=True, pid_mode='host', runtime='runc',
    sysctls={'kernel.shmmax': '123456'}, group_add=['1234'], cpuset_cpus='0', init=True,
    log_config={'type': 'json-file', 'config': {'max-size': '1k', 'max-file': '2'}})
ct.update(mem_limit='64m')
ct.kill()
ct.reload()
s, hc = ct.attrs['State'], ct.attrs['HostConfig']
print(json.dumps([s['Running'], s['ExitCode'], hc['PidMode'], hc['Runtime'], hc['Sysctls'], hc['GroupAdd'], hc['CpusetCpus'], hc['Init'], hc['LogConfig'], hc['Memory']]))
ct.remove()
`;

test('the python docker SDK: HostConfig round-trips, update, kill then reload shows exit 137', async () => {
  const name = uniqueName('sdkfid');
  const r = await run('/usr/bin/python3', ['-c', sdkScript, name], { env: { ...process.env, ...d.env } as Record<string, string> });
  ok(r);
  assert.deepEqual(JSON.parse(r.stdout), [false, 137, 'host', 'runc', { 'kernel.shmmax': '123456' }, ['1234'], '0', true,
    { Type: 'json-file', Config: { 'max-size': '1k', 'max-file': '2' } }, 64 * 1024 * 1024]);
});
