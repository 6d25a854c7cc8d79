// Healthchecks: one monitor per running container with a probe. It runs the probe through the engine's
// own exec path (so probes show as exec_* events, as docker's do), keeps State.Health (the last five
// results, the failing streak) and reports `health_status: …` when the status changes. Timing and the
// state machine follow moby's daemon/health.go.
import type { ContainerRecord, HealthLogEntry, HealthState } from '../types.ts';
import type { ExecService } from './exec.ts';
import { log } from './context.ts';
import { probeOf, type Probe } from './health-config.ts';

/** docker keeps at most this much of a probe's output */
export const maxOutputLen = 4096;
export const maxLogEntries = 5;

// ---------------------------------------------------------------- the state machine (pure)

/** State.Health as a start leaves it: starting, no failures, the log kept (docker's initHealthMonitor). */
export function startingHealth(prev: HealthState | undefined): HealthState {
  return { status: 'starting', failingStreak: 0, log: prev?.log ?? [] };
}

/**
 * The health after one probe: success makes it healthy; a failure counts toward `retries` unless it came
 * within the start period while still starting.
 */
export function applyProbeResult(h: HealthState, r: HealthLogEntry, probe: Pick<Probe, 'retries' | 'startPeriodMs'>, startedAtMs: number): HealthState {
  const log = [...h.log, r].slice(-maxLogEntries);
  if (r.exitCode === 0) return { status: 'healthy', failingStreak: 0, log };
  const inStartPeriod = h.status === 'starting' && Date.parse(r.start) - startedAtMs < probe.startPeriodMs;
  if (inStartPeriod) return { ...h, log };
  const failingStreak = h.failingStreak + 1;
  return { status: failingStreak >= probe.retries ? 'unhealthy' : h.status, failingStreak, log };
}

/** The wait before the next probe: the start interval while starting within the start period, else the interval. */
export function nextProbeDelay(probe: Pick<Probe, 'intervalMs' | 'startPeriodMs' | 'startIntervalMs'>, elapsedMs: number, status: HealthState['status']): number {
  if (elapsedMs >= probe.startPeriodMs) return probe.intervalMs;
  const remaining = probe.startPeriodMs - elapsedMs;
  if (remaining < probe.intervalMs) return remaining;
  return status === 'starting' ? probe.startIntervalMs : probe.intervalMs;
}

// ---------------------------------------------------------------- running a probe

export type RunProbe = (rec: ContainerRecord, probe: Probe, signal: AbortSignal) => Promise<{ exitCode: number; output: string }>;

/** Keeps the first 4 KiB of what it is given; "..." marks the cut. */
export function limitedBuffer() {
  const parts: Buffer[] = [];
  let size = 0;
  let truncated = false;
  return {
    write(b: Buffer) {
      const keep = Math.min(maxOutputLen - size, b.length);
      if (keep > 0) parts.push(b.subarray(0, keep));
      size += Math.max(keep, 0);
      if (keep < b.length) truncated = true;
    },
    text: () => Buffer.concat(parts).toString('utf8') + (truncated ? '...' : ''),
  };
}

/** a wedged exec start must not stall the monitor (docker's separate 30 s limit; the probe's timeout counts from the start) */
const startDeadlineMs = 30_000;

function withDeadline<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)));
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

/** A probe run as an exec session in the container, killed after the timeout (exit code -1, docker's message). */
export function execProbe(execs: ExecService): RunProbe {
  return async (rec, probe, signal) => {
    const ex = await execs.create(rec.id, {
      cmd: probe.cmd, env: [], user: rec.spec.user || undefined, workingDir: rec.spec.workingDir || undefined,
      tty: false, attachStdin: false, attachStdout: true, attachStderr: true, privileged: false,
    });
    try {
      const att = await withDeadline(execs.start(ex.id, { detach: false, tty: false }), startDeadlineMs, `timed out starting health check for container ${rec.id}`);
      const out = limitedBuffer();
      let timedOut = false;
      const kill = () => {
        try {
          if (ex.pid > 0) process.kill(ex.pid, 'SIGKILL');
        } catch {
          // already gone: its end is on the way
        }
      };
      const timer = setTimeout(() => ((timedOut = true), kill()), probe.timeoutMs);
      signal.addEventListener('abort', kill, { once: true });
      try {
        for await (const chunk of att!.output) out.write(chunk.data);
      } finally {
        clearTimeout(timer);
        signal.removeEventListener('abort', kill);
      }
      if (timedOut) {
        const text = out.text();
        return { exitCode: -1, output: `Health check exceeded timeout (${probe.timeoutText})${text ? `: ${text}` : ''}` };
      }
      return { exitCode: execs.inspect(ex.id).exitCode ?? -1, output: out.text() };
    } finally {
      execs.forget(ex.id);
    }
  };
}

// ---------------------------------------------------------------- the monitors

export interface HealthMonitorDeps {
  runProbe: RunProbe;
  /** record the new health (the caller saves it in the container's turn, unless it is gone) */
  record(rec: ContainerRecord, health: HealthState, persist: boolean): Promise<void>;
  /** `health_status: healthy` */
  report(rec: ContainerRecord, action: string): void;
}

export interface HealthMonitor {
  /** a (re)start: health starts over as `starting` and probing begins */
  start(rec: ContainerRecord): void;
  /** probing goes on where it was (unpause, the engine started again) */
  resume(rec: ContainerRecord): void;
  /** the container stopped, paused or went away: probing ends and, as docker, the status says unhealthy */
  stop(rec: ContainerRecord): void;
  close(): void;
}

interface Watch {
  timer: NodeJS.Timeout | null;
  abort: AbortController;
}

export function createHealthMonitor(deps: HealthMonitorDeps): HealthMonitor {
  const watches = new Map<string, Watch>();

  function schedule(rec: ContainerRecord, probe: Probe, w: Watch): void {
    const startedAt = Date.parse(rec.state.startedAt) || Date.now();
    const delay = nextProbeDelay(probe, Date.now() - startedAt, rec.state.health?.status ?? 'starting');
    w.timer = setTimeout(() => void probeOnce(rec, probe, w, startedAt), delay);
    w.timer.unref();
  }

  async function probeOnce(rec: ContainerRecord, probe: Probe, w: Watch, startedAt: number): Promise<void> {
    w.timer = null;
    const start = new Date().toISOString();
    let result: { exitCode: number; output: string };
    try {
      result = await deps.runProbe(rec, probe, w.abort.signal);
    } catch (err) {
      result = { exitCode: -1, output: err instanceof Error ? err.message : String(err) };
    }
    if (watches.get(rec.id) !== w || w.abort.signal.aborted) return;
    const before = rec.state.health ?? startingHealth(undefined);
    const after = applyProbeResult(before, { start, end: new Date().toISOString(), exitCode: result.exitCode, output: result.output }, probe, startedAt);
    // the record is written when the status or the streak moves; the log alone lives in memory (docker's way)
    const persist = after.status !== before.status || after.failingStreak !== before.failingStreak;
    await deps.record(rec, after, persist).catch((err) => log.warn('health state not saved', { id: rec.id, err }));
    if (after.status !== before.status) deps.report(rec, `health_status: ${after.status}`);
    if (watches.get(rec.id) === w && !w.abort.signal.aborted) schedule(rec, probe, w);
  }

  function watch(rec: ContainerRecord, fresh: boolean): void {
    const probe = probeOf(rec.spec.healthcheck);
    if (!probe) return;
    halt(rec.id);
    if (fresh || !rec.state.health) {
      const health = startingHealth(rec.state.health);
      deps.record(rec, health, true).catch((err) => log.warn('health state not saved', { id: rec.id, err }));
    }
    const w: Watch = { timer: null, abort: new AbortController() };
    watches.set(rec.id, w);
    schedule(rec, probe, w);
  }

  function halt(id: string): boolean {
    const w = watches.get(id);
    if (!w) return false;
    watches.delete(id);
    if (w.timer) clearTimeout(w.timer);
    w.abort.abort();
    return true;
  }

  return {
    start: (rec) => watch(rec, true),
    resume: (rec) => watch(rec, false),
    stop(rec) {
      // docker: "unhealthy when the monitor has stopped for compatibility reasons"
      if (halt(rec.id) && rec.state.health) rec.state = { ...rec.state, health: { ...rec.state.health, status: 'unhealthy' } };
    },
    close() {
      for (const id of [...watches.keys()]) halt(id);
    },
  };
}
