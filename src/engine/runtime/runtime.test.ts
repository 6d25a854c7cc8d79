// The kubelet's seam against a real engine (private root, real crun/conmon/CNI): sandboxes on a pod CIDR,
// containers sharing its namespaces, statuses and reasons, logs in CRI format, execSync, and a second
// engine + runtime on the same root finding the pods again. Needs root and the busybox base image tar.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { createEngine, createRuntimeService } from '../index.ts';
import type { Cri, Engine } from '../index.ts';
import { sweepNetwork, testNetworkOptions } from '../network/testing.ts';

const BUSYBOX_TAR = '/var/cache/skiff/base-images/busybox.tar';
let dir = '';
let engine: Engine;
let rt: Cri.RuntimeService;
let images: Cri.ImageService;
const root = () => `${dir}/root`;
const runRoot = () => `${dir}/run`;
const net = testNetworkOptions();
// a pod CIDR of this file's own: another free /24, and a bridge name no other test uses
const pod = testNetworkOptions();
const podCIDR = pod.bip.replace(/\.1\/24$/, '.0/24');
const podBridge = `kp${pod.bridge.slice(2)}`;
const opts = { podCIDR, bridge: podBridge, networkName: `pods-${pod.bridge}` };

function sandboxConfig(name: string, o: Partial<Cri.PodSandboxConfig> = {}): Cri.PodSandboxConfig {
  return {
    metadata: { name, uid: `uid-${name}`, namespace: 'default', attempt: 0 },
    hostname: name, logDirectory: `${dir}/pods/${name}`, portMappings: [],
    labels: { app: name, 'io.kubernetes.pod.name': name }, annotations: { note: 'x' },
    linux: { sysctls: {} },
    ...o,
  };
}

function containerConfig(name: string, command: string[], o: Partial<Cri.ContainerConfig> = {}): Cri.ContainerConfig {
  return {
    metadata: { name, attempt: 0 }, image: { image: 'busybox' }, command, args: [], envs: [], mounts: [],
    labels: { 'io.kubernetes.container.name': name }, annotations: {}, logPath: `${name}/0.log`,
    stdin: false, stdinOnce: false, tty: false, linux: {},
    ...o,
  };
}

async function until<T>(fn: () => Promise<T | undefined | false>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(50);
  }
}

const exited = (id: string) => until(async () => {
  const s = await rt.containerStatus(id);
  return s.state === 'CONTAINER_EXITED' && s;
});

before(async () => {
  assert.ok(existsSync(BUSYBOX_TAR), `missing ${BUSYBOX_TAR}: run scripts/base-images busybox`);
  dir = await mkdtemp('/var/tmp/skiff-runtime-test-');
  engine = await createEngine({ root: root(), runRoot: runRoot(), ...net });
  await engine.images.importRootfs(createReadStream(BUSYBOX_TAR), {
    ref: 'busybox:latest', changes: ['CMD ["sh"]', 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
  });
  ({ runtime: rt, images } = createRuntimeService(engine, opts));
});

after(async () => {
  // pods outlive engines by design: take down what is left through the runtime, then by pid
  for (const p of await rt?.listPodSandbox().catch(() => []) ?? []) await rt.removePodSandbox(p.id).catch(() => {});
  await engine?.close().catch(() => {});
  const cdir = `${root()}/containers`;
  for (const id of await readdir(cdir).catch(() => [] as string[])) {
    for (const f of ['pidfile', 'conmon.pid']) {
      const pid = Number(await readFile(`${cdir}/${id}/userdata/${f}`, 'utf8').catch(() => '0'));
      if (pid > 0) try { process.kill(pid, 'SIGKILL'); } catch {}
    }
  }
  await sleep(200);
  for (const r of ['crun', 'runc']) {
    const base = `${runRoot()}/${r}`;
    for (const id of await readdir(base).catch(() => [] as string[])) {
      if (id.startsWith('.')) continue;
      try { execFileSync(r, ['--root', base, 'delete', '--force', id], { stdio: 'ignore' }); } catch {}
    }
  }
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m) => m?.startsWith(dir));
  for (const m of mounts.reverse()) try { execFileSync('umount', ['-l', m]); } catch {}
  for (const ctrl of await readdir('/sys/fs/cgroup').catch(() => [] as string[])) {
    for (const id of await readdir(cdir).catch(() => [] as string[])) await rm(`/sys/fs/cgroup/${ctrl}/skiff/${id}`, { recursive: false }).catch(() => {});
  }
  await sweepNetwork(root(), net.bridge);
  await rm(dir, { recursive: true, force: true });
});

test('a pod: sandbox on the pod CIDR, two containers sharing its network, IPC and UTS; reachable from the host', async () => {
  const sb = await rt.runPodSandbox(sandboxConfig('web', { dnsConfig: { servers: ['10.96.0.10'], searches: ['default.svc.cluster.local'], options: ['ndots:5'] } }));
  const st = await rt.podSandboxStatus(sb);
  assert.equal(st.state, 'SANDBOX_READY');
  assert.deepEqual(st.metadata, { name: 'web', uid: 'uid-web', namespace: 'default', attempt: 0 });
  assert.equal(st.labels.app, 'web');
  assert.equal(st.annotations.note, 'x');
  const prefix = podCIDR.split('.').slice(0, 3).join('.') + '.';
  assert.ok(st.network.ip.startsWith(prefix), `${st.network.ip} on ${podCIDR}`);

  const httpd = await rt.createContainer(sb, containerConfig('httpd', ['sh', '-c', 'mkdir -p /www && echo hello-pod > /www/index.html && exec httpd -f -p 8080 -h /www']), sandboxConfig('web'));
  await rt.startContainer(httpd);
  const client = await rt.createContainer(sb, containerConfig('client', ['sleep', '600']), sandboxConfig('web'));
  await rt.startContainer(client);
  assert.equal((await rt.containerStatus(client)).state, 'CONTAINER_RUNNING');

  // the other container reaches httpd on localhost: one network namespace
  const got = await until(async () => {
    const r = await rt.execSync(client, ['wget', '-q', '-O', '-', 'http://127.0.0.1:8080/'], 5);
    return r.exitCode === 0 && r.stdout.toString();
  });
  assert.equal(got, 'hello-pod\n');
  // the host reaches the pod at its IP
  const res = await fetch(`http://${st.network.ip}:8080/`);
  assert.equal(await res.text(), 'hello-pod\n');

  const ns = async (id: string, what: string) => (await rt.execSync(id, ['readlink', `/proc/self/ns/${what}`], 5)).stdout.toString().trim();
  for (const what of ['net', 'ipc', 'uts']) assert.equal(await ns(client, what), await ns(httpd, what), `${what} namespace shared`);
  assert.notEqual(await ns(client, 'mnt'), await ns(httpd, 'mnt'));
  assert.equal((await rt.execSync(client, ['hostname'], 5)).stdout.toString().trim(), 'web');
  const resolv = (await rt.execSync(client, ['cat', '/etc/resolv.conf'], 5)).stdout.toString();
  assert.match(resolv, /^nameserver 10\.96\.0\.10$/m);
  assert.doesNotMatch(resolv, /nameserver (?!10\.96\.0\.10)/);
  assert.match(resolv, /^search default\.svc\.cluster\.local$/m);
  assert.match(resolv, /^options ndots:5$/m);

  const listed = await rt.listContainers({ podSandboxId: sb });
  assert.deepEqual(listed.map((c) => c.metadata.name).sort(), ['client', 'httpd']);
  assert.deepEqual((await rt.listContainers({ labelSelector: { 'io.kubernetes.container.name': 'httpd' } })).map((c) => c.id), [httpd]);
  assert.deepEqual((await rt.listPodSandbox({ labelSelector: { app: 'web' } })).map((p) => p.id), [sb]);

  // stop: the containers and the sandbox go down, the address is released; twice is fine
  await rt.stopPodSandbox(sb);
  await rt.stopPodSandbox(sb);
  assert.equal((await rt.podSandboxStatus(sb)).state, 'SANDBOX_NOTREADY');
  assert.equal((await rt.podSandboxStatus(sb)).network.ip, '');
  assert.equal((await rt.containerStatus(httpd)).state, 'CONTAINER_EXITED');
  const leases = await readdir(`${root()}/networks/ipam`, { recursive: true }).catch(() => [] as string[]);
  assert.ok(!leases.some((f) => String(f).endsWith(st.network.ip)), `lease of ${st.network.ip} released: ${leases.join(' ')}`);
  await rt.removePodSandbox(sb);
  await rt.removePodSandbox(sb);
  await assert.rejects(rt.podSandboxStatus(sb), { kind: 'NotFound' });
  await assert.rejects(rt.containerStatus(httpd), { kind: 'NotFound' });
  assert.equal(existsSync(`/run/netns/skiff-${sb}`), false);
});

test('container statuses: exit codes, Completed/Error, a command that is not there, a restart as attempt 1; logs in CRI format', async () => {
  const cfg = sandboxConfig('jobs');
  const sb = await rt.runPodSandbox(cfg);
  const ok = await rt.createContainer(sb, containerConfig('ok', ['sh', '-c', 'echo out; echo err >&2']), cfg);
  const bad = await rt.createContainer(sb, containerConfig('bad', ['sh', '-c', 'exit 3']), cfg);
  await rt.startContainer(ok);
  await rt.startContainer(bad);
  const s1 = await exited(ok);
  assert.equal(s1.exitCode, 0);
  assert.equal(s1.reason, 'Completed');
  assert.ok(s1.startedAt > 0 && s1.finishedAt >= s1.startedAt && s1.createdAt <= s1.startedAt, JSON.stringify(s1));
  assert.ok(Math.abs(s1.createdAt / 1e6 - Date.now()) < 60_000, 'times are unix ns');
  assert.equal(s1.logPath, `${dir}/pods/jobs/ok/0.log`);
  assert.equal(s1.imageRef, (await engine.images.get('busybox')).id);
  const lines = (await readFile(s1.logPath, 'utf8')).trim().split('\n').sort((a, b) => a.split(' ')[1].localeCompare(b.split(' ')[1]));
  assert.equal(lines.length, 2);
  for (const l of lines) assert.match(l, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+(Z|[+-]\d\d:\d\d) (stdout|stderr) F (out|err)$/);
  assert.deepEqual(lines.map((l) => l.split(' ').slice(1).join(' ')).sort(), ['stderr F err', 'stdout F out']);
  const s2 = await exited(bad);
  assert.equal(s2.exitCode, 3);
  assert.equal(s2.reason, 'Error');

  const missing = await rt.createContainer(sb, containerConfig('missing', ['/no/such/cmd']), cfg);
  await assert.rejects(rt.startContainer(missing));
  const s3 = await rt.containerStatus(missing);
  assert.equal(s3.state, 'CONTAINER_EXITED');
  assert.equal(s3.reason, 'ContainerCannotRun');
  assert.match(s3.message, /no\/such\/cmd/);
  assert.notEqual(s3.exitCode, 0);

  // the kubelet restarts by creating anew with attempt + 1
  const again = await rt.createContainer(sb, containerConfig('bad', ['sh', '-c', 'exit 4'], { metadata: { name: 'bad', attempt: 1 }, logPath: 'bad/1.log' }), cfg);
  assert.notEqual(again, bad);
  await rt.startContainer(again);
  const s4 = await exited(again);
  assert.deepEqual(s4.metadata, { name: 'bad', attempt: 1 });
  assert.equal(s4.exitCode, 4);
  assert.equal((await rt.containerStatus(bad)).exitCode, 3, 'the previous attempt is still there (kubectl logs --previous)');

  // stop and remove of a container are idempotent
  await rt.stopContainer(ok, 1);
  await rt.removeContainer(ok);
  await rt.removeContainer(ok);
  await rt.removePodSandbox(sb);
  assert.deepEqual(await rt.listContainers({ podSandboxId: sb }), []);
});

test('execSync: output, exit code, and a timeout that kills the command', async () => {
  const cfg = sandboxConfig('exec');
  const sb = await rt.runPodSandbox(cfg);
  const c = await rt.createContainer(sb, containerConfig('main', ['sleep', '600']), cfg);
  await rt.startContainer(c);
  const r = await rt.execSync(c, ['sh', '-c', 'echo a; echo b >&2; exit 7'], 10);
  assert.deepEqual([r.stdout.toString(), r.stderr.toString(), r.exitCode], ['a\n', 'b\n', 7]);
  const t0 = Date.now();
  await assert.rejects(rt.execSync(c, ['sleep', '30'], 1), { kind: 'DeadlineExceeded' });
  assert.ok(Date.now() - t0 < 10_000, `killed at the deadline (${Date.now() - t0} ms)`);
  // the stop timeout: a process that ignores TERM is killed after it
  const stubborn = await rt.createContainer(sb, containerConfig('stubborn', ['sh', '-c', 'trap "" TERM; while true; do sleep 1; done']), cfg);
  await rt.startContainer(stubborn);
  const s0 = Date.now();
  await rt.stopContainer(stubborn, 1);
  const st = await rt.containerStatus(stubborn);
  assert.equal(st.state, 'CONTAINER_EXITED');
  assert.equal(st.exitCode, 137);
  assert.ok(Date.now() - s0 < 8000);
  await rt.removePodSandbox(sb);
});

test('a fresh engine and runtime on the same root find the pods again', async () => {
  const cfg = sandboxConfig('keep');
  const sb = await rt.runPodSandbox(cfg);
  const c = await rt.createContainer(sb, containerConfig('main', ['sleep', '600'], { labels: { tier: 'x' }, annotations: { a: 'b' } }), cfg);
  await rt.startContainer(c);
  const ip = (await rt.podSandboxStatus(sb)).network.ip;
  await engine.close();
  engine = await createEngine({ root: root(), runRoot: runRoot(), ...net });
  ({ runtime: rt, images } = createRuntimeService(engine, opts));
  const pods = await rt.listPodSandbox({ labelSelector: { app: 'keep' } });
  assert.deepEqual(pods.map((p) => [p.id, p.state, p.metadata.name]), [[sb, 'SANDBOX_READY', 'keep']]);
  assert.equal((await rt.podSandboxStatus(sb)).network.ip, ip);
  const cs = await rt.listContainers({ podSandboxId: sb, state: 'CONTAINER_RUNNING' });
  assert.deepEqual(cs.map((x) => [x.id, x.labels.tier, x.annotations.a]), [[c, 'x', 'b']]);
  assert.equal((await rt.execSync(c, ['true'], 5)).exitCode, 0);
  await rt.removePodSandbox(sb);
});

test('images: status, list with the pinned pause image, remove', async () => {
  const st = await images.imageStatus({ image: 'busybox' });
  assert.equal(st?.id, (await engine.images.get('busybox')).id);
  assert.equal(await images.imageStatus({ image: 'nosuch:1' }), null);
  const all = await images.listImages();
  assert.ok(all.some((i) => i.repoTags.includes('skiff/pause:1') && i.pinned));
  assert.ok(all.some((i) => i.repoTags.includes('busybox:latest') && !i.pinned));
  const fs = await images.imageFsInfo();
  assert.ok(fs[0].usedBytes > 0);
  await images.removeImage({ image: 'nosuch:1' });
});
