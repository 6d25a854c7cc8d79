// The service keys with units: healthcheck (Go durations into nanoseconds), and the resource limits
// (sizes into bytes, cpus into NanoCpus) from the service's own keys or deploy.resources.
import type { Healthcheck, Resources } from '../types.ts';
import { goDurationError, parseBytes, parseGoDuration } from '../../lib/units.ts';
import { isMapping } from './interpolate.ts';
import { keyValueMap } from './merge.ts';
import { yamlBool } from './schema.ts';

type Dict = Record<string, unknown>;

/** How a field reader reports a bad value: the key under the service (`healthcheck.interval`) */
export interface FieldContext {
  fail: (key: string, message: string) => never;
}

/** A Go duration (`1m30s`, `500ms`) in nanoseconds; a bare number is seconds, as compose takes it */
export function durationNs(v: unknown, key: string, f: FieldContext): number {
  if (typeof v === 'number') return Math.round(v * 1e9);
  const text = String(v);
  const ns = parseGoDuration(text);
  if (ns === null || ns < 0) return f.fail(key, ns === null ? goDurationError(text) : `negative duration ${JSON.stringify(text)}`);
  return ns;
}

export function healthcheckOf(h: Dict, f: FieldContext): Healthcheck {
  const opt = (k: string): number | undefined => (h[k] === undefined ? undefined : durationNs(h[k], `healthcheck.${k}`, f));
  let test: string[];
  if (yamlBool(h.disable)) test = ['NONE'];
  else if (typeof h.test === 'string') test = ['CMD-SHELL', h.test];
  else if (Array.isArray(h.test)) test = h.test.map(String);
  else test = [];
  if (test.length > 0 && !['NONE', 'CMD', 'CMD-SHELL'].includes(test[0])) {
    f.fail('healthcheck.test', 'healthcheck.test must start either by "CMD", "CMD-SHELL" or "NONE"');
  }
  const retries = h.retries === undefined ? undefined : Number(h.retries);
  if (retries !== undefined && (!Number.isInteger(retries) || retries < 0)) f.fail('healthcheck.retries', `must be a whole number, not ${String(h.retries)}`);
  return { test, interval: opt('interval'), timeout: opt('timeout'), retries, startPeriod: opt('start_period'), startInterval: opt('start_interval') };
}

function bytes(v: unknown, key: string, f: FieldContext): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return v;
  if (String(v) === '-1') return -1;
  try {
    return parseBytes(String(v));
  } catch {
    return f.fail(key, `invalid size: ${JSON.stringify(v)}`);
  }
}

function cpus(v: unknown, key: string, f: FieldContext): number | undefined {
  if (v === undefined || v === null) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) f.fail(key, `invalid cpus: ${JSON.stringify(v)}`);
  return Math.round(n * 1e9);
}

function sub(d: unknown, ...path: string[]): Dict {
  let cur = d;
  for (const p of path) cur = isMapping(cur) ? cur[p] : undefined;
  return isMapping(cur) ? cur : {};
}

export function resourcesOf(raw: Dict, f: FieldContext): Resources {
  const limits = sub(raw.deploy, 'resources', 'limits');
  const reservations = sub(raw.deploy, 'resources', 'reservations');
  const int = (v: unknown): number | undefined => (v === undefined || v === null ? undefined : Number(v));
  // a service key and its deploy.resources twin may both be set, but only to the same value
  const one = (key: string, own: number | undefined, twinKey: string, twin: number | undefined): number | undefined => {
    if (own !== undefined && twin !== undefined && own !== twin) f.fail(key, `can't set distinct values on '${key}' and '${twinKey}'`);
    return own ?? twin;
  };
  return {
    memory: one('mem_limit', bytes(raw.mem_limit, 'mem_limit', f), 'deploy.resources.limits.memory', bytes(limits.memory, 'deploy.resources.limits.memory', f)),
    memoryReservation: one('mem_reservation', bytes(raw.mem_reservation, 'mem_reservation', f), 'deploy.resources.reservations.memory', bytes(reservations.memory, 'deploy.resources.reservations.memory', f)),
    memorySwap: bytes(raw.memswap_limit, 'memswap_limit', f),
    nanoCpus: one('cpus', cpus(raw.cpus, 'cpus', f), 'deploy.resources.limits.cpus', cpus(limits.cpus, 'deploy.resources.limits.cpus', f)),
    cpuShares: int(raw.cpu_shares),
    pidsLimit: one('pids_limit', int(raw.pids_limit), 'deploy.resources.limits.pids', int(limits.pids)),
    shmSize: bytes(raw.shm_size, 'shm_size', f),
    ulimits: Object.entries(isMapping(raw.ulimits) ? raw.ulimits : {}).map(([name, u]) =>
      isMapping(u) ? { name, soft: Number(u.soft), hard: Number(u.hard) } : { name, soft: Number(u), hard: Number(u) },
    ),
    sysctls: Object.fromEntries(Object.entries(keyValueMap(raw.sysctls)).map(([k, v]) => [k, v ?? ''])),
  };
}
