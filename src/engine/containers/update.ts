// `docker update`: new resource limits (and restart policy) for a container, checked with docker's rules,
// applied to a live container by the runtime (`update --resources FILE`, crun and runc alike) and kept in
// the record so the next start uses them too.
import { writeFile, rm } from 'node:fs/promises';
import type { ContainerRecord, ContainerUpdate } from '../types.ts';
import { conflict, internal, invalidArgument } from '../../lib/errors.ts';
import { paths, type Ctx } from './context.ts';
import { runRuntime, runtimeMessage } from './runtime.ts';
import { checkCpuset } from './host-options.ts';
import { emitContainer } from './events.ts';

type Host = ContainerRecord['spec']['host'];

/** The host config after the update: docker's UpdateContainer merge (zero = leave as is). */
export function mergeUpdate(h: Host, u: ContainerUpdate): Host {
  const next: Host = { ...h };
  if (u.memory) next.memory = u.memory;
  if (u.memorySwap) next.memorySwap = u.memorySwap;
  if (u.cpuShares) next.cpuShares = u.cpuShares;
  if (u.cpuPeriod) next.cpuPeriod = u.cpuPeriod;
  if (u.cpuQuota) next.cpuQuota = u.cpuQuota;
  if (u.nanoCpus) {
    next.nanoCpus = u.nanoCpus;
    next.cpuPeriod = undefined;
    next.cpuQuota = undefined;
  }
  if (u.cpusetCpus) next.cpusetCpus = u.cpusetCpus;
  if (u.cpusetMems) next.cpusetMems = u.cpusetMems;
  if (u.pidsLimit !== undefined && u.pidsLimit !== 0) next.pidsLimit = u.pidsLimit > 0 ? u.pidsLimit : undefined;
  if (u.restartPolicy) next.restartPolicy = u.restartPolicy;
  return next;
}

/** docker's checks for an update (daemon/update.go and verifyPlatformContainerResources). */
export function checkUpdate(rec: ContainerRecord, u: ContainerUpdate, next: Host, ncpu: number): void {
  const h = rec.spec.host;
  if (u.restartPolicy && u.restartPolicy.name !== 'no' && h.autoRemove) {
    throw invalidArgument(`Cannot update container ${rec.id}: restart policy cannot be updated because AutoRemove is enabled for the container`);
  }
  if (next.memory !== undefined && next.memory > 0 && next.memory < 6 * 1024 * 1024) throw invalidArgument('Minimum memory limit allowed is 6MB');
  if (u.memory && !u.memorySwap && h.memorySwap && h.memorySwap > 0 && u.memory > h.memorySwap) {
    throw invalidArgument('Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time');
  }
  if (next.memorySwap && next.memorySwap > 0 && next.memory && next.memorySwap < next.memory) {
    throw invalidArgument('Minimum memoryswap limit should be larger than memory limit, see usage');
  }
  if (u.nanoCpus && (u.nanoCpus < 1e7 || u.nanoCpus > ncpu * 1e9)) {
    throw invalidArgument(`Range of CPUs is from 0.01 to ${ncpu}.00, as there are only ${ncpu} CPUs available`);
  }
  if (next.nanoCpus && (u.cpuPeriod || u.cpuQuota)) {
    throw invalidArgument(`Conflicting options: Nano CPUs and CPU ${u.cpuPeriod ? 'Period' : 'Quota'} cannot both be set`);
  }
  if (u.cpuPeriod && (u.cpuPeriod < 1000 || u.cpuPeriod > 1_000_000)) throw invalidArgument('CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  if (u.cpuQuota && u.cpuQuota > 0 && u.cpuQuota < 1000) throw invalidArgument('CPU cfs quota can not be less than 1ms (i.e. 1000)');
  checkCpuset(u.cpusetCpus, u.cpusetMems);
  if (u.restartPolicy?.name === 'on-failure' && u.restartPolicy.maximumRetryCount < 0) throw invalidArgument('maximum retry count cannot be negative');
}

/** OCI LinuxResources for `runtime update --resources` (only what the update names; the rest stays). */
export function updateResources(u: ContainerUpdate, next: Host, swapAccounting: boolean): Record<string, unknown> {
  const res: Record<string, unknown> = {};
  if (u.memory || u.memorySwap) {
    const memory: Record<string, number> = {};
    if (next.memory) memory.limit = next.memory;
    // as at create (spec.ts): no swap beyond the memory limit unless MemorySwap says so
    if (swapAccounting && next.memory) memory.swap = next.memorySwap ? next.memorySwap : next.memory;
    res.memory = memory;
  }
  const cpu: Record<string, unknown> = {};
  if (u.nanoCpus) {
    cpu.period = 100000;
    cpu.quota = Math.round((u.nanoCpus * 100000) / 1e9);
  }
  if (u.cpuPeriod) cpu.period = u.cpuPeriod;
  if (u.cpuQuota) cpu.quota = u.cpuQuota;
  if (u.cpuShares) cpu.shares = u.cpuShares;
  if (u.cpusetCpus) cpu.cpus = u.cpusetCpus;
  if (u.cpusetMems) cpu.mems = u.cpusetMems;
  if (Object.keys(cpu).length) res.cpu = cpu;
  if (u.pidsLimit !== undefined && u.pidsLimit !== 0) res.pids = { limit: u.pidsLimit > 0 ? u.pidsLimit : -1 };
  return res;
}

/** Apply an update. Caller holds the container's lifecycle turn. */
export async function updateContainer(ctx: Ctx, rec: ContainerRecord, u: ContainerUpdate): Promise<{ warnings: string[] }> {
  if (rec.state.status === 'removing') throw conflict(`Cannot update container ${rec.id}: container is marked for removal and cannot be "update"`);
  const next = mergeUpdate(rec.spec.host, u);
  checkUpdate(rec, u, next, ctx.host.ncpu);
  const warnings: string[] = [];
  if ((u.memorySwap || (u.memory && next.memorySwap)) && !ctx.host.swapAccounting) {
    warnings.push('Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.');
  }
  const live = rec.state.status === 'running' || rec.state.status === 'paused';
  const resources = updateResources(u, next, ctx.host.swapAccounting);
  if (live && Object.keys(resources).length) {
    const file = `${paths(ctx, rec.id).bundle}/update-resources.json`;
    await writeFile(file, JSON.stringify(resources));
    try {
      const r = await runRuntime(ctx.runtimeFor(rec), ['update', '--resources', file, rec.id]);
      if (r.code !== 0) throw internal(`Cannot update container ${rec.id}: ${runtimeMessage(r.stderr) || `exit status ${r.code}`}`);
    } finally {
      await rm(file, { force: true });
    }
  }
  rec.spec = { ...rec.spec, host: next };
  await ctx.store.save(rec);
  emitContainer(ctx, rec, 'update');
  return { warnings };
}
