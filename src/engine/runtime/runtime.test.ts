// The kubelet's seam against a real engine (private root, real crun/conmon/CNI): sandboxes on a pod CIDR,
// containers sharing its namespaces, statuses and reasons, logs in CRI format, execSync, and a second
// engine + runtime on the same root finding the pods again. Needs root and the busybox base image tar.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { startTestRuntime, until, type TestRuntime } from './testing.ts';

let t: TestRuntime;
before(async () => {
  t = await startTestRuntime();
});
after(() => t?.cleanup());

test('a pod: sandbox on the pod CIDR, two containers sharing its network, IPC and UTS; reachable from the host', async () => {
  const sb = await t.rt.runPodSandbox(t.sandboxConfig('web', {
    dnsConfig: { servers: ['10.96.0.10'], searches: ['default.svc.cluster.local'], options: ['ndots:5'] },
    linux: { sysctls: {}, resources: { memoryLimitInBytes: 256 * 1024 * 1024, cpuQuota: 150000, cpuPeriod: 100000, cpuShares: 1536 } },
  }));
  // the pod's cgroup holds its limits; the sandbox sits under it
  const podCg = (ctrl: string) => `/sys/fs/cgroup/${ctrl}/${t.cgroupRoot}/poduid-web`;
  assert.equal((await readFile(`${podCg('memory')}/memory.limit_in_bytes`, 'utf8')).trim(), String(256 * 1024 * 1024));
  assert.equal((await readFile(`${podCg('cpu')}/cpu.cfs_quota_us`, 'utf8')).trim(), '150000');
  assert.equal((await readFile(`${podCg('cpu')}/cpu.shares`, 'utf8')).trim(), '1536');
  assert.ok(existsSync(`${podCg('memory')}/${sb}`), 'the pause container in the pod cgroup');
  const st = await t.rt.podSandboxStatus(sb);
  assert.equal(st.state, 'SANDBOX_READY');
  assert.deepEqual(st.metadata, { name: 'web', uid: 'uid-web', namespace: 'default', attempt: 0 });
  assert.equal(st.labels.app, 'web');
  assert.equal(st.annotations.note, 'x');
  const prefix = t.podCIDR.split('.').slice(0, 3).join('.') + '.';
  assert.ok(st.network.ip.startsWith(prefix), `${st.network.ip} on ${t.podCIDR}`);

  const httpd = await t.rt.createContainer(sb, t.containerConfig('httpd', ['sh', '-c', 'mkdir -p /www && echo hello-pod > /www/index.html && exec httpd -f -p 8080 -h /www']), t.sandboxConfig('web'));
  await t.rt.startContainer(httpd);
  const client = await t.rt.createContainer(sb, t.containerConfig('client', ['sleep', '600']), t.sandboxConfig('web'));
  await t.rt.startContainer(client);
  assert.ok(existsSync(`${podCg('memory')}/${client}`) && existsSync(`${podCg('pids')}/${client}`), 'containers in the pod cgroup');
  assert.ok((await t.rt.containerStats(client)).memory.workingSetBytes > 0, 'stats read the container where it is');
  assert.equal((await t.rt.containerStatus(client)).state, 'CONTAINER_RUNNING');

  // the other container reaches httpd on localhost: one network namespace
  const got = await until(async () => {
    const r = await t.rt.execSync(client, ['wget', '-q', '-O', '-', 'http://127.0.0.1:8080/'], 5);
    return r.exitCode === 0 && r.stdout.toString();
  });
  assert.equal(got, 'hello-pod\n');
  // the host reaches the pod at its IP
  const res = await fetch(`http://${st.network.ip}:8080/`);
  assert.equal(await res.text(), 'hello-pod\n');

  const ns = async (id: string, what: string) => (await t.rt.execSync(id, ['readlink', `/proc/self/ns/${what}`], 5)).stdout.toString().trim();
  for (const what of ['net', 'ipc', 'uts']) assert.equal(await ns(client, what), await ns(httpd, what), `${what} namespace shared`);
  assert.notEqual(await ns(client, 'mnt'), await ns(httpd, 'mnt'));
  assert.equal((await t.rt.execSync(client, ['hostname'], 5)).stdout.toString().trim(), 'web');
  const resolv = (await t.rt.execSync(client, ['cat', '/etc/resolv.conf'], 5)).stdout.toString();
  assert.match(resolv, /^nameserver 10\.96\.0\.10$/m);
  assert.doesNotMatch(resolv, /nameserver (?!10\.96\.0\.10)/);
  assert.match(resolv, /^search default\.svc\.cluster\.local$/m);
  assert.match(resolv, /^options ndots:5$/m);

  const listed = await t.rt.listContainers({ podSandboxId: sb });
  assert.deepEqual(listed.map((c) => c.metadata.name).sort(), ['client', 'httpd']);
  assert.deepEqual((await t.rt.listContainers({ labelSelector: { 'io.kubernetes.container.name': 'httpd' } })).map((c) => c.id), [httpd]);
  assert.deepEqual((await t.rt.listPodSandbox({ labelSelector: { app: 'web' } })).map((p) => p.id), [sb]);

  // stop: the containers and the sandbox go down, the address is released; twice is fine
  await t.rt.stopPodSandbox(sb);
  await t.rt.stopPodSandbox(sb);
  assert.equal((await t.rt.podSandboxStatus(sb)).state, 'SANDBOX_NOTREADY');
  assert.equal((await t.rt.podSandboxStatus(sb)).network.ip, '');
  assert.equal((await t.rt.containerStatus(httpd)).state, 'CONTAINER_EXITED');
  const leases = await readdir(`${t.dir}/root/networks/ipam`, { recursive: true }).catch(() => [] as string[]);
  assert.ok(!leases.some((f) => String(f).endsWith(st.network.ip)), `lease of ${st.network.ip} released: ${leases.join(' ')}`);
  await t.rt.removePodSandbox(sb);
  await t.rt.removePodSandbox(sb);
  await assert.rejects(t.rt.podSandboxStatus(sb), { kind: 'NotFound' });
  await assert.rejects(t.rt.containerStatus(httpd), { kind: 'NotFound' });
  assert.equal(existsSync(`/run/netns/skiff-${sb}`), false);
  assert.equal(existsSync(podCg('memory')), false, 'the pod cgroup goes with the pod');
});

test('container statuses: exit codes, Completed/Error, a command that is not there, a restart as attempt 1; logs in CRI format', async () => {
  const cfg = t.sandboxConfig('jobs');
  const sb = await t.rt.runPodSandbox(cfg);
  const ok = await t.rt.createContainer(sb, t.containerConfig('ok', ['sh', '-c', 'echo out; echo err >&2']), cfg);
  const bad = await t.rt.createContainer(sb, t.containerConfig('bad', ['sh', '-c', 'exit 3']), cfg);
  await t.rt.startContainer(ok);
  await t.rt.startContainer(bad);
  const s1 = await t.exited(ok);
  assert.equal(s1.exitCode, 0);
  assert.equal(s1.reason, 'Completed');
  assert.ok(s1.startedAt > 0 && s1.finishedAt >= s1.startedAt && s1.createdAt <= s1.startedAt, JSON.stringify(s1));
  assert.ok(Math.abs(s1.createdAt / 1e6 - Date.now()) < 60_000, 'times are unix ns');
  assert.equal(s1.logPath, `${t.dir}/pods/jobs/ok/0.log`);
  assert.equal(s1.imageRef, (await t.engine.images.get('busybox')).id);
  const lines = (await readFile(s1.logPath, 'utf8')).trim().split('\n').sort((a, b) => a.split(' ')[1].localeCompare(b.split(' ')[1]));
  assert.equal(lines.length, 2);
  for (const l of lines) assert.match(l, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+(Z|[+-]\d\d:\d\d) (stdout|stderr) F (out|err)$/);
  assert.deepEqual(lines.map((l) => l.split(' ').slice(1).join(' ')).sort(), ['stderr F err', 'stdout F out']);
  const s2 = await t.exited(bad);
  assert.equal(s2.exitCode, 3);
  assert.equal(s2.reason, 'Error');

  const missing = await t.rt.createContainer(sb, t.containerConfig('missing', ['/no/such/cmd']), cfg);
  await assert.rejects(t.rt.startContainer(missing));
  const s3 = await t.rt.containerStatus(missing);
  assert.equal(s3.state, 'CONTAINER_EXITED');
  assert.equal(s3.reason, 'ContainerCannotRun');
  assert.match(s3.message, /no\/such\/cmd/);
  assert.notEqual(s3.exitCode, 0);

  // the kubelet restarts by creating anew with attempt + 1
  const again = await t.rt.createContainer(sb, t.containerConfig('bad', ['sh', '-c', 'exit 4'], { metadata: { name: 'bad', attempt: 1 }, logPath: 'bad/1.log' }), cfg);
  assert.notEqual(again, bad);
  await t.rt.startContainer(again);
  const s4 = await t.exited(again);
  assert.deepEqual(s4.metadata, { name: 'bad', attempt: 1 });
  assert.equal(s4.exitCode, 4);
  assert.equal((await t.rt.containerStatus(bad)).exitCode, 3, 'the previous attempt is still there (kubectl logs --previous)');

  // stop and remove of a container are idempotent
  await t.rt.stopContainer(ok, 1);
  await t.rt.removeContainer(ok);
  await t.rt.removeContainer(ok);
  await t.rt.removePodSandbox(sb);
  assert.deepEqual(await t.rt.listContainers({ podSandboxId: sb }), []);
});

test('execSync: output, exit code, and a timeout that kills the command', async () => {
  const cfg = t.sandboxConfig('exec');
  const sb = await t.rt.runPodSandbox(cfg);
  const c = await t.rt.createContainer(sb, t.containerConfig('main', ['sleep', '600']), cfg);
  await t.rt.startContainer(c);
  const r = await t.rt.execSync(c, ['sh', '-c', 'echo a; echo b >&2; exit 7'], 10);
  assert.deepEqual([r.stdout.toString(), r.stderr.toString(), r.exitCode], ['a\n', 'b\n', 7]);
  const t0 = Date.now();
  await assert.rejects(t.rt.execSync(c, ['sleep', '30'], 1), { kind: 'DeadlineExceeded' });
  assert.ok(Date.now() - t0 < 10_000, `killed at the deadline (${Date.now() - t0} ms)`);
  // the stop timeout: a process that ignores TERM is killed after it
  const stubborn = await t.rt.createContainer(sb, t.containerConfig('stubborn', ['sh', '-c', 'trap "" TERM; while true; do sleep 1; done']), cfg);
  await t.rt.startContainer(stubborn);
  const s0 = Date.now();
  await t.rt.stopContainer(stubborn, 1);
  const st = await t.rt.containerStatus(stubborn);
  assert.equal(st.state, 'CONTAINER_EXITED');
  assert.equal(st.exitCode, 137);
  assert.ok(Date.now() - s0 < 8000);
  await t.rt.removePodSandbox(sb);
});

test('a fresh engine and runtime on the same root find the pods again', async () => {
  const cfg = t.sandboxConfig('keep');
  const sb = await t.rt.runPodSandbox(cfg);
  const c = await t.rt.createContainer(sb, t.containerConfig('main', ['sleep', '600'], { labels: { tier: 'x' }, annotations: { a: 'b' } }), cfg);
  await t.rt.startContainer(c);
  const ip = (await t.rt.podSandboxStatus(sb)).network.ip;
  await t.reopen();
  const pods = await t.rt.listPodSandbox({ labelSelector: { app: 'keep' } });
  assert.deepEqual(pods.map((p) => [p.id, p.state, p.metadata.name]), [[sb, 'SANDBOX_READY', 'keep']]);
  assert.equal((await t.rt.podSandboxStatus(sb)).network.ip, ip);
  const cs = await t.rt.listContainers({ podSandboxId: sb, state: 'CONTAINER_RUNNING' });
  assert.deepEqual(cs.map((x) => [x.id, x.labels.tier, x.annotations.a]), [[c, 'x', 'b']]);
  assert.equal((await t.rt.execSync(c, ['true'], 5)).exitCode, 0);
  await t.rt.removePodSandbox(sb);
});

test('images: status, list with the pinned pause image, remove', async () => {
  const st = await t.images.imageStatus({ image: 'busybox' });
  assert.equal(st?.id, (await t.engine.images.get('busybox')).id);
  assert.equal(await t.images.imageStatus({ image: 'nosuch:1' }), null);
  const all = await t.images.listImages();
  assert.ok(all.some((i) => i.repoTags.includes('skiff/pause:2') && i.pinned));
  assert.ok(all.some((i) => i.repoTags.includes('busybox:latest') && !i.pinned));
  const fs = await t.images.imageFsInfo();
  assert.ok(fs[0].usedBytes > 0);
  await t.images.removeImage({ image: 'nosuch:1' });
});
