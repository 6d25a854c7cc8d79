// IANA time zones for CronJob schedules, on the tz database Node's Intl carries: the wall clock of an instant
// in a zone, and the instant of a wall-clock time there (Go's time.Date semantics at DST gaps and overlaps).

/** The wall-clock fields of an instant in a zone (month 1–12, weekday 0 = Sunday). */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const weekdays: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** the zone the process runs in (what Go calls time.Local): used when a CronJob names no timeZone */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', weekday: 'short',
      year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/**
 * Why Go's time.LoadLocation would refuse this zone name, or undefined when the tz database knows it.
 * '' and 'UTC' are UTC, as in Go.
 */
export function timeZoneError(zone: string): string | undefined {
  if (zone === '' || zone === 'UTC') return undefined;
  let resolved: string;
  try {
    resolved = formatter(zone).resolvedOptions().timeZone;
  } catch {
    return `unknown time zone ${zone}`; // Intl's RangeError: the tz database has no such zone
  }
  // Go reads zone files by name, so case matters ('utc', 'america/new_york' are unknown); Intl ignores case
  if (resolved !== zone && resolved.toLowerCase() === zone.toLowerCase()) return `unknown time zone ${zone}`;
  return undefined;
}

/** The wall clock of instant ms (milliseconds since the epoch) in zone. */
export function wallClock(ms: number, zone: string): WallClock {
  const parts: Record<string, string> = {};
  for (const p of formatter(zone || 'UTC').formatToParts(new Date(ms))) parts[p.type] = p.value;
  return {
    year: Number(parts.year), month: Number(parts.month), day: Number(parts.day),
    hour: Number(parts.hour), minute: Number(parts.minute), second: Number(parts.second),
    weekday: weekdays[parts.weekday] ?? 0,
  };
}

/** the zone's offset from UTC at instant ms, in milliseconds (whole seconds) */
export function zoneOffsetMs(ms: number, zone: string): number {
  const w = wallClock(ms, zone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant of a wall-clock time in zone; out-of-range fields roll over (month 13 = January next year), as
 * Go's time.Date. In a DST gap or overlap the offset found for the wall time read as UTC wins, unless it
 * does not hold at the resulting instant (Go's rule: "not guaranteed", but the same every time).
 */
export function zonedTime(zone: string, year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  const first = zoneOffsetMs(wall, zone);
  const utc = wall - first;
  const second_ = zoneOffsetMs(utc, zone);
  return second_ === first ? utc : wall - second_;
}

/** RFC 3339 of an instant as seen in zone (seconds; `Z` for UTC, else the offset), as Go's time.RFC3339 */
export function rfc3339In(ms: number, zone: string): string {
  const off = zoneOffsetMs(ms, zone || 'UTC');
  const w = new Date(Math.floor(ms / 1000) * 1000 + off).toISOString().slice(0, 19);
  if (off === 0) return `${w}Z`;
  const mins = Math.abs(off) / 60000;
  const pad = (n: number) => String(Math.floor(n)).padStart(2, '0');
  return `${w}${off < 0 ? '-' : '+'}${pad(mins / 60)}:${pad(mins % 60)}`;
}
