// Human sizes and durations as docker parses and prints them.
import { invalidArgument } from './errors.ts';

const binary: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** Parse `32m`, `1g`, `512k`, `1024`, `1.5GiB` into bytes (docker's RAMInBytes). */
export function parseBytes(input: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgtpb]?)(?:i?b)?\s*$/i.exec(input);
  if (!m) throw invalidArgument(`invalid size: '${input}'`);
  const n = Number(m[1]) * binary[(m[2] || 'b').toLowerCase()];
  if (!Number.isFinite(n) || n < 0) throw invalidArgument(`invalid size: '${input}'`);
  return Math.floor(n);
}

/** Print bytes as docker does (`1.5MiB`, `12.3kB` style: decimal for sizes, binary for memory). */
export function humanSize(bytes: number, base: 1000 | 1024 = 1000): string {
  const units = base === 1000 ? ['B', 'kB', 'MB', 'GB', 'TB', 'PB'] : ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  let n = bytes;
  while (n >= base && i < units.length - 1) {
    n /= base;
    i++;
  }
  return `${n < 10 && i > 0 ? n.toFixed(3).replace(/\.?0+$/, '') : n < 100 && i > 0 ? n.toFixed(1).replace(/\.0$/, '') : Math.round(n)}${units[i]}`;
}

/**
 * `3 seconds`, `About a minute`, `2 hours` — docker's HumanDuration (go-units), for `Up …` and `… ago`:
 * seconds and minutes are cut down, hours rounded, days and up cut down from those hours.
 */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 1) return 'Less than a second';
  if (s === 1) return '1 second';
  if (s < 60) return `${s} seconds`;
  const min = Math.floor(ms / 60_000);
  if (min === 1) return 'About a minute';
  if (min < 60) return `${min} minutes`;
  const h = Math.floor(ms / 3_600_000 + 0.5);
  if (h === 1) return 'About an hour';
  if (h < 48) return `${h} hours`;
  if (h < 24 * 7 * 2) return `${Math.floor(h / 24)} days`;
  if (h < 24 * 30 * 2) return `${Math.floor(h / 24 / 7)} weeks`;
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24 / 30)} months`;
  return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`;
}

/** Parse a Go-style or plain duration (`10s`, `1m30s`, `250ms`, `2h`) into milliseconds. */
export function parseDuration(input: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let total = 0;
  let consumed = 0;
  for (const m of input.matchAll(re)) {
    total += Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
    consumed += m[0].length;
  }
  if (consumed !== input.length || input.length === 0) throw invalidArgument(`invalid duration: '${input}'`);
  return total;
}

const unitNs: Record<string, number> = { ns: 1, us: 1e3, '\u00b5s': 1e3, '\u03bcs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's time.ParseDuration in nanoseconds (`1m30s`, `500ms`, `1.5s`, `-2s`, `0`); null when it is not one. */
export function parseGoDuration(text: string): number | null {
  const m = /^([-+]?)(.*)$/.exec(text)!;
  if (m[2] === '0') return 0;
  if (m[2] === '') return null;
  let total = 0;
  let rest = m[2];
  while (rest) {
    const part = /^(\d+\.?\d*|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/.exec(rest);
    if (!part) return null;
    total += Number(part[1]) * unitNs[part[2]];
    rest = rest.slice(part[0].length);
  }
  return Math.round(m[1] === '-' ? -total : total);
}

/** Go's error text for a duration parseGoDuration refused */
export function goDurationError(text: string): string {
  const q = JSON.stringify(text);
  if (/^[-+]?(\d+\.?\d*|\.\d+)$/.test(text)) return `time: missing unit in duration ${q}`;
  const unit = /^[-+]?(?:(?:\d+\.?\d*|\.\d+)(?:ns|us|\u00b5s|\u03bcs|ms|s|m|h))*(?:\d+\.?\d*|\.\d+)([^\d.]+)/.exec(text)?.[1];
  if (unit) return `time: unknown unit ${JSON.stringify(unit.replace(/\d.*$/, ''))} in duration ${q}`;
  return `time: invalid duration ${q}`;
}

/**
 * docker's GetTimestamp as the daemon reads a filter value (prune `until`): a Go duration means that long
 * before `now`; a unix time (`1700000000.5`) or an RFC 3339 date (local time without a zone) is itself.
 * Answers unix milliseconds.
 */
export function timestampMs(value: string, now = Date.now()): number {
  const d = value !== '0' ? parseGoDuration(value) : null;
  if (d !== null) return now - d / 1e6;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const bad = () => invalidArgument(`failed to parse value as time or duration: ${JSON.stringify(value)}`);
  if (!value.includes('-')) throw bad();
  // a date without a zone is local time, as docker reads it (Date.parse does the same for date-times)
  const text = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00` : value.replace(/^(\d{4}-\d{2}-\d{2}) /, '$1T');
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw bad();
  return ms;
}

/** The `until` of a prune's filters in unix ms (docker allows one), undefined without one. */
export function pruneUntil(filters: Record<string, string[]>, now = Date.now()): number | undefined {
  const until = filters.until ?? [];
  if (until.length > 1) throw invalidArgument('more than one until filter specified');
  return until.length ? timestampMs(until[0], now) : undefined;
}
