// What the network room keeps on disk, each file written atomically: network records
// (<root>/networks/<id>.json) and sandboxes (<root>/networks/sandboxes/<container id>.json: what a
// teardown needs after a crash), beside host-local's IP leases (<root>/networks/ipam/).
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Endpoint, NetworkRecord, PublishedPort } from '../types.ts';
import { writeFileAtomic } from '../../lib/atomic.ts';
import { logger } from '../../lib/log.ts';

export const log = logger('network');

/** A planned or made attachment: enough to undo it (the CNI conf it was made with). */
export interface SandboxEndpoint extends Endpoint {
  conf: Record<string, unknown>;
}

export interface PortMapping extends PublishedPort {
  containerIp: string;
}

export interface SandboxRecord {
  containerId: string;
  /** the namespace we made ('' when the container joined another's or the host's) */
  netns: string;
  endpoints: SandboxEndpoint[];
  ports: PortMapping[];
}

export interface NetworkStore {
  dir: string;
  ipamDir: string;
  loadNetworks(): Promise<NetworkRecord[]>;
  saveNetwork(n: NetworkRecord): Promise<void>;
  removeNetwork(id: string): Promise<void>;
  loadSandboxes(): Promise<SandboxRecord[]>;
  /** `replace`: the file exists already (no directory sync: a later write of the same sandbox) */
  saveSandbox(s: SandboxRecord, replace?: boolean): Promise<void>;
  removeSandbox(containerId: string): Promise<void>;
}

async function readJsonFiles<T>(dir: string): Promise<T[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const out: T[] = [];
  for (const name of names.filter((n) => n.endsWith('.json') && !n.startsWith('.'))) {
    try {
      out.push(JSON.parse(await readFile(join(dir, name), 'utf8')) as T);
    } catch (err) {
      log.warn('unreadable record skipped', { file: join(dir, name), err });
    }
  }
  return out;
}

export async function createNetworkStore(root: string): Promise<NetworkStore> {
  const dir = join(root, 'networks');
  const sandboxDir = join(dir, 'sandboxes');
  const ipamDir = join(dir, 'ipam');
  await Promise.all([mkdir(sandboxDir, { recursive: true }), mkdir(ipamDir, { recursive: true })]);
  return {
    dir,
    ipamDir,
    loadNetworks: () => readJsonFiles<NetworkRecord>(dir),
    saveNetwork: (n) => writeFileAtomic(join(dir, `${n.Id}.json`), JSON.stringify(n, null, 2) + '\n'),
    removeNetwork: (id) => rm(join(dir, `${id}.json`), { force: true }),
    loadSandboxes: () => readJsonFiles<SandboxRecord>(sandboxDir),
    saveSandbox: (s, replace) => writeFileAtomic(join(sandboxDir, `${s.containerId}.json`), JSON.stringify(s), { replace }),
    removeSandbox: (id) => rm(join(sandboxDir, `${id}.json`), { force: true }),
  };
}
