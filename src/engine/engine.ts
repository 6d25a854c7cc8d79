// The engine: images, snapshots and containers composed over one root directory (state) and one run
// directory (conmon exit files, attach sockets, runtime state).
import { mkdir, readFile, statfs } from 'node:fs/promises';
import { availableParallelism, hostname, release, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Engine, EngineInfo } from './types.ts';
import { createImageService } from './images/index.ts';
import { createSnapshotter } from './snapshots/index.ts';
import { createContainerService, type ContainerEngine } from './containers/index.ts';
import { createEventBus } from './events/index.ts';
import { createVolumeService } from './volumes/index.ts';
import { createNetworkService, parseAddressPool } from './network/index.ts';
import { removeStaleContexts, createBuildService } from './build/index.ts';
import { writeFileAtomic } from '../lib/atomic.ts';
import { newId } from '../lib/ids.ts';
import type { RegistrySettings } from './images/transfer-deps.ts';

export interface EngineOptions {
  /** state: images, snapshots, container records (default /var/lib/skiff/engine) */
  root: string;
  /** volatile: exit files, sockets, runtime state (default /run/skiff/engine) */
  runRoot: string;
  runtime?: 'crun' | 'runc' | 'auto';
  /** the default bridge network's Linux bridge (default skiff0) and gateway/prefix (default 10.99.0.1/16) */
  bridge?: string;
  bip?: string;
  /** where user networks without --subnet get theirs: docker's `--default-address-pool base=CIDR,size=N` */
  addressPool?: string;
  /** registry client settings: insecure registries, certs dir, push compression (issue 10) */
  registries?: RegistrySettings;
}

const CGROUP2_SUPER_MAGIC = 0x63677270;

async function engineId(root: string): Promise<string> {
  const file = join(root, 'engine-id');
  const have = (await readFile(file, 'utf8').catch(() => '')).trim();
  if (have) return have;
  const id = newId();
  await writeFileAtomic(file, id + '\n');
  return id;
}

async function osName(): Promise<string> {
  const text = await readFile('/etc/os-release', 'utf8').catch(() => '');
  return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(text)?.[1] ?? 'Linux';
}

async function packageVersion(): Promise<string> {
  for (const rel of ['../../package.json', '../package.json']) {
    try {
      return (JSON.parse(await readFile(new URL(rel, import.meta.url), 'utf8')) as { version: string }).version;
    } catch {}
  }
  return '0.0.0';
}

export async function createEngine(opts: EngineOptions): Promise<Engine> {
  const addressPool = opts.addressPool ? parseAddressPool(opts.addressPool) : undefined; // a bad setting stops us before anything is made
  await mkdir(opts.root, { recursive: true });
  await mkdir(opts.runRoot, { recursive: true });
  await removeStaleContexts(opts.root); // a build the last daemon never finished left its context behind
  const events = createEventBus();
  const snapshotter = createSnapshotter({ root: opts.root });
  const images = await createImageService({ root: opts.root, snapshotter, events, registries: opts.registries });
  // the volume service asks the containers which of them use a volume; they exist once it does
  let containers: ContainerEngine | undefined;
  const volumes = await createVolumeService({ root: opts.root, usedBy: (name) => containers?.volumeUsers(name) ?? [], events });
  // networks ask about containers (names, state, connect) and containers ask networks for sandboxes; the
  // containers' side is ready once they are adopted
  let ready!: (c: ContainerEngine) => void;
  const containersReady = new Promise<ContainerEngine>((r) => (ready = r));
  const networks = await createNetworkService({
    root: opts.root, bridge: opts.bridge, bip: opts.bip, addressPool, events,
    containers: {
      get: async (x) => (await containersReady).get(x),
      list: async () => (await containersReady).list({ all: true }),
      update: async (id, fn) => (await containersReady).modify(id, fn),
    },
  });
  containers = await createContainerService({ root: opts.root, runRoot: opts.runRoot, runtime: opts.runtime ?? 'auto', images, snapshotter, events, volumes, network: networks.hooks });
  ready(containers);
  await networks.reconcile();
  const builds = await createBuildService({ root: opts.root, images, containers, snapshotter, events });
  const [id, operatingSystem, serverVersion, cgroupFs] = await Promise.all([
    engineId(opts.root), osName(), packageVersion(), statfs('/sys/fs/cgroup').catch(() => null),
  ]);
  return {
    images,
    containers,
    events,
    volumes,
    networks,
    builds,
    async info(): Promise<EngineInfo> {
      const all = await containers.list({ all: true });
      const count = (s: string) => all.filter((c) => c.state.status === s).length;
      return {
        id,
        name: hostname(),
        root: opts.root,
        containers: { total: all.length, running: count('running') + count('restarting'), paused: count('paused'), stopped: all.length - count('running') - count('restarting') - count('paused') },
        images: (await images.list()).length,
        runtime: containers.runtimeName,
        runtimes: ['crun', 'runc'],
        cgroupVersion: cgroupFs?.type === CGROUP2_SUPER_MAGIC ? '2' : '1',
        cgroupDriver: 'cgroupfs',
        kernelVersion: release(),
        operatingSystem,
        ncpu: availableParallelism(),
        memTotal: totalmem(),
        serverVersion,
      };
    },
    close: async () => {
      await containers.close();
      await networks.close();
    },
  };
}
