// `docker create`: the image's config merged with the user's (docker's rules), validated, recorded.
import { mkdir, rm } from 'node:fs/promises';
import { dirname, isAbsolute, normalize } from 'node:path';
import type { ContainerRecord, ContainerSpec, ImageRecord } from '../types.ts';
import { invalidArgument, isKind, notFound } from '../../lib/errors.ts';
import { newId, randomName } from '../../lib/ids.ts';
import { checkName } from './store.ts';
import { containerCapabilities } from './caps.ts';
import { mergeEnv } from './spec.ts';
import { log, paths, type Ctx } from './context.ts';
import { normalizeSignal, nowNano, zeroTime } from './lifecycle.ts';
import { checkHealthcheck, mergeHealthcheck } from './health-config.ts';
import { dropVolumes, resolveMounts, type ResolvedMounts } from './mounts.ts';
import { checkHostOptions } from './host-options.ts';
import type { RuntimeName } from './runtime.ts';

/**
 * The container's effective config: the image's, overridden by the user's. An entrypoint given by the
 * user drops the image's Cmd unless a cmd is given too (docker's rule).
 */
export function mergeImageConfig(spec: ContainerSpec, image: ImageRecord): { spec: ContainerSpec; argv: string[] } {
  const ic = image.config.config ?? {};
  const entrypoint = spec.entrypoint ?? ic.Entrypoint ?? [];
  const cmd = spec.cmd ?? (spec.entrypoint ? [] : ic.Cmd ?? []);
  const argv = [...(entrypoint ?? []), ...(cmd ?? [])];
  const merged: ContainerSpec = {
    ...spec,
    entrypoint: entrypoint ?? [],
    cmd: cmd ?? [],
    env: mergeEnv(ic.Env ?? [], spec.env ?? []),
    workingDir: spec.workingDir || ic.WorkingDir || '',
    user: spec.user ?? ic.User ?? '',
    labels: { ...(ic.Labels ?? {}), ...(spec.labels ?? {}) },
    stopSignal: spec.stopSignal ?? ic.StopSignal,
    healthcheck: mergeHealthcheck(spec.healthcheck, ic.Healthcheck),
  };
  return { spec: merged, argv };
}

function validate(spec: ContainerSpec, ctx: Ctx): void {
  const h = spec.host;
  checkHealthcheck(spec.healthcheck);
  if (spec.stopSignal) normalizeSignal(spec.stopSignal);
  containerCapabilities({ capAdd: h.capAdd, capDrop: h.capDrop, privileged: h.privileged, known: ctx.host.knownCaps });
  if (h.memory !== undefined && h.memory !== 0 && h.memory < 6 * 1024 * 1024) throw invalidArgument('Minimum memory limit allowed is 6MB');
  if (h.memorySwap !== undefined && h.memorySwap > 0 && h.memory && h.memorySwap < h.memory) {
    throw invalidArgument('Minimum memoryswap limit should be larger than memory limit, see usage');
  }
  if (h.nanoCpus !== undefined && h.nanoCpus !== 0) {
    if (h.nanoCpus < 0.01e9 || h.nanoCpus > ctx.host.ncpu * 1e9) {
      throw invalidArgument(`Range of CPUs is from 0.01 to ${ctx.host.ncpu}.00, as there are only ${ctx.host.ncpu} CPUs available`);
    }
    if (h.cpuQuota || h.cpuPeriod) throw invalidArgument('Conflicting options: Nano CPUs and CPU Period cannot both be set');
  }
  if (h.cpuPeriod && (h.cpuPeriod < 1000 || h.cpuPeriod > 1000000)) throw invalidArgument('CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  if (h.cpuQuota && h.cpuQuota > 0 && h.cpuQuota < 1000) throw invalidArgument('CPU cfs quota can not be less than 1ms (i.e. 1000)');
  if (h.cgroupParent !== undefined && !/^\/?[A-Za-z0-9_-][A-Za-z0-9_.-]*(\/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*$/.test(h.cgroupParent)) {
    throw invalidArgument(`invalid cgroup parent ${JSON.stringify(h.cgroupParent)}: a path of names under the cgroup root`);
  }
  if (spec.logPath !== undefined && (!isAbsolute(spec.logPath) || normalize(spec.logPath) !== spec.logPath || spec.logPath.endsWith('/'))) {
    throw invalidArgument(`invalid log path ${JSON.stringify(spec.logPath)}: it must be an absolute, clean file path`);
  }
  if (h.restartPolicy.name === 'on-failure' && h.restartPolicy.maximumRetryCount < 0) throw invalidArgument('maximum retry count cannot be negative');
  if (h.autoRemove && h.restartPolicy.name !== 'no') throw invalidArgument('can\'t create \'AutoRemove\' container with restart policy');
}

/**
 * A missing container to join (`--network container:x`) is bad input at create: docker finds out only at
 * start, so its CLI never sees a 404 from create here, which would make it pull the image and hide the error.
 * (`--volumes-from x` stays a 404, as docker answers it at create.)
 */
function badInput(err: unknown): never {
  throw isKind(err, 'NotFound') ? invalidArgument((err as Error).message, err) : err;
}

export async function createContainer(ctx: Ctx, input: ContainerSpec): Promise<ContainerRecord> {
  let image: ImageRecord;
  try {
    image = await ctx.images.get(input.image);
  } catch (err) {
    if (isKind(err, 'NotFound')) throw notFound(`No such image: ${input.image}`, err);
    throw err;
  }
  validate(input, ctx);
  checkHostOptions(input, { findContainer: (ref) => ctx.store.tryFind(ref) });
  const checked = ctx.network ? await ctx.network.checkSpec(input, image).catch(badInput) : input;
  const { spec, argv } = mergeImageConfig(checked, image);
  if (!argv.length) throw invalidArgument('No command specified');
  const id = newId();
  let name: string;
  if (input.name) {
    name = checkName(input.name);
    ctx.store.reserveName(name, id);
  } else {
    do name = randomName();
    while (ctx.store.nameTaken(name));
    ctx.store.reserveName(name, id);
  }
  const p = paths(ctx, id);
  let volumes: ResolvedMounts;
  try {
    volumes = await resolveMounts(ctx, input.host, image);
  } catch (err) {
    ctx.store.releaseName(name, id);
    throw err;
  }
  spec.host = { ...spec.host, mounts: volumes.mounts };
  const rec: ContainerRecord = {
    id,
    name,
    created: nowNano(),
    imageRef: input.image,
    imageId: image.id,
    spec: { ...spec, name },
    path: argv[0],
    args: argv.slice(1),
    state: { status: 'created', pid: 0, exitCode: 0, oomKilled: false, error: '', startedAt: zeroTime, finishedAt: zeroTime, restartCount: 0, stoppedByUser: false },
    runtime: (input.host.runtime as RuntimeName | undefined) ?? ctx.runtime.name,
    logPath: spec.logPath ?? p.log,
    hostnamePath: p.hostname,
  };
  try {
    await mkdir(p.dir, { recursive: true });
    // everything a record refers to exists before the record does
    // the /etc files are written at start (the network room knows the addresses then)
    await Promise.all([mkdir(p.bundle), mkdir(p.userdata), spec.logPath ? mkdir(dirname(spec.logPath), { recursive: true }) : undefined]);
    await ctx.store.save(rec);
  } catch (err) {
    // a failed create leaves nothing: no dir, no record, no name
    ctx.store.releaseName(name, id);
    await ctx.store.trash(id).catch(() => {});
    await ctx.store.purge(id).catch(() => {});
    await rm(p.dir, { recursive: true, force: true }).catch(() => {});
    await dropVolumes(ctx.volumes, volumes.created).catch((e) => log.warn('could not remove the volumes of a failed create', { volumes: volumes.created, err: e }));
    throw err;
  }
  return rec;
}
