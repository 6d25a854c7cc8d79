// CronJob schedule syntax as Kubernetes checks it (robfig/cron's standard parser: 5 fields or a @descriptor),
// with that parser's error texts, which kubectl shows after `spec.schedule: Invalid value: ...:`.

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const months = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const days = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const fieldBounds: Bounds[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: months },
  { min: 0, max: 6, names: days },
];
const descriptors = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

function parseInt10(s: string, b: Bounds): number | string {
  const named = b.names?.[s.toLowerCase()];
  if (named !== undefined) return named;
  if (!/^\d+$/.test(s)) return `failed to parse int from ${s}: strconv.Atoi: parsing "${s}": invalid syntax`;
  return Number(s);
}

function rangeError(expr: string, b: Bounds): string | undefined {
  const slash = expr.split('/');
  if (slash.length > 2) return `too many slashes: ${expr}`;
  const dash = slash[0].split('-');
  if (dash.length > 2) return `too many hyphens: ${slash[0]}`;
  let start: number;
  let end: number;
  if (dash[0] === '*' || dash[0] === '?') {
    if (dash.length > 1) return `failed to parse int from ${dash[1]}`;
    start = b.min;
    end = b.max;
  } else {
    const s = parseInt10(dash[0], b);
    if (typeof s === 'string') return s;
    start = s;
    end = s;
    if (dash.length === 2) {
      const e = parseInt10(dash[1], b);
      if (typeof e === 'string') return e;
      end = e;
    }
  }
  if (slash.length === 2) {
    const step = parseInt10(slash[1], { min: 0, max: 0 });
    if (typeof step === 'string') return step;
    if (step <= 0) return `step of range should be a positive number: ${expr}`;
    if (dash.length === 1 && dash[0] !== '*' && dash[0] !== '?') end = b.max;
  }
  if (start < b.min) return `beginning of range (${start}) below minimum (${b.min}): ${expr}`;
  if (end > b.max) return `end of range (${end}) above maximum (${b.max}): ${expr}`;
  if (start > end) return `beginning of range (${start}) beyond end of range (${end}): ${expr}`;
  return undefined;
}

/** Why a schedule is invalid, or undefined when it is fine. */
export function cronScheduleError(schedule: string): string | undefined {
  if (schedule.includes('TZ')) return 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead';
  const spec = schedule.trim();
  if (spec === '') return 'empty spec string';
  if (spec.startsWith('@')) {
    if (descriptors.includes(spec)) return undefined;
    if (spec.startsWith('@every ')) {
      return /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(spec.slice(7).trim()) ? undefined : `failed to parse duration ${spec}`;
    }
    return `unrecognized descriptor: ${spec}`;
  }
  const fields = spec.split(/\s+/);
  if (fields.length !== 5) return `expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`;
  for (const [i, f] of fields.entries()) {
    for (const expr of f.split(',')) {
      const why = rangeError(expr, fieldBounds[i]);
      if (why) return why;
    }
  }
  return undefined;
}
