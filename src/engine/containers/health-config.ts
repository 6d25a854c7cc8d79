// A container's healthcheck settings: the user's merged over the image's HEALTHCHECK (docker's rules),
// checked once here, and the effective probe (defaults filled in) the health monitor runs.
import type { HealthConfig, ImageConfig } from '../types.ts';
import { invalidArgument } from '../../lib/errors.ts';

type ImageHealthcheck = NonNullable<ImageConfig['config']['Healthcheck']>;

const ms = 1_000_000;
const second = 1000 * ms;
/** docker's containertypes.MinimumDuration */
const minimumDuration = ms;

export const healthDefaults = { interval: 30 * second, timeout: 30 * second, startPeriod: 0, startInterval: 5 * second, retries: 3 };

/** The image's HEALTHCHECK in the engine's shape. */
export function fromImageHealthcheck(h: ImageHealthcheck): HealthConfig {
  return { test: h.Test ?? [], interval: h.Interval ?? 0, timeout: h.Timeout ?? 0, startPeriod: h.StartPeriod ?? 0, startInterval: h.StartInterval ?? 0, retries: h.Retries ?? 0 };
}

/** docker's merge: no healthcheck of the user's takes the image's; fields the user left empty or 0 come from it. */
export function mergeHealthcheck(user: HealthConfig | undefined, image: ImageHealthcheck | undefined): HealthConfig | undefined {
  if (!image) return user;
  const img = fromImageHealthcheck(image);
  if (!user) return img;
  return {
    test: user.test?.length ? user.test : img.test,
    interval: user.interval || img.interval,
    timeout: user.timeout || img.timeout,
    startPeriod: user.startPeriod || img.startPeriod,
    startInterval: user.startInterval || img.startInterval,
    retries: user.retries || img.retries,
  };
}

/** docker's validateHealthCheck, with its messages */
export function checkHealthcheck(h: HealthConfig | undefined): void {
  if (!h) return;
  const tooShort = (v: number | undefined) => v !== undefined && v !== 0 && v < minimumDuration;
  if (tooShort(h.interval)) throw invalidArgument('Interval in Healthcheck cannot be less than 1ms');
  if (tooShort(h.timeout)) throw invalidArgument('Timeout in Healthcheck cannot be less than 1ms');
  if ((h.retries ?? 0) < 0) throw invalidArgument('Retries in Healthcheck cannot be negative');
  if (tooShort(h.startPeriod)) throw invalidArgument('StartPeriod in Healthcheck cannot be less than 1ms');
  if (tooShort(h.startInterval)) throw invalidArgument('StartInterval in Healthcheck cannot be less than 1ms');
  const kind = h.test?.[0];
  if (kind !== undefined && !['CMD', 'CMD-SHELL', 'NONE'].includes(kind)) {
    throw invalidArgument(`Unknown healthcheck type '${kind}' (expected 'CMD', 'CMD-SHELL' or 'NONE')`);
  }
  if ((kind === 'CMD' || kind === 'CMD-SHELL') && h.test!.length < 2) throw invalidArgument(`Healthcheck ${kind} needs a command`);
}

/** What the monitor runs, durations in ms; null when there is no healthcheck (none, empty, or NONE). */
export interface Probe {
  /** argv inside the container */
  cmd: string[];
  intervalMs: number;
  timeoutMs: number;
  startPeriodMs: number;
  startIntervalMs: number;
  retries: number;
  /** the timeout as docker prints it in messages (`30s`, `500ms`) */
  timeoutText: string;
}

export function probeOf(h: HealthConfig | undefined): Probe | null {
  const test = h?.test ?? [];
  if (test.length < 2 || (test[0] !== 'CMD' && test[0] !== 'CMD-SHELL')) return null;
  const orDefault = (v: number | undefined, d: number) => (v ? v : d);
  const timeout = orDefault(h!.timeout, healthDefaults.timeout);
  return {
    cmd: test[0] === 'CMD-SHELL' ? ['/bin/sh', '-c', ...test.slice(1)] : test.slice(1),
    intervalMs: orDefault(h!.interval, healthDefaults.interval) / ms,
    timeoutMs: timeout / ms,
    startPeriodMs: orDefault(h!.startPeriod, healthDefaults.startPeriod) / ms,
    startIntervalMs: orDefault(h!.startInterval, healthDefaults.startInterval) / ms,
    retries: (h!.retries ?? 0) > 0 ? h!.retries! : healthDefaults.retries,
    timeoutText: goDuration(timeout),
  };
}

/** Go's time.Duration.String(): `1m30s`, `500ms`, `1.5s`, `0s` */
export function goDuration(ns: number): string {
  if (ns === 0) return '0s';
  const sign = ns < 0 ? '-' : '';
  ns = Math.abs(ns);
  if (ns < 1000) return `${sign}${ns}ns`;
  if (ns < ms) return `${sign}${trim(ns / 1000)}\u00b5s`;
  if (ns < second) return `${sign}${trim(ns / ms)}ms`;
  const h = Math.floor(ns / (3600 * second));
  const m = Math.floor((ns % (3600 * second)) / (60 * second));
  const s = (ns % (60 * second)) / second;
  return `${sign}${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${trim(s)}s`;
}

const trim = (n: number) => String(Number(n.toFixed(9)));
