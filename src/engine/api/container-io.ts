// Routes that stream a container's bytes or numbers out (and files in): logs, top, stats, archive (docker cp).
import { totalmem } from 'node:os';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HttpContext, Route } from './router.ts';
import type { ContainerRecord, ContainerStats, LogOptions, PathStat } from '../types.ts';
import { invalidArgument, isKind } from '../../lib/errors.ts';
import { sendEmpty, sendJson, queryBool, queryUnixSeconds, required, writeChunk } from './http.ts';
import { frame, streamContentType } from '../../lib/stdcopy.ts';

async function logs(ctx: HttpContext): Promise<void> {
  const q = ctx.query;
  const r = await ctx.engine.containers.get(ctx.params.id);
  const opts: LogOptions = {
    follow: queryBool(q, 'follow'),
    stdout: queryBool(q, 'stdout'),
    stderr: queryBool(q, 'stderr'),
    since: queryUnixSeconds(q, 'since'),
    until: queryUnixSeconds(q, 'until'),
    timestamps: queryBool(q, 'timestamps'),
    tail: parseTail(q.get('tail')),
  };
  if (!opts.stdout && !opts.stderr) throw invalidArgument('Bad parameters: you must choose at least one stream');
  const tty = r.spec.tty;
  // asked before the header goes out: a driver that keeps no log is refused with an error status
  const entries = ctx.engine.containers.logs(r.id, opts, ctx.signal);
  ctx.res.writeHead(200, { 'Content-Type': streamContentType(tty) });
  ctx.res.flushHeaders();
  for await (const entry of entries) {
    const data = opts.timestamps ? Buffer.concat([Buffer.from(`${entry.time} `), entry.data]) : entry.data;
    corkUntilNextTick(ctx.res);
    if (!(await writeChunk(ctx.res, tty ? data : frame(entry.stream, data), ctx.signal))) break;
  }
  ctx.res.end();
}

/** `all`, empty or negative → everything; else a line count. */
function parseTail(v: string | null): number | undefined {
  if (v === null || v === '' || v === 'all') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw invalidArgument(`invalid value for "tail": ${JSON.stringify(v)}`);
  return n < 0 ? undefined : n;
}

/** Log lines come one by one; batching the ones that arrive together saves a write (and a chunk) per line. */
function corkUntilNextTick(out: HttpContext['res']): void {
  if (out.writableCorked) return;
  out.cork();
  process.nextTick(() => out.uncork());
}

async function top(ctx: HttpContext): Promise<void> {
  sendJson(ctx.res, 200, await ctx.engine.containers.top(ctx.params.id, ctx.query.get('ps_args') || undefined));
}

// ---------------------------------------------------------------- stats

const zeroTime = '0001-01-01T00:00:00Z';

function cpuStats(s: ContainerStats | undefined): Record<string, unknown> {
  return {
    cpu_usage: { total_usage: s?.cpuTotalNs ?? 0, percpu_usage: s?.cpuPercpuNs, usage_in_kernelmode: 0, usage_in_usermode: 0 },
    system_cpu_usage: s?.systemCpuNs ?? 0,
    online_cpus: s?.onlineCpus ?? 0,
    throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
  };
}

/** docker's stats JSON (what `docker stats` computes CPU % and memory from). */
export function statsJson(r: ContainerRecord, cur: ContainerStats | undefined, pre: ContainerStats | undefined): Record<string, unknown> {
  return {
    read: cur?.read ?? zeroTime,
    preread: pre?.read ?? zeroTime,
    pids_stats: cur ? { current: cur.pidsCurrent, ...(r.spec.host.pidsLimit ? { limit: r.spec.host.pidsLimit } : {}) } : {},
    blkio_stats: { io_service_bytes_recursive: null, io_serviced_recursive: null, io_queue_recursive: null, io_service_time_recursive: null, io_wait_time_recursive: null, io_merged_recursive: null, io_time_recursive: null, sectors_recursive: null },
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpuStats(cur),
    precpu_stats: cpuStats(pre),
    // without a limit the cgroup reports a huge number; docker shows the machine's memory instead
    memory_stats: cur ? { usage: cur.memoryUsage, stats: cur.memoryStats, limit: Math.min(cur.memoryLimit, totalmem()) } : {},
    ...(cur?.networks ? { networks: cur.networks } : {}),
    name: `/${r.name}`,
    id: r.id,
  };
}

async function stats(ctx: HttpContext): Promise<void> {
  const stream = queryBool(ctx.query, 'stream', true);
  const oneShot = queryBool(ctx.query, 'one-shot');
  const r = await ctx.engine.containers.get(ctx.params.id);
  const sample = async (): Promise<{ record: ContainerRecord; stats?: ContainerStats } | undefined> => {
    try {
      const record = await ctx.engine.containers.get(r.id);
      // a container that is not running has no cgroup to read: docker reports zeros
      if (record.state.status !== 'running' && record.state.status !== 'paused') return { record };
      return { record, stats: await ctx.engine.containers.stats(r.id) };
    } catch (err) {
      if (isKind(err, 'NotFound')) return undefined;
      if (isKind(err, 'FailedPrecondition') || isKind(err, 'Conflict')) return { record: r };
      throw err;
    }
  };
  if (!stream) {
    let pre: ContainerStats | undefined;
    if (!oneShot) {
      // one second apart, so the client can compute a CPU percentage
      pre = (await sample())?.stats;
      if (pre) await sleep(1000, undefined, { signal: ctx.signal });
    }
    const cur = await sample();
    sendJson(ctx.res, 200, statsJson(cur?.record ?? r, cur?.stats, pre));
    return;
  }
  ctx.res.writeHead(200, { 'Content-Type': 'application/json' });
  ctx.res.flushHeaders();
  let pre: ContainerStats | undefined;
  while (!ctx.signal.aborted) {
    const cur = await sample();
    if (!cur) break;
    if (!(await writeChunk(ctx.res, JSON.stringify(statsJson(cur.record, cur.stats, pre)) + '\n', ctx.signal))) break;
    pre = cur.stats;
    try {
      await sleep(1000, undefined, { signal: ctx.signal });
    } catch {
      break;
    }
  }
  ctx.res.end();
}

// ---------------------------------------------------------------- archive (docker cp)

/** base64 JSON; the mode as an unsigned 32-bit number (Go's FileMode), whatever bit arithmetic made it */
const statHeader = (s: PathStat) => Buffer.from(JSON.stringify({ ...s, mode: s.mode >>> 0 })).toString('base64');

async function archiveHead(ctx: HttpContext): Promise<void> {
  const stat = await ctx.engine.containers.statPath(ctx.params.id, required(ctx.query, 'path'));
  ctx.res.writeHead(200, { 'X-Docker-Container-Path-Stat': statHeader(stat), 'Content-Type': 'application/x-tar' });
  ctx.res.end();
}

async function archiveGet(ctx: HttpContext): Promise<void> {
  const { stat, tar } = await ctx.engine.containers.getArchive(ctx.params.id, required(ctx.query, 'path'));
  ctx.res.writeHead(200, { 'X-Docker-Container-Path-Stat': statHeader(stat), 'Content-Type': 'application/x-tar' });
  try {
    await pipeline(tar, ctx.res, { signal: ctx.signal });
  } catch (err) {
    tar.destroy();
    if (!ctx.signal.aborted) throw err;
  }
}

async function archivePut(ctx: HttpContext): Promise<void> {
  const path = required(ctx.query, 'path');
  const onAbort = () => ctx.req.destroy();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    await ctx.engine.containers.putArchive(ctx.params.id, path, ctx.req, { noOverwriteDirNonDir: queryBool(ctx.query, 'noOverwriteDirNonDir') });
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
  }
  sendEmpty(ctx.res, 200);
}

export const containerIoRoutes: Route[] = [
  { method: 'GET', path: '/containers/:id/logs', handle: logs },
  { method: 'GET', path: '/containers/:id/top', handle: top },
  { method: 'GET', path: '/containers/:id/stats', handle: stats },
  { method: 'HEAD', path: '/containers/:id/archive', handle: archiveHead },
  { method: 'GET', path: '/containers/:id/archive', handle: archiveGet },
  { method: 'PUT', path: '/containers/:id/archive', handle: archivePut },
];
