// kubectl top (issue 12): the real kubectl 1.32 → a real `skiff server` (metrics.k8s.io served in-process,
// scraping the node's kubelet) → the kubelet's HTTPS server with the stats routes (createKubeletStats) →
// the engine's RuntimeService with real containers and their cgroups. The test plays the kubelet's pod
// worker (sandbox + containers through the RuntimeService, labelled as the kubelet labels them) and its
// node status (Ready, address, kubelet port), so it checks the metrics path alone. Needs root, crun/conmon
// and the busybox base image tar.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createEngine, createRuntimeService } from '../src/engine/index.ts';
import type { Cri, Engine } from '../src/engine/index.ts';
import { sweepNetwork, testNetworkOptions } from '../src/engine/network/testing.ts';
import { startKubeletServer, POD_NAME_LABEL, POD_NAMESPACE_LABEL, type KubeletServer } from '../src/cluster/kubelet/server/index.ts';
import { createKubeletStats } from '../src/cluster/kubelet/stats/index.ts';
import type { Summary } from '../src/cluster/kubelet/stats/index.ts';
import { BUSYBOX_TAR, uniqueName, waitFor } from './harness.ts';
import { startControlPlane, type ControlPlane } from './cluster-harness.ts';

let dir = '';
let engine: Engine;
let rt: Cri.RuntimeService;
let cp: ControlPlane;
let kubelet: KubeletServer;
const net = testNetworkOptions();
const pod = testNetworkOptions();
const podCIDR = pod.bip.replace(/\.1\/24$/, '.0/24');
const node = uniqueName('top-node');

/** What the kubelet's pod worker does: a sandbox, then each container */
async function runPod(name: string, containers: Array<{ name: string; command: string[]; resources?: Cri.LinuxContainerResources }>): Promise<void> {
  const sandbox: Cri.PodSandboxConfig = {
    metadata: { name, uid: `uid-${name}`, namespace: 'default', attempt: 0 },
    hostname: name, logDirectory: join(dir, 'pods', `default_${name}_uid-${name}`), portMappings: [],
    labels: { [POD_NAMESPACE_LABEL]: 'default', [POD_NAME_LABEL]: name }, annotations: {}, linux: { sysctls: {} },
  };
  const sb = await rt.runPodSandbox(sandbox);
  for (const c of containers) {
    const id = await rt.createContainer(sb, {
      metadata: { name: c.name, attempt: 0 }, image: { image: 'busybox' }, command: c.command, args: [], envs: [], mounts: [],
      labels: { [POD_NAMESPACE_LABEL]: 'default', [POD_NAME_LABEL]: name, 'io.kubernetes.container.name': c.name }, annotations: {},
      logPath: `${c.name}/0.log`, stdin: false, stdinOnce: false, tty: false, linux: { resources: c.resources },
    }, sandbox);
    await rt.startContainer(id);
  }
}

async function kubectlOk(args: string[], input?: string): Promise<string> {
  const r = await cp.kubectl(args, { input });
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** "250m" → 250, "2" → 2000; "12Mi" → 12 MiB in bytes */
const millis = (q: string) => (q.endsWith('m') ? Number(q.slice(0, -1)) : Number(q) * 1000);
const mib = (q: string) => Number(q.replace(/Mi$/, '')) * 1024 * 1024;

before(async () => {
  assert.ok(existsSync(BUSYBOX_TAR), `missing ${BUSYBOX_TAR}`);
  dir = await mkdtemp('/var/tmp/skiff-top-test-');
  engine = await createEngine({ root: join(dir, 'root'), runRoot: join(dir, 'run'), ...net });
  await engine.images.importRootfs(createReadStream(BUSYBOX_TAR), { ref: 'busybox:latest', changes: ['CMD ["sh"]', 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] });
  ({ runtime: rt } = createRuntimeService(engine, { podCIDR, bridge: `kp${pod.bridge.slice(2)}`, networkName: `pods-${pod.bridge}` }));
  cp = await startControlPlane({ grace: '10m' });
  const stats = createKubeletStats({ runtime: rt, nodeName: node });
  kubelet = await startKubeletServer({ runtime: rt, port: 0, address: '127.0.0.1', clientCa: readFileSync(join(cp.root, 'tls', 'ca.crt'), 'utf8'), extraRoutes: stats.routes });
  await kubectlOk(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: node, labels: { 'skiff.test/top': 'yes' } } }));
  const now = new Date().toISOString();
  await kubectlOk(['patch', 'node', node, '--subresource=status', '--type=merge', '-p', JSON.stringify({
    status: {
      capacity: { cpu: '2', memory: '4Gi', pods: '110' }, allocatable: { cpu: '2', memory: '4Gi', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'test', lastHeartbeatTime: now, lastTransitionTime: now }],
      addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: node }], daemonEndpoints: { kubeletEndpoint: { Port: kubelet.port } },
    },
  })]);
  await kubectlOk(['create', '-f', '-'], JSON.stringify({
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'busy', labels: { app: 'busy' } },
    spec: { nodeName: node, containers: [{ name: 'spin', image: 'busybox' }, { name: 'hold', image: 'busybox' }] },
  }));
  // spin: a busy loop held to 0.2 cores by its cgroup; hold: ~24 MiB written to the pod's /dev/shm (tmpfs pages count in its working set), then idle
  await runPod('busy', [
    { name: 'spin', command: ['sh', '-c', 'while :; do :; done'], resources: { cpuPeriod: 100_000, cpuQuota: 20_000 } },
    { name: 'hold', command: ['sh', '-c', 'head -c 25000000 /dev/zero > /dev/shm/hold; sleep 3600'] },
  ]);
});

after(async () => {
  await kubelet?.close();
  await cp?.cleanup();
  for (const p of await rt?.listPodSandbox().catch(() => []) ?? []) await rt.removePodSandbox(p.id).catch((e: unknown) => console.error('remove sandbox', e));
  await engine?.close().catch((e: unknown) => console.error('engine close', e));
  // what a failed test may leave: processes by pid, runtime state, mounts, the networks
  const cdir = join(dir, 'root', 'containers');
  for (const id of await readdir(cdir).catch(() => [] as string[])) {
    for (const f of ['pidfile', 'conmon.pid']) {
      const pid = Number(await readFile(`${cdir}/${id}/userdata/${f}`, 'utf8').catch(() => '0'));
      if (pid > 0) try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
    }
  }
  for (const r of ['crun', 'runc']) {
    const base = join(dir, 'run', r);
    for (const id of await readdir(base).catch(() => [] as string[])) {
      if (!id.startsWith('.')) try { execFileSync(r, ['--root', base, 'delete', '--force', id], { stdio: 'ignore' }); } catch { /* not there */ }
    }
  }
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m) => m?.startsWith(dir));
  for (const m of mounts.reverse()) try { execFileSync('umount', ['-l', m]); } catch { /* gone with its parent */ }
  await sweepNetwork(join(dir, 'root'), net.bridge);
  await rm(dir, { recursive: true, force: true });
});

test('the kubelet summary through nodes/proxy: the node, the pod and its containers from the cgroups', async () => {
  const s = JSON.parse(await kubectlOk(['get', '--raw', `/api/v1/nodes/${node}/proxy/stats/summary`])) as Summary;
  assert.equal(s.node.nodeName, node);
  assert.ok(s.node.memory.workingSetBytes > 0 && s.node.cpu.usageCoreNanoSeconds > 0);
  const p = s.pods.find((x) => x.podRef.name === 'busy');
  assert.ok(p, `the pod is in the summary: ${JSON.stringify(s.pods.map((x) => x.podRef))}`);
  assert.deepEqual(p.podRef, { name: 'busy', namespace: 'default', uid: 'uid-busy' });
  assert.deepEqual(p.containers.map((c) => c.name).sort(), ['hold', 'spin']);
  assert.ok(p.containers.every((c) => c.cpu.usageNanoCores !== undefined && c.memory.workingSetBytes > 0));
  const text = await kubectlOk(['get', '--raw', `/api/v1/nodes/${node}/proxy/metrics/resource`]);
  assert.match(text, /^container_cpu_usage_seconds_total\{container="spin",namespace="default",pod="busy"\} [\d.e+-]+ \d+$/m);
  assert.match(text, /^node_memory_working_set_bytes [\d.e+]+ \d+$/m);
});

test('kubectl top pods: the busy loop within its 0.2-core quota, the held memory, per container too', async () => {
  // the first rate is the average since the container started: wait for a window after the quota settles
  const rows = await waitFor('kubectl top pod busy to show the quota', async () => {
    const out = await kubectlOk(['top', 'pod', '--containers', '-l', 'app=busy']);
    const lines = out.trim().split('\n').map((l) => l.trim());
    assert.match(lines[0], /^POD\s+NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)$/);
    const cells = new Map(lines.slice(1).map((l) => { const [podName, c, cpu, mem] = l.split(/\s+/); return [`${podName}/${c}`, { cpu: millis(cpu), mem: mib(mem) }]; }));
    const spin = cells.get('busy/spin');
    const hold = cells.get('busy/hold');
    // hold wrote its file at start: idle once the window no longer reaches back to that
    // never above its quota (+ rounding); the lower bound only says it is measured: a shared, loaded machine may give it less
    return spin && spin.cpu >= 30 && spin.cpu <= 220 && hold && hold.cpu <= 10 ? cells : undefined;
  }, 60_000, 2_000);
  assert.ok(rows.get('busy/hold')!.mem >= 20 * 1024 * 1024, `hold keeps ~24 MiB: ${rows.get('busy/hold')!.mem}`);
  const total = (await kubectlOk(['top', 'pod', 'busy', '--no-headers'])).trim().split(/\s+/);
  assert.equal(total[0], 'busy');
  assert.ok(millis(total[1]) >= 30, total.join(' '));
  // a pod with no metrics (not running anywhere) is what kubectl reports as not available
  await kubectlOk(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'idle' }, spec: { nodeName: node, containers: [{ name: 'c', image: 'busybox' }] } }));
  const r = await cp.kubectl(['top', 'pod', 'idle']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /podmetrics.metrics.k8s.io "idle" not found/);
});

test('kubectl top nodes: the node with cpu and memory and their share of allocatable', async () => {
  const out = await kubectlOk(['top', 'node', '-l', 'skiff.test/top=yes']);
  const lines = out.trim().split('\n').map((l) => l.trim());
  assert.match(lines[0], /^NAME\s+CPU\(cores\)\s+CPU\(%\)\s+MEMORY\(bytes\)\s+MEMORY\(%\)$/);
  const [name, cpu, cpuPct, mem, memPct] = lines[1].split(/\s+/);
  assert.equal(name, node);
  assert.ok(millis(cpu) > 0, cpu);
  assert.match(cpuPct, /^\d+%$/);
  assert.ok(mib(mem) > 50, mem);
  assert.match(memPct, /^\d+%$/);
  // kubectl get on the metrics kinds prints metrics-server's table
  const table = await kubectlOk(['get', 'nodes.metrics.k8s.io', node]);
  assert.match(table, /^NAME\s+CPU\s+MEMORY\s+WINDOW\s*\n/);
  assert.match(table, new RegExp(`^${node}\\s+\\d+[num]?\\s+\\d+(Ki|Mi|Gi)?\\s+[\\dm.]+s\\s*$`, 'm'));
});
