// The runtime's sessions and settings against a real engine: exec with stdin and a TTY, attach,
// port-forward into the pod's netns, stats, hostPorts, a hostNetwork pod, security context, mounts,
// resources and OOMKilled. Needs root and the busybox base image tar.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, readlink, rename, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { startTestRuntime, until, type TestRuntime } from './testing.ts';

let t: TestRuntime;
let sb = '';
let main = '';
before(async () => {
  t = await startTestRuntime();
  sb = await t.rt.runPodSandbox(t.sandboxConfig('s'));
  main = await t.rt.createContainer(sb, t.containerConfig('main', ['sh', '-c', 'mkdir -p /www && echo pf-ok > /www/index.html && exec httpd -f -p 8081 -h /www']), t.sandboxConfig('s'));
  await t.rt.startContainer(main);
});
after(() => t?.cleanup());

function readAll(r: Readable | null): Promise<string> {
  return new Promise((resolve, reject) => {
    if (!r) return resolve('');
    let s = '';
    r.on('data', (b: Buffer) => (s += b.toString()));
    r.once('end', () => resolve(s));
    r.once('error', reject);
  });
}

test('exec: stdin in, stdout and stderr apart, the exit code', async () => {
  const s = await t.rt.exec({ containerId: main, cmd: ['sh', '-c', 'cat; echo done >&2; exit 5'], tty: false, stdin: true, stdout: true, stderr: true });
  const [out, err] = [readAll(s.stdout), readAll(s.stderr)];
  s.stdin!.end('hello via stdin\n');
  assert.deepEqual(await s.done, { exitCode: 5 });
  assert.equal(await out, 'hello via stdin\n');
  assert.equal(await err, 'done\n');
});

test('exec with a TTY: one stream, resize seen by the process', async () => {
  const s = await t.rt.exec({ containerId: main, cmd: ['sh', '-c', 'sleep 0.3; stty size'], tty: true, stdin: false, stdout: true, stderr: false });
  assert.equal(s.stderr, null);
  await s.resize(101, 33);
  const out = readAll(s.stdout);
  assert.equal((await s.done).exitCode, 0);
  assert.equal((await out).trim(), '33 101');
});

test('attach: the output of a container with stdin, and its input', async () => {
  const cfg = t.sandboxConfig('s');
  const c = await t.rt.createContainer(sb, t.containerConfig('cat', ['sh', '-c', 'read line; echo "got $line"'], { stdin: true, stdinOnce: true }), cfg);
  await t.rt.startContainer(c);
  const s = await t.rt.attach({ containerId: c, tty: false, stdin: true, stdout: true, stderr: true });
  const out = readAll(s.stdout);
  s.stdin!.end('ping\n');
  assert.equal(await out, 'got ping\n');
  assert.equal((await s.done).exitCode, 0);
  assert.equal((await t.exited(c)).exitCode, 0);
});

test('portForward: a connection to the pod\'s loopback; a closed port is refused', async () => {
  const t0 = performance.now();
  const conn = await t.rt.portForward(sb, 8081);
  const connectMs = performance.now() - t0;
  conn.end('GET / HTTP/1.0\r\n\r\n');
  const reply = await readAll(conn);
  assert.match(reply, /^HTTP\/1\.[01] 200/);
  assert.match(reply, /pf-ok/);
  console.log(`portForward connect: ${connectMs.toFixed(1)} ms`);
  await assert.rejects(t.rt.portForward(sb, 1), /Connection refused/);
});

test('stats: cpu and memory of a container and of its pod', async () => {
  await t.rt.execSync(main, ['sh', '-c', 'i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done'], 30);
  const s = await t.rt.containerStats(main);
  assert.equal(s.id, main);
  assert.equal(s.metadata.name, 'main');
  assert.ok(s.cpu.usageCoreNanoSeconds > 0, JSON.stringify(s.cpu));
  assert.ok(s.memory.workingSetBytes > 0, JSON.stringify(s.memory));
  assert.ok(s.writableLayer && s.writableLayer.usedBytes > 0, 'the written index.html counts');
  const again = await t.rt.containerStats(main);
  assert.ok(again.cpu.usageNanoCores !== undefined);
  // traffic on the pod's eth0 (the host asks httpd at the pod IP)
  assert.match(await (await fetch(`http://${(await t.rt.podSandboxStatus(sb)).network.ip}:8081/`)).text(), /pf-ok/);
  const p = await t.rt.podSandboxStats(sb);
  assert.ok(p.cpu.usageCoreNanoSeconds >= s.cpu.usageCoreNanoSeconds);
  assert.ok(p.containers.some((c) => c.id === main));
  assert.ok(p.network?.interfaces.some((i) => i.name === 'eth0' && i.rxBytes > 0));
  const listed = await t.rt.listContainerStats({ podSandboxId: sb });
  assert.ok(listed.some((c) => c.id === main));
});

test('hostPort: the pod\'s port published on the host', async () => {
  const free = await new Promise<number>((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
  const cfg = t.sandboxConfig('hp', { portMappings: [{ protocol: 'TCP', containerPort: 8082, hostPort: free }] });
  const p = await t.rt.runPodSandbox(cfg);
  const c = await t.rt.createContainer(p, t.containerConfig('web', ['sh', '-c', 'mkdir -p /w && echo hp-ok > /w/index.html && exec httpd -f -p 8082 -h /w']), cfg);
  await t.rt.startContainer(c);
  const body = await until(async () => (await fetch(`http://127.0.0.1:${free}/`).then((r) => r.text(), () => '')) || undefined);
  assert.equal(body, 'hp-ok\n');
  // a second pod asking for the same hostPort is refused and leaves nothing behind
  const other = t.sandboxConfig('hp2', { portMappings: [{ protocol: 'TCP', containerPort: 80, hostPort: free }] });
  await assert.rejects(t.rt.runPodSandbox(other), { kind: 'Conflict', message: new RegExp(`${free}`) });
  assert.deepEqual(await t.rt.listPodSandbox({ labelSelector: { app: 'hp2' } }), []);
  await t.rt.removePodSandbox(p);
  await assert.rejects(fetch(`http://127.0.0.1:${free}/`));
});

test('a hostNetwork pod uses the host\'s network and hostname', async () => {
  const cfg = t.sandboxConfig('hn', { hostname: hostname(), linux: { sysctls: {}, securityContext: { namespaceOptions: { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' } } } });
  const p = await t.rt.runPodSandbox(cfg);
  const st = await t.rt.podSandboxStatus(p);
  assert.equal(st.linux?.namespaces.options.network, 'NODE');
  const c = await t.rt.createContainer(p, t.containerConfig('c', ['sleep', '600']), cfg);
  await t.rt.startContainer(c);
  const inside = (await t.rt.execSync(c, ['readlink', '/proc/self/ns/net'], 5)).stdout.toString().trim();
  assert.equal(inside, await readlink('/proc/self/ns/net'));
  assert.equal((await t.rt.execSync(c, ['hostname'], 5)).stdout.toString().trim(), hostname());
  await t.rt.removePodSandbox(p);
});

test('security context, mounts and resources reach the process', async () => {
  const cfg = t.sandboxConfig('s');
  const host = `${t.dir}/data`;
  await mkdir(host, { recursive: true });
  await writeFile(`${host}/f`, 'from-host\n');
  const c = await t.rt.createContainer(sb, t.containerConfig('sec', ['sleep', '600'], {
    envs: [{ key: 'GREETING', value: 'hi there' }],
    mounts: [{ containerPath: '/data', hostPath: host, readonly: true }],
    linux: {
      resources: { memoryLimitInBytes: 64 * 1024 * 1024, cpuShares: 256, cpuQuota: 50000, cpuPeriod: 100000 },
      securityContext: { runAsUser: 1000, runAsGroup: 1001, supplementalGroups: [2000], readonlyRootfs: true, capabilities: { addCapabilities: [], dropCapabilities: ['ALL'] }, noNewPrivs: true },
    },
  }), cfg);
  await t.rt.startContainer(c);
  const run = async (sh: string) => (await t.rt.execSync(c, ['sh', '-c', sh], 5));
  assert.equal((await run('id -u; id -g; id -G')).stdout.toString(), '1000\n1001\n1001 2000\n');
  assert.equal((await run('echo "$GREETING"')).stdout.toString(), 'hi there\n');
  assert.equal((await run('cat /data/f')).stdout.toString(), 'from-host\n');
  assert.notEqual((await run('echo x > /data/g')).exitCode, 0, 'read-only bind');
  assert.notEqual((await run('echo x > /rootfile')).exitCode, 0, 'read-only root');
  assert.match((await run('grep CapEff /proc/self/status')).stdout.toString(), /CapEff:\s+0+\n/);
  assert.match((await run('grep NoNewPrivs /proc/self/status')).stdout.toString(), /NoNewPrivs:\s+1/);
  assert.equal((await readFile(`/sys/fs/cgroup/memory/${t.cgroupRoot}/poduid-s/${c}/memory.limit_in_bytes`, 'utf8')).trim(), String(64 * 1024 * 1024));
  assert.equal((await readFile(`/sys/fs/cgroup/cpu/${t.cgroupRoot}/poduid-s/${c}/cpu.cfs_quota_us`, 'utf8')).trim(), '50000');
  assert.equal((await readFile(`/sys/fs/cgroup/cpu/${t.cgroupRoot}/poduid-s/${c}/cpu.shares`, 'utf8')).trim(), '256');
  await t.rt.updateContainerResources(c, { memoryLimitInBytes: 96 * 1024 * 1024 });
  assert.equal((await readFile(`/sys/fs/cgroup/memory/${t.cgroupRoot}/poduid-s/${c}/memory.limit_in_bytes`, 'utf8')).trim(), String(96 * 1024 * 1024));
  await t.rt.removeContainer(c);
});

test('a container past its memory limit is OOMKilled', async () => {
  const cfg = t.sandboxConfig('s');
  const c = await t.rt.createContainer(sb, t.containerConfig('hog', ['sh', '-c', 'x=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa; while true; do x="$x$x"; done'], {
    linux: { resources: { memoryLimitInBytes: 16 * 1024 * 1024, memorySwapLimitInBytes: 16 * 1024 * 1024 } },
  }), cfg);
  await t.rt.startContainer(c);
  const s = await t.exited(c);
  assert.equal(s.reason, 'OOMKilled');
  assert.equal(s.exitCode, 137);
});

test('reopenContainerLog: after the kubelet renames the log, a fresh file at the same path takes the new lines', async () => {
  const cfg = t.sandboxConfig('s');
  const c = await t.rt.createContainer(sb, t.containerConfig('ticker', ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 0.05; done']), cfg);
  await t.rt.startContainer(c);
  const { logPath } = await t.rt.containerStatus(c);
  await until(async () => (await readFile(logPath, 'utf8').catch(() => '')).includes('tick 2'));
  await rename(logPath, `${logPath}.20261205-000000`);
  await t.rt.reopenContainerLog(c);
  const fresh = await until(async () => {
    const text = await readFile(logPath, 'utf8').catch(() => '');
    return /stdout F tick \d+\n/.test(text) && text;
  });
  const first = Number(/tick (\d+)/.exec(fresh)![1]);
  const old = await readFile(`${logPath}.20261205-000000`, 'utf8');
  assert.ok(first > 2 && !old.includes(`tick ${first}\n`), 'the new lines go to the new file only');
  await t.rt.removeContainer(c);
});

test('a pod sharing one PID namespace sees the pause process as PID 1; pod sysctls apply in its namespaces', async () => {
  const cfg = t.sandboxConfig('pid', {
    linux: {
      sysctls: { 'net.ipv4.ip_unprivileged_port_start': '80', 'kernel.shm_rmid_forced': '1' },
      securityContext: { namespaceOptions: { network: 'POD', pid: 'POD', ipc: 'POD' } },
    },
  });
  const p = await t.rt.runPodSandbox(cfg);
  assert.equal((await t.rt.podSandboxStatus(p)).linux?.namespaces.options.pid, 'POD');
  const c = await t.rt.createContainer(p, t.containerConfig('c', ['sleep', '600']), cfg);
  await t.rt.startContainer(c);
  const run = async (sh: string) => (await t.rt.execSync(c, ['sh', '-c', sh], 5)).stdout.toString().trim();
  assert.equal(await run('cat /proc/1/cmdline | tr "\\0" " "'), '/pause');
  assert.equal(await run('cat /proc/sys/net/ipv4/ip_unprivileged_port_start'), '80');
  assert.equal(await run('cat /proc/sys/kernel/shm_rmid_forced'), '1');
  // a pod that does not share has its own PID 1
  const own = await t.rt.createContainer(sb, t.containerConfig('own', ['sleep', '600']), t.sandboxConfig('s'));
  await t.rt.startContainer(own);
  assert.equal((await t.rt.execSync(own, ['sh', '-c', 'cat /proc/1/cmdline | tr "\\0" " "'], 5)).stdout.toString().trim(), 'sleep 600');
  await t.rt.removeContainer(own);
  await t.rt.removePodSandbox(p);
});

test('attach to a TTY container: one stream, resize reaches the terminal, the session ends with the shell', async () => {
  const cfg = t.sandboxConfig('s');
  const c = await t.rt.createContainer(sb, t.containerConfig('tty', ['sh'], { stdin: true, tty: true }), cfg);
  await t.rt.startContainer(c);
  const s = await t.rt.attach({ containerId: c, tty: true, stdin: true, stdout: true, stderr: true });
  assert.equal(s.stderr, null);
  await s.resize(120, 40);
  const out = readAll(s.stdout);
  s.stdin!.write('stty size; exit 3\n');
  assert.equal((await s.done).exitCode, 3);
  assert.match(await out, /40 120/);
  await t.rt.removeContainer(c);
});
