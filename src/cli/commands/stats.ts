// `skiff stats`: GET /containers/{id}/stats, computed and laid out as docker's stats table.
import { type Command, type Context, enc, type ApiResponse, ApiError } from '../core.ts';
import { binarySize, decimalSize, shortId, tabulate } from '../format.ts';

interface CpuStats {
  cpu_usage?: { total_usage?: number; percpu_usage?: number[] | null };
  system_cpu_usage?: number;
  online_cpus?: number;
}

export interface StatsJson {
  id?: string;
  name?: string;
  read?: string;
  cpu_stats?: CpuStats;
  precpu_stats?: CpuStats;
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }> | null;
  blkio_stats?: { io_service_bytes_recursive?: Array<{ op: string; value: number }> | null };
  pids_stats?: { current?: number };
}

/** docker's calculateCPUPercentUnix: the container's share of the host's CPU time since the previous sample. */
export function cpuPercent(s: StatsJson): number {
  const cur = s.cpu_stats ?? {};
  const pre = s.precpu_stats ?? {};
  const cpuDelta = (cur.cpu_usage?.total_usage ?? 0) - (pre.cpu_usage?.total_usage ?? 0);
  const systemDelta = (cur.system_cpu_usage ?? 0) - (pre.system_cpu_usage ?? 0);
  const online = cur.online_cpus || cur.cpu_usage?.percpu_usage?.length || 0;
  return systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * online * 100 : 0;
}

/** Memory in use without the page cache (cgroup v1 total_inactive_file, v2 inactive_file), as docker shows it. */
export function memoryUsage(s: StatsJson): number {
  const m = s.memory_stats ?? {};
  const usage = m.usage ?? 0;
  const stats = m.stats ?? {};
  const v1 = stats.total_inactive_file;
  if (v1 !== undefined && v1 < usage) return usage - v1;
  const v2 = stats.inactive_file;
  if (v2 !== undefined && v2 < usage) return usage - v2;
  return usage;
}

export function statsRow(s: StatsJson, fallbackId = '', fallbackName = ''): string[] {
  const mem = memoryUsage(s);
  const limit = s.memory_stats?.limit ?? 0;
  let rx = 0;
  let tx = 0;
  for (const n of Object.values(s.networks ?? {})) {
    rx += n.rx_bytes ?? 0;
    tx += n.tx_bytes ?? 0;
  }
  let read = 0;
  let write = 0;
  for (const e of s.blkio_stats?.io_service_bytes_recursive ?? []) {
    const op = e.op.toLowerCase();
    if (op === 'read') read += e.value;
    else if (op === 'write') write += e.value;
  }
  return [
    shortId(s.id || fallbackId),
    (s.name || fallbackName).replace(/^\//, ''),
    `${cpuPercent(s).toFixed(2)}%`,
    `${binarySize(mem)} / ${binarySize(limit)}`,
    `${(limit ? (mem / limit) * 100 : 0).toFixed(2)}%`,
    `${decimalSize(rx)} / ${decimalSize(tx)}`,
    `${decimalSize(read)} / ${decimalSize(write)}`,
    String(s.pids_stats?.current ?? 0),
  ];
}

const header = ['CONTAINER ID', 'NAME', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %', 'NET I/O', 'BLOCK I/O', 'PIDS'];

async function targets(ctx: Context, args: string[], all: boolean): Promise<Array<{ id: string; name: string }>> {
  if (args.length) return args.map((a) => ({ id: a, name: a }));
  const list = await ctx.api().json<Array<{ Id: string; Names: string[] }>>('GET', '/containers/json', { query: { all: all || undefined } });
  return list.map((c) => ({ id: c.Id, name: (c.Names[0] ?? '').replace(/^\//, '') }));
}

async function* jsonLines(res: ApiResponse): AsyncGenerator<StatsJson> {
  let buf = '';
  for await (const chunk of res.body) {
    buf += (chunk as Buffer).toString('utf8');
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line) yield JSON.parse(line) as StatsJson;
    }
  }
  if (buf.trim()) yield JSON.parse(buf) as StatsJson;
}

export const stats: Command = {
  usage: '[OPTIONS] [CONTAINER...]',
  summary: 'Display a live stream of container(s) resource usage statistics',
  flags: [
    { name: 'all', short: 'a', type: 'bool', help: 'Show all containers (default shows just running)' },
    { name: 'no-stream', type: 'bool', help: 'Disable streaming stats and only pull the first result' },
    { name: 'no-trunc', type: 'bool', help: "Don't truncate output" },
  ],
  async run(ctx, p) {
    const api = ctx.api();
    const list = await targets(ctx, p.args, p.bool('all'));
    if (p.bool('no-stream')) {
      let failed = false;
      const rows = await Promise.all(
        list.map(async (c) => {
          try {
            return statsRow(await api.json<StatsJson>('GET', `/containers/${enc(c.id)}/stats`, { query: { stream: false } }), c.id, c.name);
          } catch (err) {
            failed = true;
            process.stderr.write(`${(err as Error).message}\n`);
            return null;
          }
        }),
      );
      process.stdout.write(tabulate([header, ...rows.filter((r): r is string[] => r !== null)]));
      return failed ? 1 : 0;
    }
    const latest = new Map<string, string[]>();
    for (const c of list) latest.set(c.id, statsRow({}, c.id, c.name));
    const streams = list.map(async (c) => {
      try {
        const res = await api.request('GET', `/containers/${enc(c.id)}/stats`, { query: { stream: true } });
        for await (const s of jsonLines(res)) latest.set(c.id, statsRow(s, c.id, c.name));
      } catch (err) {
        if (err instanceof ApiError && p.args.length) {
          process.stderr.write(`${err.message}\n`);
          process.exit(1);
        }
      }
    });
    const draw = () => process.stdout.write(`\x1b[2J\x1b[H${tabulate([header, ...latest.values()])}`);
    const timer = setInterval(draw, 500);
    process.once('SIGINT', () => process.exit(0));
    await Promise.all(streams);
    clearInterval(timer);
    draw();
  },
};
