// syncPod's decisions against an in-memory RuntimeService (a test double for this file only: the agent and
// the integration tests use the engine's real runtime) and the fake API client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ContainerConfig, ContainerStatus, ImageService, PodSandboxConfig, RuntimeService } from '../../engine/types/runtime.ts';
import { createFakeClient } from '../client/fake.ts';
import { R } from '../types/gvr.ts';
import type { KObject } from '../types/meta.ts';
import { createBackoff } from './backoff.ts';
import { createProber } from './probes.ts';
import { syncPod, type WorkerDeps } from './pod-worker.ts';
import type { Waiting } from './status.ts';

interface FakeContainer { status: ContainerStatus; sandbox: string }

function fakeRuntime(exitCodes: Record<string, number>) {
  let seq = 0;
  const sandboxes = new Map<string, { config: PodSandboxConfig; ready: boolean; createdAt: number }>();
  const containers = new Map<string, FakeContainer>();
  const match = (labels: Record<string, string>, sel?: Record<string, string>) => !sel || Object.entries(sel).every(([k, v]) => labels[k] === v);
  const now = () => Date.now() * 1e6 + seq++;
  const runtime = {
    async runPodSandbox(config: PodSandboxConfig) { const id = `sb${++seq}`; sandboxes.set(id, { config, ready: true, createdAt: now() }); return id; },
    async stopPodSandbox(id: string) { const s = sandboxes.get(id); if (s) s.ready = false; for (const c of containers.values()) if (c.sandbox === id && c.status.state === 'CONTAINER_RUNNING') Object.assign(c.status, { state: 'CONTAINER_EXITED', exitCode: 137, finishedAt: now() }); },
    async removePodSandbox(id: string) { sandboxes.delete(id); for (const [k, c] of containers) if (c.sandbox === id) containers.delete(k); },
    async podSandboxStatus(id: string) { const s = sandboxes.get(id)!; return { id, metadata: s.config.metadata, state: s.ready ? 'SANDBOX_READY' : 'SANDBOX_NOTREADY', createdAt: s.createdAt, network: { ip: '10.42.0.7', additionalIps: [] }, labels: s.config.labels, annotations: {} }; },
    async listPodSandbox(f?: { labelSelector?: Record<string, string> }) { return [...sandboxes].filter(([, s]) => match(s.config.labels, f?.labelSelector)).map(([id, s]) => ({ id, metadata: s.config.metadata, state: s.ready ? 'SANDBOX_READY' : 'SANDBOX_NOTREADY', createdAt: s.createdAt, labels: s.config.labels, annotations: {} })); },
    async createContainer(sandbox: string, config: ContainerConfig) {
      const id = `c${++seq}`;
      containers.set(id, { sandbox, status: { id, metadata: config.metadata, state: 'CONTAINER_CREATED', createdAt: now(), startedAt: 0, finishedAt: 0, exitCode: 0, image: config.image, imageRef: 'sha256:abc', reason: '', message: '', labels: config.labels, annotations: config.annotations, mounts: config.mounts, logPath: '' } });
      return id;
    },
    async startContainer(id: string) {
      const c = containers.get(id)!;
      const code = exitCodes[c.status.metadata.name];
      Object.assign(c.status, code === undefined ? { state: 'CONTAINER_RUNNING', startedAt: now() } : { state: 'CONTAINER_EXITED', startedAt: now(), finishedAt: now(), exitCode: code });
    },
    async stopContainer(id: string) { const c = containers.get(id); if (c?.status.state === 'CONTAINER_RUNNING') Object.assign(c.status, { state: 'CONTAINER_EXITED', exitCode: 137, finishedAt: now() }); },
    async removeContainer(id: string) { containers.delete(id); },
    async listContainers(f?: { labelSelector?: Record<string, string> }) { return [...containers.values()].filter((c) => match(c.status.labels, f?.labelSelector)).map((c) => ({ ...c.status, podSandboxId: c.sandbox })); },
    async containerStatus(id: string) { return structuredClone(containers.get(id)!.status); },
  };
  return { runtime: runtime as unknown as RuntimeService, containers, sandboxes };
}

const images = { imageStatus: async (s: { image: string }) => (s.image === 'missing' ? null : { id: 'sha256:abc', repoTags: [s.image], repoDigests: [], size: 1, username: '', pinned: false }), pullImage: async (s: { image: string }) => { throw new Error(`pull access denied for ${s.image}, repository does not exist`); } } as unknown as ImageService;

async function setup(t: { after(fn: () => unknown): void }, pod: Pod, exitCodes: Record<string, number> = {}, objects: KObject[] = []) {
  const dir = await mkdtemp(join(tmpdir(), 'kubelet-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const client = createFakeClient([{ ...(pod as KObject), apiVersion: 'v1', kind: 'Pod' }, ...objects], { gracefulPodDeletion: true });
  const rt = fakeRuntime(exitCodes);
  let clock = Date.now();
  const events: string[] = [];
  const d: WorkerDeps = {
    client, runtime: rt.runtime, images, recorder: { event: (_o, type, reason, msg) => events.push(`${type} ${reason} ${msg}`) },
    lookup: { configMap: async (_ns, n) => (n === 'cfg' ? { a: '1' } : undefined), secret: async () => undefined, claimedVolume: async (_ns, n) => { throw new Error(`persistentvolumeclaim "${n}" not found`); }, serviceAccountToken: async () => 'token' },
    prober: createProber({ runtime: rt.runtime, onChange: () => {}, onFailure: () => {} }),
    restartBackoff: createBackoff({ now: () => clock }), pullBackoff: createBackoff(), pullErrors: new Map(),
    services: () => [], nodeIP: '10.0.0.2', node: { cpu: '2', memory: '4Gi' }, memoryCapacity: 4 * 1024 ** 3,
    podsDir: join(dir, 'pods'), logRoot: join(dir, 'logs'), waiting: new Map<string, Map<string, Waiting>>(),
    dns: { resolvConf: '/etc/resolv.conf', clusterDNS: [], clusterDomain: 'cluster.local' },
  };
  t.after(() => d.prober.stop());
  const get = async () => (await client.get(R.pods, 'default', pod.metadata!.name!)) as Pod;
  const sync = async () => syncPod(d, await get());
  return { d, rt, get, sync, events, tick: (ms: number) => (clock += ms) };
}

const pod = (name: string, spec: Partial<Pod['spec']>): Pod => ({ metadata: { name, namespace: 'default', uid: `uid-${name}` }, spec: { nodeName: 'n1', containers: [], ...spec } as Pod['spec'] });

test('a pod runs: sandbox, init containers in order, then the containers; Running and Ready with IPs and QoS', async (t) => {
  const s = await setup(t, pod('web', { initContainers: [{ name: 'init1', image: 'busybox:1' }, { name: 'init2', image: 'busybox:1' }], containers: [{ name: 'app', image: 'busybox:1' }] }), { init1: 0, init2: 0 });
  for (let i = 0; i < 4; i++) await s.sync();
  const p = await s.get();
  assert.equal(p.status?.phase, 'Running');
  assert.equal(p.status?.podIP, '10.42.0.7');
  assert.equal(p.status?.hostIP, '10.0.0.2');
  assert.equal(p.status?.qosClass, 'BestEffort');
  assert.deepEqual(p.status?.initContainerStatuses?.map((c) => c.state?.terminated?.reason), ['Completed', 'Completed']);
  assert.equal(p.status?.containerStatuses?.[0].ready, true);
  assert.deepEqual(p.status?.conditions?.filter((c) => c.status === 'True').map((c) => c.type).sort(), ['ContainersReady', 'Initialized', 'PodReadyToStartContainers', 'Ready']);
  assert.ok(s.events.includes('Normal Started Started container app'));
  const order = [...s.rt.containers.values()].map((c) => c.status.metadata.name);
  assert.deepEqual(order, ['init1', 'init2', 'app']);
});

test('a crashing container restarts at once, then waits in CrashLoopBackOff with its back-off; restartCount grows', async (t) => {
  const s = await setup(t, pod('crash', { containers: [{ name: 'c', image: 'busybox:1' }] }), { c: 1 });
  await s.sync(); // started, exited 1
  await s.sync(); // first restart at once
  let p = await s.get();
  assert.equal(p.status?.containerStatuses?.[0].restartCount, 1);
  const uid = p.metadata!.uid;
  const r = await s.sync(); // in back-off
  p = await s.get();
  const cs = p.status!.containerStatuses![0];
  assert.equal(cs.state?.waiting?.reason, 'CrashLoopBackOff');
  assert.equal(cs.state?.waiting?.message, `back-off 10s restarting failed container=c pod=crash_default(${uid})`);
  assert.equal(cs.lastState?.terminated?.exitCode, 1);
  assert.equal(cs.lastState?.terminated?.reason, 'Error');
  assert.ok(r && r.requeueAfterMs > 9000);
  assert.equal(p.status?.phase, 'Running');
  s.tick(10_500);
  await s.sync();
  await s.sync();
  p = await s.get();
  assert.equal(p.status!.containerStatuses![0].restartCount, 2);
  assert.match(p.status!.containerStatuses![0].state!.waiting!.message!, /^back-off 20s /);
  assert.ok(s.rt.containers.size <= 2, 'only the last dead container is kept');
});

test('restartPolicy Never: Failed with the exit code; OnFailure with exit 0: Succeeded; sandbox stopped', async (t) => {
  const s = await setup(t, pod('once', { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1' }] }), { c: 3 });
  await s.sync();
  await s.sync();
  const p = await s.get();
  assert.equal(p.status?.phase, 'Failed');
  assert.equal(p.status?.containerStatuses?.[0].state?.terminated?.exitCode, 3);
  assert.equal([...s.rt.sandboxes.values()][0].ready, false);
  const ok = await setup(t, pod('job', { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox:1' }] }), { c: 0 });
  await ok.sync();
  assert.equal((await ok.get()).status?.phase, 'Succeeded');
  assert.equal((await ok.get()).status?.conditions?.find((c) => c.type === 'Ready')?.reason, 'PodCompleted');
});

test('bad image → ErrImagePull then ImagePullBackOff; missing configMap key → CreateContainerConfigError', async (t) => {
  const s = await setup(t, pod('img', { containers: [{ name: 'c', image: 'missing', imagePullPolicy: 'IfNotPresent' }] }));
  await s.sync();
  let w = (await s.get()).status!.containerStatuses![0].state!.waiting!;
  assert.equal(w.reason, 'ErrImagePull');
  assert.match(w.message!, /^Failed to pull image "missing": pull access denied/);
  await s.sync();
  w = (await s.get()).status!.containerStatuses![0].state!.waiting!;
  assert.equal(w.reason, 'ImagePullBackOff');
  assert.equal(w.message, 'Back-off pulling image "missing": ErrImagePull: pull access denied for missing, repository does not exist', 'the last pull\'s reason');
  assert.equal((await s.get()).status?.phase, 'Pending');
  const c = await setup(t, pod('cfg', { containers: [{ name: 'c', image: 'busybox:1', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'nope' } } }] }] }));
  await c.sync();
  w = (await c.get()).status!.containerStatuses![0].state!.waiting!;
  assert.deepEqual(w, { reason: 'CreateContainerConfigError', message: "couldn't find key nope in ConfigMap default/cfg" });
  assert.ok(c.events.includes("Warning Failed Error: couldn't find key nope in ConfigMap default/cfg"));
});

test('a restarted kubelet adopts what runs (no new containers), and deletion stops everything then deletes the pod', async (t) => {
  const s = await setup(t, pod('keep', { containers: [{ name: 'c', image: 'busybox:1' }] }));
  await s.sync();
  const before = [...s.rt.containers.keys()];
  // a new kubelet: fresh memory, same runtime
  s.d.waiting = new Map();
  s.d.restartBackoff = createBackoff();
  await s.sync();
  assert.deepEqual([...s.rt.containers.keys()], before);
  assert.equal((await s.get()).status?.containerStatuses?.[0].restartCount, 0);
  await s.d.client.delete(R.pods, 'default', 'keep', { gracePeriodSeconds: 1 });
  const p = await s.get();
  assert.ok(p.metadata?.deletionTimestamp, 'graceful: the object stays until the kubelet is done');
  await syncPod(s.d, p);
  assert.equal(s.rt.sandboxes.size, 0);
  await assert.rejects(s.get());
});

test('activeDeadlineSeconds: past it the containers stop and the pod fails with DeadlineExceeded', async (t) => {
  const p = pod('late', { activeDeadlineSeconds: 1, containers: [{ name: 'c', image: 'busybox:1' }] });
  const s = await setup(t, p);
  const r = await s.sync();
  assert.ok(r && r.requeueAfterMs <= 1100, 'woken at the deadline');
  await s.d.client.patch(R.pods, 'default', 'late', 'merge', { status: { startTime: new Date(Date.now() - 2000).toISOString() } }, { subresource: 'status' });
  await s.sync();
  const st = (await s.get()).status!;
  assert.equal(st.phase, 'Failed');
  assert.equal(st.reason, 'DeadlineExceeded');
  assert.equal(st.containerStatuses?.[0].state?.terminated?.exitCode, 137);
  assert.ok(s.events.some((e) => e.startsWith('Warning DeadlineExceeded Pod was active on the node longer')));
});
