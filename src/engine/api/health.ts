// Healthchecks in docker's shapes: Config.Healthcheck, State.Health, and the `(healthy)` of `docker ps`.
import type { HealthConfig, HealthState } from '../types.ts';

/** Config.Healthcheck as docker shows it (zero durations and retries left out, as Go's omitempty) */
export function healthcheckJson(h: HealthConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (h.test?.length) out.Test = h.test;
  if (h.interval) out.Interval = h.interval;
  if (h.timeout) out.Timeout = h.timeout;
  if (h.startPeriod) out.StartPeriod = h.startPeriod;
  if (h.startInterval) out.StartInterval = h.startInterval;
  if (h.retries) out.Retries = h.retries;
  return out;
}

export function healthJson(h: HealthState): Record<string, unknown> {
  return {
    Status: h.status,
    FailingStreak: h.failingStreak,
    Log: h.log.map((e) => ({ Start: e.start, End: e.end, ExitCode: e.exitCode, Output: e.output })),
  };
}

/** docker's Health.String() after `Up 3 seconds`: ` (healthy)`, ` (unhealthy)`, ` (health: starting)` */
export function healthSuffix(h: HealthState | undefined): string {
  if (!h) return '';
  return h.status === 'starting' ? ' (health: starting)' : ` (${h.status})`;
}
