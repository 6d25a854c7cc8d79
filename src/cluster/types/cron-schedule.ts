// Cron schedules as Kubernetes reads them (robfig/cron v3's standard parser: 5 fields, @descriptors, @every,
// an optional TZ=/CRON_TZ= prefix) with that parser's error texts, and its Next(t): the first matching time
// after t, walked on the wall clock of the schedule's zone. Shared by the CronJob strategy and controller.
import { timeZoneError, wallClock, zonedTime } from './time-zone.ts';

/** A parsed schedule: next(ms) is the first time it fires strictly after ms, or undefined (never, 5 years). */
export interface CronSchedule {
  next(ms: number): number | undefined;
}

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

/** set in a field's bits when it was `*` or `?` (robfig's starBit: changes how day-of-month and -week combine) */
const STAR = 1n << 63n;
const months = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const days = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const B = {
  minute: { min: 0, max: 59 },
  hour: { min: 0, max: 23 },
  dom: { min: 1, max: 31 },
  month: { min: 1, max: 12, names: months },
  dow: { min: 0, max: 6, names: days },
} satisfies Record<string, Bounds>;

interface Spec {
  minute: bigint;
  hour: bigint;
  dom: bigint;
  month: bigint;
  dow: bigint;
}

class CronParseError extends Error {}

function bits(min: number, max: number, step: number): bigint {
  let b = 0n;
  for (let i = min; i <= max; i += step) b |= 1n << BigInt(i);
  return b;
}

const all = (b: Bounds) => bits(b.min, b.max, 1) | STAR;

/** Go's strconv.Atoi as robfig uses it (sign allowed, negatives refused after) */
function parseNumber(s: string): number {
  if (!/^[+-]?\d+$/.test(s)) throw new CronParseError(`failed to parse int from ${s}: strconv.Atoi: parsing "${s}": invalid syntax`);
  const n = Number(s);
  if (!Number.isSafeInteger(n)) throw new CronParseError(`failed to parse int from ${s}: strconv.Atoi: parsing "${s}": value out of range`);
  if (n < 0) throw new CronParseError(`negative number (${n}) not allowed: ${s}`);
  return n;
}

function parseIntOrName(s: string, b: Bounds): number {
  return b.names?.[s.toLowerCase() as keyof typeof b.names] ?? parseNumber(s);
}

/** number | number "-" number [ "/" number ] | "*" [ "/" number ] */
function parseRange(expr: string, b: Bounds): bigint {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = rangeAndStep[0].split('-');
  const single = lowAndHigh.length === 1;
  let start: number;
  let end: number;
  let extra = 0n;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = b.min;
    end = b.max;
    extra = STAR;
  } else {
    start = parseIntOrName(lowAndHigh[0], b);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1], b);
    else throw new CronParseError(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = parseNumber(rangeAndStep[1]);
    if (single) end = b.max; // "N/step" means "N-max/step"
    if (step > 1) extra = 0n;
  } else if (rangeAndStep.length > 2) throw new CronParseError(`too many slashes: ${expr}`);
  if (start < b.min) throw new CronParseError(`beginning of range (${start}) below minimum (${b.min}): ${expr}`);
  if (end > b.max) throw new CronParseError(`end of range (${end}) above maximum (${b.max}): ${expr}`);
  if (start > end) throw new CronParseError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new CronParseError(`step of range should be a positive number: ${expr}`);
  return bits(start, end, step) | extra;
}

function parseField(field: string, b: Bounds): bigint {
  let v = 0n;
  for (const expr of field.split(',')) if (expr !== '') v |= parseRange(expr, b);
  return v;
}

const descriptors: Record<string, Spec> = {
  '@yearly': { minute: 1n, hour: 1n, dom: 1n << 1n, month: 1n << 1n, dow: all(B.dow) },
  '@monthly': { minute: 1n, hour: 1n, dom: 1n << 1n, month: all(B.month), dow: all(B.dow) },
  '@weekly': { minute: 1n, hour: 1n, dom: all(B.dom), month: all(B.month), dow: 1n },
  '@daily': { minute: 1n, hour: 1n, dom: all(B.dom), month: all(B.month), dow: all(B.dow) },
  '@hourly': { minute: 1n, hour: all(B.hour), dom: all(B.dom), month: all(B.month), dow: all(B.dow) },
};
descriptors['@annually'] = descriptors['@yearly'];
descriptors['@midnight'] = descriptors['@daily'];

const units: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's time.ParseDuration, in milliseconds, with its error texts */
function parseGoDuration(s: string): number {
  const quoted = JSON.stringify(s);
  let rest = s;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw new CronParseError(`time: invalid duration ${quoted}`);
  let total = 0;
  while (rest !== '') {
    const num = /^(\d*)(\.\d*)?/.exec(rest)?.[0] ?? '';
    if (num === '' || num === '.') throw new CronParseError(`time: invalid duration ${quoted}`);
    rest = rest.slice(num.length);
    const unit = /^[^\d.]*/.exec(rest)?.[0] ?? '';
    if (unit === '') throw new CronParseError(`time: missing unit in duration ${quoted}`);
    const scale = units[unit];
    if (scale === undefined) throw new CronParseError(`time: unknown unit ${JSON.stringify(unit)} in duration ${quoted}`);
    rest = rest.slice(unit.length);
    total += Number(num) * scale;
  }
  return sign * total;
}

/** @every d: fires every d (at least 1 s, whole seconds) counted from the time asked about */
function everySchedule(delayMs: number): CronSchedule {
  const d = delayMs < 1000 ? 1000 : Math.floor(delayMs / 1000) * 1000;
  return { next: (ms) => Math.floor(ms / 1000) * 1000 + d };
}

/** day-of-month and day-of-week combine with AND when either was `*`, with OR otherwise (cron's rule) */
function dayMatches(s: Spec, dom: number, dow: number): boolean {
  const domMatch = (s.dom & (1n << BigInt(dom))) !== 0n;
  const dowMatch = (s.dow & (1n << BigInt(dow))) !== 0n;
  return (s.dom & STAR) !== 0n || (s.dow & STAR) !== 0n ? domMatch && dowMatch : domMatch || dowMatch;
}

const has = (field: bigint, v: number) => (field & (1n << BigInt(v))) !== 0n;
const HOUR = 3_600_000;
const MINUTE = 60_000;

/** robfig's SpecSchedule.Next: month, day, hour, minute walked on the zone's wall clock, wrapping at carries */
function specNext(s: Spec, zone: string, after: number): number | undefined {
  let t = Math.floor(after / 1000) * 1000 + 1000; // the upcoming whole second
  let added = false;
  const yearLimit = wallClock(t, zone).year + 5;
  wrap: for (;;) {
    let w = wallClock(t, zone);
    if (w.year > yearLimit) return undefined;
    while (!has(s.month, w.month)) {
      if (!added) {
        added = true;
        t = zonedTime(zone, w.year, w.month, 1);
      }
      w = wallClock(t, zone);
      t = zonedTime(zone, w.year, w.month + 1, w.day, w.hour, w.minute, w.second);
      w = wallClock(t, zone);
      if (w.month === 1) continue wrap;
    }
    while (!dayMatches(s, w.day, w.weekday)) {
      if (!added) {
        added = true;
        t = zonedTime(zone, w.year, w.month, w.day);
      }
      w = wallClock(t, zone);
      t = zonedTime(zone, w.year, w.month, w.day + 1, w.hour, w.minute, w.second);
      w = wallClock(t, zone);
      if (w.hour !== 0) t += (w.hour > 12 ? 24 - w.hour : -w.hour) * HOUR; // DST moved midnight
      w = wallClock(t, zone);
      if (w.day === 1) continue wrap;
    }
    while (!has(s.hour, w.hour)) {
      if (!added) {
        added = true;
        t = zonedTime(zone, w.year, w.month, w.day, w.hour);
      }
      t += HOUR;
      w = wallClock(t, zone);
      if (w.hour === 0) continue wrap;
    }
    while (!has(s.minute, w.minute)) {
      if (!added) {
        added = true;
        t = Math.floor(t / MINUTE) * MINUTE;
      }
      t += MINUTE;
      w = wallClock(t, zone);
      if (w.minute === 0) continue wrap;
    }
    if (w.second !== 0) {
      // the standard parser's seconds field is 0: on to the next whole minute, then check it all again
      t = Math.floor(t / MINUTE) * MINUTE + MINUTE;
      added = true;
      continue wrap;
    }
    return t;
  }
}

/**
 * Parses a schedule as cron.ParseStandard does. zone: where it runs ('' = UTC) unless the spec names one with
 * TZ=/CRON_TZ=. Throws Error with robfig's message when the spec is invalid.
 */
export function parseCronSchedule(spec: string, zone: string): CronSchedule {
  if (spec.length === 0) throw new CronParseError('empty spec string');
  if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) {
    const i = spec.indexOf(' ');
    const name = spec.slice(spec.indexOf('=') + 1, i < 0 ? undefined : i);
    const why = timeZoneError(name);
    if (why) throw new CronParseError(`provided bad location ${name}: ${why}`);
    zone = name;
    spec = i < 0 ? '' : spec.slice(i).trim();
  }
  if (spec.startsWith('@')) {
    const d = descriptors[spec];
    if (d) return { next: (ms) => specNext(d, zone, ms) };
    if (spec.startsWith('@every ')) {
      const text = spec.slice('@every '.length);
      try {
        return everySchedule(parseGoDuration(text));
      } catch (err) {
        throw new CronParseError(`failed to parse duration ${spec}: ${(err as Error).message}`);
      }
    }
    throw new CronParseError(`unrecognized descriptor: ${spec}`);
  }
  const fields = spec.split(/\s+/).filter((f) => f !== '');
  if (fields.length !== 5) throw new CronParseError(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
  const s: Spec = {
    minute: parseField(fields[0], B.minute),
    hour: parseField(fields[1], B.hour),
    dom: parseField(fields[2], B.dom),
    month: parseField(fields[3], B.month),
    dow: parseField(fields[4], B.dow),
  };
  return { next: (ms) => specNext(s, zone, ms) };
}

/** robfig's error for a schedule, or undefined when it parses */
export function cronParseError(spec: string): string | undefined {
  try {
    parseCronSchedule(spec, 'UTC');
    return undefined;
  } catch (err) {
    if (err instanceof CronParseError) return err.message;
    throw err;
  }
}
