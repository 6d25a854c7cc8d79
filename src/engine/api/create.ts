// `POST /containers/create`: docker's create body (Config + HostConfig) → a validated ContainerSpec.
// Messages follow the docker daemon's wording so the docker CLI's output reads the same.
import { availableParallelism } from 'node:os';
import type { ContainerSpec, HealthConfig, RestartPolicy } from '../types.ts';
import { invalidArgument } from '../../lib/errors.ts';
import { mountsFromDocker } from './mounts.ts';
import { hostOptionsFromDocker } from './host-config.ts';
import { applyNetworkFields, networkFieldsFromDocker } from './create-network.ts';
import { asObject, optBool, optInt, optString, optStringMap, optStrings as optList, type Json } from './json-fields.ts';

const minMemory = 6 * 1024 * 1024;
const namePattern = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export interface CreateResult {
  spec: ContainerSpec;
  warnings: string[];
}


export function validateContainerName(name: string): string {
  if (!namePattern.test(name)) throw invalidArgument(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  return name.replace(/^\//, '');
}

export function containerSpecFromDocker(body: unknown, name: string | null, ncpu = availableParallelism()): CreateResult {
  if (body === undefined || body === null) throw invalidArgument('config cannot be empty in order to create a container');
  const config = asObject(body, 'body');
  const hc = config.HostConfig === undefined || config.HostConfig === null ? {} : asObject(config.HostConfig, 'HostConfig');
  const warnings: string[] = [];

  const image = optString(config.Image, 'Image');
  if (!image) throw invalidArgument('no image specified: give an image name, e.g. busybox');

  const entrypoint = optStrings(config.Entrypoint, 'Entrypoint');
  const spec: ContainerSpec = {
    name: name ? validateContainerName(name) : undefined,
    image,
    cmd: optStrings(config.Cmd, 'Cmd'),
    // `--entrypoint ""` arrives as [""]: an explicit empty entrypoint, which also drops the image's CMD
    entrypoint: entrypoint && entrypoint.length === 1 && entrypoint[0] === '' ? [] : entrypoint,
    env: optStrings(config.Env, 'Env') ?? [],
    workingDir: optString(config.WorkingDir, 'WorkingDir') || undefined,
    user: optString(config.User, 'User') || undefined,
    hostname: optString(config.Hostname, 'Hostname') || undefined,
    domainname: optString(config.Domainname, 'Domainname') || undefined,
    labels: optStringMap(config.Labels, 'Labels') ?? {},
    tty: optBool(config.Tty),
    openStdin: optBool(config.OpenStdin),
    stdinOnce: optBool(config.StdinOnce),
    attachStdin: optBool(config.AttachStdin),
    attachStdout: optBool(config.AttachStdout),
    attachStderr: optBool(config.AttachStderr),
    stopSignal: optString(config.StopSignal, 'StopSignal') || undefined,
    stopTimeout: optInt(config.StopTimeout, 'StopTimeout') ?? undefined,
    healthcheck: healthcheck(config.Healthcheck),
    host: {
      memory: positive(optInt(hc.Memory, 'Memory')),
      memorySwap: nonZero(optInt(hc.MemorySwap, 'MemorySwap')),
      nanoCpus: positive(optInt(hc.NanoCpus, 'NanoCpus')),
      cpuShares: positive(optInt(hc.CpuShares, 'CpuShares')),
      cpuQuota: positive(optInt(hc.CpuQuota, 'CpuQuota')),
      cpuPeriod: positive(optInt(hc.CpuPeriod, 'CpuPeriod')),
      pidsLimit: positive(optInt(hc.PidsLimit, 'PidsLimit')), // 0 and -1 mean unlimited, as docker
      cgroupParent: optString(hc.CgroupParent, 'CgroupParent') || undefined,
      restartPolicy: restartPolicy(hc.RestartPolicy),
      autoRemove: optBool(hc.AutoRemove),
      networkMode: 'bridge',
      readonlyRootfs: optBool(hc.ReadonlyRootfs),
      capAdd: capabilities(hc.CapAdd, 'CapAdd'),
      capDrop: capabilities(hc.CapDrop, 'CapDrop'),
      privileged: optBool(hc.Privileged),
      mounts: mountsFromDocker(config, hc),
      volumesFrom: nonEmpty(optStrings(hc.VolumesFrom, 'VolumesFrom')),
      init: hc.Init === null || hc.Init === undefined ? undefined : optBool(hc.Init),
      extraHosts: nonEmpty(optStrings(hc.ExtraHosts, 'ExtraHosts')),
      dns: nonEmpty(optStrings(hc.Dns, 'Dns')),
      shmSize: positive(optInt(hc.ShmSize, 'ShmSize')),
      ulimits: ulimits(hc.Ulimits),
      securityOpt: nonEmpty(optStrings(hc.SecurityOpt, 'SecurityOpt')),
      ...hostOptionsFromDocker(hc),
    },
  };
  validateResources(spec.host, hc, ncpu);
  if (spec.host.autoRemove && spec.host.restartPolicy.name !== 'no') {
    throw invalidArgument("can't create 'AutoRemove' container with restart policy");
  }
  const net = networkFieldsFromDocker(config, hc);
  applyNetworkFields(spec, net);
  warnings.push(...net.warnings);
  return { spec, warnings };
}

function validateResources(h: ContainerSpec['host'], hc: Json, ncpu: number): void {
  const memory = optInt(hc.Memory, 'Memory') ?? 0;
  const swap = optInt(hc.MemorySwap, 'MemorySwap') ?? 0;
  if (memory < 0) throw invalidArgument('invalid memory limit: it cannot be negative');
  if (memory !== 0 && memory < minMemory) throw invalidArgument('Minimum memory limit allowed is 6MB');
  if (memory === 0 && swap > 0) throw invalidArgument('You should always set the Memory limit when using Memoryswap limit, see usage');
  if (swap > 0 && swap < memory) throw invalidArgument('Minimum memoryswap limit should be larger than memory limit, see usage');
  const nano = optInt(hc.NanoCpus, 'NanoCpus') ?? 0;
  if (nano > 0 && h.cpuPeriod) throw invalidArgument('Conflicting options: Nano CPUs and CPU Period cannot both be set');
  if (nano > 0 && h.cpuQuota) throw invalidArgument('Conflicting options: Nano CPUs and CPU Quota cannot both be set');
  // below 0.01 CPU the CFS quota would fall under its 1ms minimum
  if (nano < 0 || (nano > 0 && nano < 1e7) || nano > ncpu * 1e9) {
    throw invalidArgument(`Range of CPUs is from 0.01 to ${ncpu}.00, as there are only ${ncpu} CPUs available`);
  }
  if (h.cpuPeriod !== undefined && (h.cpuPeriod < 1000 || h.cpuPeriod > 1_000_000)) {
    throw invalidArgument('CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  }
  if (h.cpuQuota !== undefined && h.cpuQuota < 1000) throw invalidArgument('CPU cfs quota can not be less than 1ms (i.e. 1000)');
  if ((optInt(hc.ShmSize, 'ShmSize') ?? 0) < 0) throw invalidArgument('SHM size can not be less than 0');
  if ((optInt(hc.CpuShares, 'CpuShares') ?? 0) < 0) throw invalidArgument('invalid CPU shares: it cannot be negative');
}

export function restartPolicy(v: unknown): RestartPolicy {
  if (v === undefined || v === null) return { name: 'no' };
  const p = asObject(v, 'RestartPolicy');
  const name = optString(p.Name, 'RestartPolicy.Name') ?? '';
  const retries = optInt(p.MaximumRetryCount, 'RestartPolicy.MaximumRetryCount') ?? 0;
  if (retries < 0) throw invalidArgument('invalid restart policy: maximum retry count cannot be negative');
  switch (name) {
    case '':
    case 'no':
    case 'always':
    case 'unless-stopped':
      if (retries !== 0) throw invalidArgument("invalid restart policy: maximum retry count can only be used with 'on-failure'");
      return name === '' ? { name: 'no' } : { name };
    case 'on-failure':
      return { name, maximumRetryCount: retries };
    default:
      throw invalidArgument(`invalid restart policy: unknown policy '${name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`);
  }
}

/** Names pass as given (`net_admin`, `CAP_NET_ADMIN`, `ALL`): the engine normalizes and checks them. */
function capabilities(v: unknown, field: string): string[] {
  return (optStrings(v, field) ?? []).map((c) => c.trim()).filter((c) => c !== '');
}

/** Config.Healthcheck: {Test, Interval, Timeout, StartPeriod, StartInterval (ns), Retries}; the engine checks it */
function healthcheck(v: unknown): HealthConfig | undefined {
  if (v === undefined || v === null) return undefined;
  const o = asObject(v, 'Healthcheck');
  return {
    test: optStrings(o.Test, 'Healthcheck.Test') ?? [],
    interval: optInt(o.Interval, 'Healthcheck.Interval') ?? 0,
    timeout: optInt(o.Timeout, 'Healthcheck.Timeout') ?? 0,
    startPeriod: optInt(o.StartPeriod, 'Healthcheck.StartPeriod') ?? 0,
    startInterval: optInt(o.StartInterval, 'Healthcheck.StartInterval') ?? 0,
    retries: optInt(o.Retries, 'Healthcheck.Retries') ?? 0,
  };
}

function ulimits(v: unknown): ContainerSpec['host']['ulimits'] {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw invalidArgument('Ulimits: expected an array');
  const out = v.map((u) => {
    const o = asObject(u, 'Ulimits[]');
    const name = optString(o.Name, 'Ulimits[].Name') ?? '';
    const soft = optInt(o.Soft, 'Ulimits[].Soft') ?? 0;
    const hard = optInt(o.Hard, 'Ulimits[].Hard') ?? 0;
    if (!name) throw invalidArgument('invalid ulimit: missing name');
    if (soft > hard) throw invalidArgument(`ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`);
    return { Name: name, Soft: soft, Hard: hard };
  });
  return out.length ? out : undefined;
}

// ---------------------------------------------------------------- typed reads of untrusted JSON

/** docker accepts a single string for Cmd/Entrypoint */
function optStrings(v: unknown, field: string): string[] | undefined {
  return typeof v === 'string' ? [v] : optList(v, field);
}
const positive = (n: number | undefined) => (n !== undefined && n > 0 ? n : undefined);
const nonZero = (n: number | undefined) => (n !== undefined && n !== 0 ? n : undefined);
const nonEmpty = <T>(a: T[] | undefined) => (a && a.length ? a : undefined);
