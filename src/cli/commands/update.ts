// `skiff update`: new resource limits and restart policy for running or stopped containers (docker update).
import { type Command, type Parsed, badValue, enc, eachContainer, parseBytes, usageError } from '../core.ts';
import { parseRestart } from './container-config.ts';

const flags: Command['flags'] = [
  { name: 'cpu-period', type: 'string', value: 'int', help: 'Limit CPU CFS (Completely Fair Scheduler) period' },
  { name: 'cpu-quota', type: 'string', value: 'int', help: 'Limit CPU CFS (Completely Fair Scheduler) quota' },
  { name: 'cpu-shares', short: 'c', type: 'string', value: 'int', help: 'CPU shares (relative weight)' },
  { name: 'cpus', type: 'string', value: 'decimal', help: 'Number of CPUs' },
  { name: 'cpuset-cpus', type: 'string', help: 'CPUs in which to allow execution (0-3, 0,1)' },
  { name: 'cpuset-mems', type: 'string', help: 'MEMs in which to allow execution (0-3, 0,1)' },
  { name: 'memory', short: 'm', type: 'string', value: 'bytes', help: 'Memory limit' },
  { name: 'memory-swap', type: 'string', value: 'bytes', help: "Swap limit equal to memory plus swap: -1 to enable unlimited swap" },
  { name: 'pids-limit', type: 'string', value: 'int', help: 'Tune container pids limit (set -1 for unlimited)' },
  { name: 'restart', type: 'string', help: 'Restart policy to apply when a container exits' },
];

/** The update body (docker's UpdateConfig) from the flags given; absent flags are left out. */
export function updateBody(spec: Parameters<typeof badValue>[0], p: Parsed): Record<string, unknown> {
  const int = (name: string) => {
    const v = p.str(name);
    if (v === undefined) return undefined;
    if (!/^-?\d+$/.test(v)) throw badValue(spec, name, v, `strconv.ParseInt: parsing "${v}": invalid syntax`);
    return Number(v);
  };
  const bytes = (name: string) => {
    const v = p.str(name);
    if (v === undefined) return undefined;
    if (v === '-1' && name === 'memory-swap') return -1;
    try {
      return parseBytes(v);
    } catch {
      throw badValue(spec, name, v, `invalid size: '${v}'`);
    }
  };
  const cpus = p.str('cpus');
  if (cpus !== undefined && !/^\d*\.?\d+$/.test(cpus)) throw badValue(spec, 'cpus', cpus, `failed to parse ${cpus} as a rational number`);
  const body: Record<string, unknown> = {
    Memory: bytes('memory'),
    MemorySwap: bytes('memory-swap'),
    NanoCpus: cpus === undefined ? undefined : Math.round(Number(cpus) * 1e9),
    CpuShares: int('cpu-shares'),
    CpuPeriod: int('cpu-period'),
    CpuQuota: int('cpu-quota'),
    CpusetCpus: p.str('cpuset-cpus'),
    CpusetMems: p.str('cpuset-mems'),
    PidsLimit: int('pids-limit'),
    RestartPolicy: p.str('restart') === undefined ? undefined : parseRestart(spec, p.str('restart')!),
  };
  for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
  return body;
}

export const update: Command = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Update configuration of one or more containers',
  flags,
  args: { min: 1 },
  async run(ctx, p) {
    const spec = { ...update, path: ctx.path };
    const body = updateBody(spec, p);
    if (!Object.keys(body).length) throw usageError(spec, 'you must provide one or more flags when using this command');
    return eachContainer(p.args, async (name) => {
      const r = await ctx.api().json<{ Warnings: string[] | null }>('POST', `/containers/${enc(name)}/update`, { body });
      for (const w of r.Warnings ?? []) process.stderr.write(`${w}\n`);
      return name;
    });
  },
};
