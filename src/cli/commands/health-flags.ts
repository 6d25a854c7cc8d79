// `--health-*` and `--no-healthcheck` of run/create → Config.Healthcheck, as the docker CLI builds it
// (durations as Go parses them, in nanoseconds; the engine checks the values).
import { badValue, usageError, type CommandSpec, type FlagSpec, type Parsed } from '../core.ts';
import { goDurationError, parseGoDuration } from '../../lib/units.ts';

export const healthFlags: FlagSpec[] = [
  { name: 'health-cmd', type: 'string', help: 'Command to run to check health' },
  { name: 'health-interval', type: 'string', value: 'duration', help: 'Time between running the check (ms|s|m|h)', def: '0s' },
  { name: 'health-retries', type: 'string', value: 'int', help: 'Consecutive failures needed to report unhealthy' },
  { name: 'health-start-interval', type: 'string', value: 'duration', help: 'Time between running the check during the start period (ms|s|m|h)', def: '0s' },
  { name: 'health-start-period', type: 'string', value: 'duration', help: 'Start period for the container to initialize before starting health-retries countdown (ms|s|m|h)', def: '0s' },
  { name: 'health-timeout', type: 'string', value: 'duration', help: 'Maximum time to allow one check to run (ms|s|m|h)', def: '0s' },
  { name: 'no-healthcheck', type: 'bool', help: 'Disable any container-specified HEALTHCHECK' },
];

function durationFlag(spec: CommandSpec, p: Parsed, name: string): number {
  const v = p.str(name);
  if (v === undefined) return 0;
  const ns = parseGoDuration(v);
  if (ns === null) throw badValue(spec, name, v, goDurationError(v));
  return ns;
}

/** Config.Healthcheck from the flags, or undefined when none was given (the image's then applies). */
export function healthcheckFromFlags(spec: CommandSpec, p: Parsed): Record<string, unknown> | undefined {
  const cmd = p.str('health-cmd') ?? '';
  const interval = durationFlag(spec, p, 'health-interval');
  const timeout = durationFlag(spec, p, 'health-timeout');
  const startPeriod = durationFlag(spec, p, 'health-start-period');
  const startInterval = durationFlag(spec, p, 'health-start-interval');
  const retriesText = p.str('health-retries');
  if (retriesText !== undefined && !/^[-+]?\d+$/.test(retriesText)) throw badValue(spec, 'health-retries', retriesText, `strconv.ParseInt: parsing ${JSON.stringify(retriesText)}: invalid syntax`);
  const retries = Number(retriesText ?? 0);
  const any = cmd !== '' || interval !== 0 || timeout !== 0 || startPeriod !== 0 || startInterval !== 0 || retries !== 0;
  if (p.bool('no-healthcheck')) {
    if (any) throw usageError(spec, '--no-healthcheck conflicts with --health-* options');
    return { Test: ['NONE'] };
  }
  if (!any) return undefined;
  const negative: Array<[string, number]> = [['interval', interval], ['timeout', timeout], ['retries', retries], ['start-period', startPeriod], ['start-interval', startInterval]];
  for (const [name, v] of negative) if (v < 0) throw usageError(spec, `--health-${name} cannot be negative`);
  return { Test: cmd ? ['CMD-SHELL', cmd] : null, Interval: interval, Timeout: timeout, StartPeriod: startPeriod, StartInterval: startInterval, Retries: retries };
}
