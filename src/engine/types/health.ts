// Healthchecks: the check a container runs and the state it keeps.

/**
 * docker's HealthConfig. Durations are nanoseconds; 0 means "the image's, else the default" (interval 30 s,
 * timeout 30 s, start period 0, start interval 5 s, retries 3). `test`: ['CMD', prog, ...args],
 * ['CMD-SHELL', command] (run by /bin/sh -c), ['NONE'] (no healthcheck, not even the image's), or
 * empty/absent (the image's).
 */
export interface HealthConfig {
  test?: string[];
  interval?: number;
  timeout?: number;
  startPeriod?: number;
  startInterval?: number;
  retries?: number;
}

export type HealthStatus = 'starting' | 'healthy' | 'unhealthy';

/** One probe run: RFC 3339 times, the exit code (-1: it did not finish), at most 4 KiB of output. */
export interface HealthLogEntry {
  start: string;
  end: string;
  exitCode: number;
  output: string;
}

/** State.Health: `starting` at each start, then healthy / unhealthy (after `retries` failures in a row). */
export interface HealthState {
  status: HealthStatus;
  failingStreak: number;
  /** the last five probes, oldest first */
  log: HealthLogEntry[];
}
