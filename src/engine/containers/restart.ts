// Restart policies, decided as moby's restartmanager does: always, unless-stopped (not after a user stop),
// on-failure[:N] (non-zero exits, at most N restarts); back-off 100 ms doubling up to a minute, reset
// once a run lasted 10 s.
import type { RestartPolicy } from '../types.ts';

export interface RestartInput {
  policy: RestartPolicy;
  exitCode: number;
  /** the user stopped or killed it (docker's HasBeenManuallyStopped) */
  stoppedByUser: boolean;
  /** `docker stop` (or a kill with the stop signal) cancels restarting even for `always` */
  canceled: boolean;
  /** restarts so far in this sequence */
  restartCount: number;
  runMs: number;
  /** the previous back-off (0 at first) */
  backoffMs: number;
}

export interface RestartDecision {
  restart: boolean;
  delayMs: number;
}

const initialBackoff = 100;
const maxBackoff = 60_000;

export function nextBackoff(prev: number, runMs: number): number {
  const base = runMs >= 10_000 ? 0 : prev;
  if (base === 0) return initialBackoff;
  return base < maxBackoff ? Math.min(base * 2, maxBackoff) : base;
}

export function decideRestart(i: RestartInput): RestartDecision {
  const delayMs = nextBackoff(i.backoffMs, i.runMs);
  if (i.canceled) return { restart: false, delayMs };
  switch (i.policy.name) {
    case 'always':
      return { restart: true, delayMs };
    case 'unless-stopped':
      return { restart: !i.stoppedByUser, delayMs };
    case 'on-failure': {
      const max = i.policy.maximumRetryCount;
      return { restart: i.exitCode !== 0 && (max === 0 || i.restartCount < max), delayMs };
    }
    default:
      return { restart: false, delayMs };
  }
}

/** At engine start: which stopped containers come back (docker restores always, unless-stopped, on-failure). */
export function restartOnBoot(policy: RestartPolicy, exitCode: number, stoppedByUser: boolean): boolean {
  return decideRestart({ policy, exitCode, stoppedByUser, canceled: false, restartCount: 0, runMs: 0, backoffMs: 0 }).restart;
}
