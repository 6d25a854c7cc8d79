// The prober (kubelet's prober.Manager): one worker per running container and probe kind, probing every
// periodSeconds once initialDelaySeconds have passed since the container started; a result flips after
// successThreshold / failureThreshold consecutive outcomes, and a flip wakes the pod's worker. Liveness and
// readiness wait for the startup probe to succeed. Initial results: readiness false, liveness true.
// Warm-up: a readiness or startup probe that fails before its first success, within one period of the
// container's start, is tried again soon (50 ms, doubling) rather than a whole period later — a server that
// binds its port a few ms after its process starts is Ready then, not a period late. Those early failures
// are not counted or reported (no Unhealthy event); from the first success or one period on, every probe is.
import type { Container, Probe } from 'kubernetes-types/core/v1.js';
import type { RuntimeService } from '../../engine/types/runtime.ts';
import { runProbe, type ProbeResult } from './probe-handlers.ts';

export type ProbeKind = 'readiness' | 'liveness' | 'startup';
export interface ProbeCounter { result: boolean | undefined; successes: number; failures: number }

export const initialCounter = (kind: ProbeKind): ProbeCounter => ({ result: kind === 'liveness' ? true : kind === 'readiness' ? false : undefined, successes: 0, failures: 0 });

/** one outcome into the counter: the result flips only after enough consecutive outcomes */
export function recordOutcome(c: ProbeCounter, ok: boolean, probe: Probe): ProbeCounter {
  const successes = ok ? c.successes + 1 : 0;
  const failures = ok ? 0 : c.failures + 1;
  let result = c.result;
  if (ok && successes >= (probe.successThreshold ?? 1)) result = true;
  if (!ok && failures >= (probe.failureThreshold ?? 3)) result = false;
  return { result, successes, failures };
}

/** the first retry of a failed warm-up probe; each next one waits twice as long, never past the period */
export const WARMUP_FIRST_RETRY_MS = 50;

/** ms until the next warm-up try (attempt 0, 1, …; the last one lands on the window's end, so a loaded node's
 *  slow starter still gets its try before a whole period goes by), or undefined when the warm-up is over */
export function warmupRetryDelay(probe: Probe, startedMs: number, nowMs: number, attempt: number): number | undefined {
  const period = (probe.periodSeconds ?? 10) * 1000;
  const left = startedMs + (probe.initialDelaySeconds ?? 0) * 1000 + period - nowMs;
  return left > 0 ? Math.min(WARMUP_FIRST_RETRY_MS * 2 ** attempt, left) : undefined;
}

/** ms until the first probe of a container started at startedMs */
export const firstProbeDelay = (probe: Probe, startedMs: number, nowMs: number) => Math.max(0, startedMs + (probe.initialDelaySeconds ?? 0) * 1000 - nowMs);

export interface ProbeTarget {
  podKey: string;
  podIP: string;
  container: Container;
  containerId: string;
  startedMs: number;
}

export interface Prober {
  /** makes the set of workers match these running containers (others stop) */
  sync(podKey: string, targets: ProbeTarget[]): void;
  result(containerId: string, kind: ProbeKind): boolean | undefined;
  /** stops every worker of a pod */
  forget(podKey: string): void;
  stop(): void;
}

export interface ProberOptions {
  runtime: RuntimeService;
  /** a result flipped: resync the pod */
  onChange(podKey: string): void;
  /** a failed probe (event Unhealthy) */
  onFailure(podKey: string, container: string, kind: ProbeKind, result: ProbeResult): void;
  now?: () => number;
  /** for tests: how a probe runs */
  run?: (probe: Probe, t: ProbeTarget) => Promise<ProbeResult>;
}

interface Worker {
  podKey: string; containerId: string; kind: ProbeKind; timer?: NodeJS.Timeout; stopped: boolean; counter: ProbeCounter;
  /** warm-up retries so far; undefined once the warm-up is over (a success, or a period gone by) */
  warmup?: number;
}

const probeOf = (c: Container, kind: ProbeKind): Probe | undefined => (kind === 'readiness' ? c.readinessProbe : kind === 'liveness' ? c.livenessProbe : c.startupProbe);
const label: Record<ProbeKind, string> = { readiness: 'Readiness', liveness: 'Liveness', startup: 'Startup' };
export const probeLabel = (k: ProbeKind) => label[k];

export function createProber(o: ProberOptions): Prober {
  const now = o.now ?? Date.now;
  const run = o.run ?? ((p: Probe, t: ProbeTarget) => runProbe(p, t.container, t.containerId, t.podIP, o.runtime));
  const workers = new Map<string, Worker>();
  const key = (id: string, kind: ProbeKind) => `${id}/${kind}`;

  function stopWorker(k: string) {
    const w = workers.get(k);
    if (!w) return;
    w.stopped = true;
    clearTimeout(w.timer);
    workers.delete(k);
  }

  function start(t: ProbeTarget, kind: ProbeKind, probe: Probe) {
    const w: Worker = { podKey: t.podKey, containerId: t.containerId, kind, stopped: false, counter: initialCounter(kind), warmup: kind === 'liveness' ? undefined : 0 };
    workers.set(key(t.containerId, kind), w);
    const period = (probe.periodSeconds ?? 10) * 1000;
    const tick = async () => {
      if (w.stopped) return;
      // liveness and readiness wait until the startup probe has passed
      const gated = kind !== 'startup' && !!t.container.startupProbe && workers.get(key(t.containerId, 'startup'))?.counter.result !== true;
      // a passed startup probe is done
      const done = kind === 'startup' && w.counter.result === true;
      if (!gated && !done) {
        const r = await run(probe, t).catch((err: Error): ProbeResult => ({ ok: false, output: err.message }));
        if (w.stopped) return;
        const retry = !r.ok && w.warmup !== undefined ? warmupRetryDelay(probe, t.startedMs, now(), w.warmup) : undefined;
        w.warmup = retry === undefined ? undefined : w.warmup! + 1;
        if (retry !== undefined) {
          w.timer = setTimeout(tick, retry); // not counted: the server may just not listen yet
          return;
        }
        const before = w.counter.result;
        w.counter = recordOutcome(w.counter, r.ok, probe);
        if (!r.ok) o.onFailure(t.podKey, t.container.name, kind, r);
        if (w.counter.result !== before) o.onChange(t.podKey);
      }
      if (!w.stopped) w.timer = setTimeout(tick, period);
    };
    w.timer = setTimeout(tick, firstProbeDelay(probe, t.startedMs, now()));
  }

  return {
    sync(podKey, targets) {
      const want = new Set<string>();
      for (const t of targets) {
        for (const kind of ['startup', 'readiness', 'liveness'] as const) {
          const probe = probeOf(t.container, kind);
          if (!probe) continue;
          want.add(key(t.containerId, kind));
          if (!workers.has(key(t.containerId, kind))) start(t, kind, probe);
        }
      }
      for (const [k, w] of [...workers]) if (w.podKey === podKey && !want.has(k)) stopWorker(k);
    },
    result: (id, kind) => workers.get(key(id, kind))?.counter.result,
    forget(podKey) {
      for (const [k, w] of [...workers]) if (w.podKey === podKey) stopWorker(k);
    },
    stop() {
      for (const k of [...workers.keys()]) stopWorker(k);
    },
  };
}
