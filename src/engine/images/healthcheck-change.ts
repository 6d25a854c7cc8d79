// The HEALTHCHECK instruction (`--change` at import, as docker's BuildFromConfig allows it):
// `HEALTHCHECK [--interval=D] [--timeout=D] [--start-period=D] [--start-interval=D] [--retries=N] CMD …`
// or `HEALTHCHECK NONE`, parsed as BuildKit's Dockerfile frontend does, with its messages.
import { invalidArgument } from '../../lib/errors.ts';
import { goDurationError, parseGoDuration } from '../../lib/units.ts';
import type { ImageConfig } from '../types.ts';

type Healthcheck = NonNullable<ImageConfig['config']['Healthcheck']>;

const flagNames = { interval: 'Interval', timeout: 'Timeout', 'start-period': 'StartPeriod', 'start-interval': 'StartInterval' } as const;

export function parseHealthcheck(args: string): Healthcheck {
  let rest = args.trim();
  const flags: Record<string, string> = {};
  for (let m; (m = /^--([a-z-]+)=(\S*)\s*/.exec(rest)); rest = rest.slice(m[0].length)) {
    if (!(m[1] in flagNames) && m[1] !== 'retries') throw invalidArgument(`Unknown flag: ${m[1]}`);
    flags[m[1]] = m[2];
  }
  const typeMatch = /^(\S+)\s*([\s\S]*)$/.exec(rest);
  if (!typeMatch) throw invalidArgument('HEALTHCHECK requires at least one argument');
  const type = typeMatch[1].toUpperCase();
  const command = typeMatch[2].trim();
  if (type === 'NONE') {
    if (command || Object.keys(flags).length) throw invalidArgument('HEALTHCHECK NONE takes no arguments');
    return { Test: ['NONE'] };
  }
  if (type !== 'CMD') throw invalidArgument(`Unknown type "${type}" in HEALTHCHECK (try CMD)`);
  const json = jsonStrings(command);
  if (json ? json.length === 0 : !command) throw invalidArgument('Missing command after HEALTHCHECK CMD');
  const out: Healthcheck = { Test: json ? ['CMD', ...json] : ['CMD-SHELL', command] };
  for (const [flag, field] of Object.entries(flagNames)) {
    const v = flags[flag];
    if (!v) continue;
    const ns = parseGoDuration(v);
    if (ns === null) throw invalidArgument(goDurationError(v));
    if (ns !== 0 && ns < 1_000_000) throw invalidArgument(`Interval "${flag}" cannot be less than 1ms`);
    out[field] = ns;
  }
  if (flags.retries) {
    if (!/^[-+]?\d+$/.test(flags.retries)) throw invalidArgument(`strconv.ParseInt: parsing "${flags.retries}": invalid syntax`);
    const n = Number(flags.retries);
    if (n < 0) throw invalidArgument(`--retries cannot be negative (${n})`);
    out.Retries = n;
  }
  return out;
}

function jsonStrings(text: string): string[] | null {
  if (!text.startsWith('[')) return null;
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : null;
  } catch {
    return null; // not JSON: the shell form, as docker falls back
  }
}
