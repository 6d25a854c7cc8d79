// A pod's cgroup: the sandbox and every container of the pod sit under it (the engine's cgroupParent), and
// the pod's resources (its overhead + the sum of its containers' limits, as the kubelet computes them) are
// its limits, as the kubelet's pod cgroups with the cgroupfs driver. Made before the sandbox starts,
// removed after the last of the pod's containers is gone.
import { mkdir, readdir, rmdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as Cri from '../types/runtime.ts';
import { errnoCode, invalidArgument } from '../../lib/errors.ts';
import { logger } from '../../lib/log.ts';

const log = logger('runtime');
const cgroupRoot = process.env.SKIFF_CGROUP_ROOT ?? '/sys/fs/cgroup';

/** `<root>/pod<uid>`, or the kubelet's own cgroupParent when it gives one (`/kubepods/burstable/pod…`). */
export function podCgroupPath(root: string, config: Cri.PodSandboxConfig): string {
  const asked = (config.linux.cgroupParent ?? '').replace(/^\/+|\/+$/g, '');
  const path = asked || `${root}/pod${config.metadata.uid || `${config.metadata.namespace}_${config.metadata.name}`}`;
  if (!/^[A-Za-z0-9_-][A-Za-z0-9_.-]*(\/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*$/.test(path)) throw invalidArgument(`invalid pod cgroup ${JSON.stringify(path)}`);
  return path;
}

const isV2 = async () => (await stat(join(cgroupRoot, 'cgroup.controllers')).catch(() => null)) !== null;

/** Make the pod's cgroup and write its limits (memory, cpu shares/quota/period). */
export async function setUpPodCgroup(path: string, r: Cri.LinuxContainerResources | undefined): Promise<void> {
  if (await isV2()) {
    const dir = join(cgroupRoot, path);
    await mkdir(dir, { recursive: true });
    if (r?.memoryLimitInBytes) await writeFile(join(dir, 'memory.max'), String(r.memoryLimitInBytes));
    if (r?.cpuQuota && r.cpuQuota > 0) await writeFile(join(dir, 'cpu.max'), `${r.cpuQuota} ${r.cpuPeriod || 100000}`);
    // cgroup v1 shares (2–262144) onto v2 weight (1–10000), as runc's ConvertCPUSharesToCgroupV2Value
    if (r?.cpuShares) await writeFile(join(dir, 'cpu.weight'), String(Math.round(1 + ((r.cpuShares - 2) * 9999) / 262142)));
    return;
  }
  const mem = join(cgroupRoot, 'memory', path);
  const cpu = join(cgroupRoot, 'cpu', path);
  await Promise.all([mkdir(mem, { recursive: true }), mkdir(cpu, { recursive: true })]);
  if (r?.memoryLimitInBytes) await writeFile(join(mem, 'memory.limit_in_bytes'), String(r.memoryLimitInBytes));
  if (r?.cpuShares) await writeFile(join(cpu, 'cpu.shares'), String(r.cpuShares));
  if (r?.cpuQuota && r.cpuQuota > 0) {
    await writeFile(join(cpu, 'cpu.cfs_period_us'), String(r.cpuPeriod || 100000));
    await writeFile(join(cpu, 'cpu.cfs_quota_us'), String(r.cpuQuota));
  }
}

/** Remove the pod's cgroup in every hierarchy (its containers' are gone by then); idempotent. */
export async function removePodCgroup(path: string): Promise<void> {
  const dirs = (await isV2()) ? [cgroupRoot] : (await readdir(cgroupRoot, { withFileTypes: true }).catch(() => []))
    .filter((e) => e.isDirectory() || e.isSymbolicLink()).map((e) => join(cgroupRoot, e.name));
  await Promise.all(dirs.map((h) => rmdir(join(h, path)).catch((err) => {
    const code = errnoCode(err);
    if (code !== 'ENOENT' && code !== 'ENOTDIR') log.warn('could not remove a pod cgroup', { path: join(h, path), code });
  })));
}
