// Restart and image-pull back-off as the kubelet keeps it (client-go flowcontrol.Backoff): per key, the
// first failure restarts at once and arms 10 s; each failure inside the window doubles it up to 5 min; a key
// whose last failure is older than twice the maximum (the container ran ~10 min) starts over at 10 s.

export interface Backoff {
  /** true while `key` must wait: the event (a container's finish, a failed pull) is younger than its delay */
  inBackoffSince(key: string, eventMs: number): boolean;
  /** the delay now armed for `key` (0 when none) */
  delayOf(key: string): number;
  /** records a restart/retry of `key` after the event at `eventMs`: arms (or doubles) its delay */
  next(key: string, eventMs: number): void;
  /** image pulls: true while the last failure's delay has not passed (flowcontrol IsInBackOffSinceUpdate) */
  inBackoffSinceUpdate(key: string): boolean;
  /** how long `key` still waits after `eventMs` (0 when it need not) */
  remaining(key: string, eventMs: number): number;
  forget(key: string): void;
  /** drops keys not in `keep` (pods that are gone) */
  retain(keep: (key: string) => boolean): void;
}

export interface BackoffOptions { initialMs?: number; maxMs?: number; now?: () => number }

export function createBackoff(o: BackoffOptions = {}): Backoff {
  const initial = o.initialMs ?? 10_000;
  const max = o.maxMs ?? 300_000;
  const now = o.now ?? Date.now;
  const entries = new Map<string, { delay: number; lastUpdate: number }>();
  const expired = (eventMs: number, lastUpdate: number) => eventMs - lastUpdate > 2 * max;

  function inBackoffSince(key: string, eventMs: number): boolean {
    const e = entries.get(key);
    if (!e || expired(eventMs, e.lastUpdate)) return false;
    return now() - eventMs < e.delay;
  }
  return {
    inBackoffSince,
    delayOf: (key) => entries.get(key)?.delay ?? 0,
    inBackoffSinceUpdate(key) {
      const e = entries.get(key);
      return !!e && !expired(now(), e.lastUpdate) && now() - e.lastUpdate < e.delay;
    },
    next(key, eventMs) {
      const e = entries.get(key);
      if (!e || expired(eventMs, e.lastUpdate)) entries.set(key, { delay: initial, lastUpdate: now() });
      else entries.set(key, { delay: Math.min(e.delay * 2, max), lastUpdate: now() });
    },
    remaining(key, eventMs) {
      const e = entries.get(key);
      return inBackoffSince(key, eventMs) && e ? Math.max(0, eventMs + e.delay - now()) : 0;
    },
    forget: (key) => void entries.delete(key),
    retain(keep) {
      for (const k of [...entries.keys()]) if (!keep(k)) entries.delete(k);
    },
  };
}

/** "10s", "1m20s", "5m0s": Go's time.Duration String for whole seconds, as the kubelet's message shows it */
export function goDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${s % 60}s`;
  return `${Math.floor(m / 60)}h${m % 60}m${s % 60}s`;
}
