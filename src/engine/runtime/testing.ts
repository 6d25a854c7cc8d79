// For the runtime's tests only: a real engine on a private root with the busybox image, a runtime over it
// on a pod CIDR and bridge of its own, CRI configs with test defaults, and the sweep that removes it all.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, rmdir } from 'node:fs/promises';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { createEngine, createRuntimeService } from '../index.ts';
import type { Cri, Engine } from '../index.ts';
import { sweepNetwork, testNetworkOptions } from '../network/testing.ts';
import { sweepCgroups } from '../containers/testing.ts';

const BUSYBOX_TAR = '/var/cache/skiff/base-images/busybox.tar';

export interface TestRuntime {
  dir: string;
  engine: Engine;
  rt: Cri.RuntimeService;
  images: Cri.ImageService;
  podCIDR: string;
  /** where this runtime's pod cgroups go (kubepods-<unique>) */
  cgroupRoot: string;
  /** a new engine and runtime on the same root (the old engine closed) */
  reopen(): Promise<void>;
  sandboxConfig(name: string, o?: Partial<Cri.PodSandboxConfig>): Cri.PodSandboxConfig;
  containerConfig(name: string, command: string[], o?: Partial<Cri.ContainerConfig>): Cri.ContainerConfig;
  /** the container's status once it has exited */
  exited(id: string): Promise<Cri.ContainerStatus>;
  cleanup(): Promise<void>;
}

const rmdirQuiet = (p: string) => rmdir(p).catch(() => {}); // absent, or shared by another engine

export async function until<T>(fn: () => Promise<T | undefined | false>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(50);
  }
}

export async function startTestRuntime(extra: { clusterCIDR?: string } = {}): Promise<TestRuntime> {
  assert.ok(existsSync(BUSYBOX_TAR), `missing ${BUSYBOX_TAR}: run scripts/base-images busybox`);
  const dir = await mkdtemp('/var/tmp/skiff-runtime-test-');
  const root = `${dir}/root`;
  const runRoot = `${dir}/run`;
  const net = testNetworkOptions();
  // a pod CIDR of its own: another free /24, and a bridge name no other test uses
  let pod = testNetworkOptions();
  while (pod.bip === net.bip) pod = testNetworkOptions(); // two picks of the same free /24
  const podCIDR = pod.bip.replace(/\.1\/24$/, '.0/24');
  const opts = { podCIDR, bridge: `kp${pod.bridge.slice(2)}`, networkName: `pods-${pod.bridge}`, cgroupRoot: `kubepods-${pod.bridge}`, ...extra };
  const engine = await createEngine({ root, runRoot, ...net });
  await engine.images.importRootfs(createReadStream(BUSYBOX_TAR), {
    ref: 'busybox:latest', changes: ['CMD ["sh"]', 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
  });
  const t: TestRuntime = {
    dir, engine, podCIDR, cgroupRoot: opts.cgroupRoot,
    rt: undefined as unknown as Cri.RuntimeService,
    images: undefined as unknown as Cri.ImageService,
    async reopen() {
      await t.engine.close();
      t.engine = await createEngine({ root, runRoot, ...net });
      const s = createRuntimeService(t.engine, opts);
      t.rt = s.runtime;
      t.images = s.images;
    },
    sandboxConfig: (name, o = {}) => ({
      metadata: { name, uid: `uid-${name}`, namespace: 'default', attempt: 0 },
      hostname: name, logDirectory: `${dir}/pods/${name}`, portMappings: [],
      labels: { app: name, 'io.kubernetes.pod.name': name }, annotations: { note: 'x' },
      linux: { sysctls: {} },
      ...o,
    }),
    containerConfig: (name, command, o = {}) => ({
      metadata: { name, attempt: 0 }, image: { image: 'busybox' }, command, args: [], envs: [], mounts: [],
      labels: { 'io.kubernetes.container.name': name }, annotations: {}, logPath: `${name}/0.log`,
      stdin: false, stdinOnce: false, tty: false, linux: {},
      ...o,
    }),
    exited: (id) => until(async () => {
      const s = await t.rt.containerStatus(id);
      return s.state === 'CONTAINER_EXITED' && s;
    }),
    async cleanup() {
      const step = (what: string) => process.env.SKIFF_TEST_DEBUG && console.error(`cleanup: ${what}`);
      step('pods');
      // pods outlive engines by design: take down what is left through the runtime, then by pid
      // best effort: whatever is left after this is taken down by pid and path below
      for (const p of await t.rt.listPodSandbox().catch(() => [])) await t.rt.removePodSandbox(p.id).catch(() => {});
      step('engine');
      await t.engine.close().catch(() => {}); // closed already (a failed reopen)
      step('processes');
      const cdir = `${root}/containers`;
      for (const id of await readdir(cdir).catch(() => [] as string[])) {
        for (const f of ['pidfile', 'conmon.pid']) {
          const pid = Number(await readFile(`${cdir}/${id}/userdata/${f}`, 'utf8').catch(() => '0'));
          if (pid > 0) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
        }
      }
      await sleep(200);
      for (const r of ['crun', 'runc']) {
        const base = `${runRoot}/${r}`;
        for (const id of await readdir(base).catch(() => [] as string[])) {
          if (id.startsWith('.')) continue;
          try { execFileSync(r, ['--root', base, 'delete', '--force', id], { stdio: 'ignore' }); } catch { /* gone */ }
        }
      }
      const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m) => m?.startsWith(dir));
      for (const m of mounts.reverse()) try { execFileSync('umount', ['-l', m]); } catch { /* gone */ }
      await sweepCgroups(root);
      // pod cgroups (and any container cgroup left in them), deepest first
      for (const ctrl of await readdir('/sys/fs/cgroup').catch(() => [] as string[])) {
        const base = `/sys/fs/cgroup/${ctrl}/${opts.cgroupRoot}`;
        for (const pod of await readdir(base, { withFileTypes: true }).catch(() => [])) {
          if (!pod.isDirectory()) continue;
          for (const c of await readdir(`${base}/${pod.name}`, { withFileTypes: true }).catch(() => [])) {
            if (c.isDirectory()) await rmdirQuiet(`${base}/${pod.name}/${c.name}`);
          }
          await rmdirQuiet(`${base}/${pod.name}`);
        }
        await rmdirQuiet(base);
      }
      await sweepNetwork(root, net.bridge);
      await rm(dir, { recursive: true, force: true });
    },
  };
  const s = createRuntimeService(engine, opts);
  t.rt = s.runtime;
  t.images = s.images;
  return t;
}
