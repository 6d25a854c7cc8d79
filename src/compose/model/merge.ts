// Several compose files into one, as the Compose specification merges them: each file's services are first
// put in one canonical form (list-or-mapping keys as mappings, a string build as { context }), then merged
// in order: mappings key by key, command/entrypoint/healthcheck.test replaced, ports/expose/dns/… appended
// without duplicates, volumes by their container path, a logging block replaced when its driver changes.
import { isMapping } from './interpolate.ts';
import { volumeTarget } from './volumes.ts';

type Dict = Record<string, unknown>;

/** `["A=1", "B"]` or `{A: 1, B: null}` into `{A: '1', B: null}` (a bare key stays null: it is resolved later) */
export function keyValueMap(v: unknown): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  if (Array.isArray(v)) {
    for (const item of v) {
      const s = String(item);
      const eq = s.indexOf('=');
      if (eq < 0) out[s] = null;
      else out[s.slice(0, eq)] = s.slice(eq + 1);
    }
  } else if (isMapping(v)) {
    for (const [k, val] of Object.entries(v)) out[k] = val === null || val === undefined ? null : String(val);
  }
  return out;
}

const mapKeys = ['environment', 'labels', 'sysctls', 'annotations'];
const stringOrListKeys = ['dns', 'dns_search', 'tmpfs', 'env_file'];

/** One service of one file in the canonical form the merge works on */
export function canonicalService(s: Dict): Dict {
  const out: Dict = { ...s };
  for (const k of mapKeys) if (k in out) out[k] = keyValueMap(out[k]);
  for (const k of stringOrListKeys) if (typeof out[k] === 'string') out[k] = [out[k]];
  if (typeof out.build === 'string') out.build = { context: out.build };
  if (isMapping(out.build)) {
    const b: Dict = { ...out.build };
    if ('args' in b) b.args = keyValueMap(b.args);
    if ('labels' in b) b.labels = keyValueMap(b.labels);
    out.build = b;
  }
  if (Array.isArray(out.depends_on)) out.depends_on = Object.fromEntries(out.depends_on.map((d) => [String(d), { condition: 'service_started' }]));
  if (Array.isArray(out.networks)) out.networks = Object.fromEntries(out.networks.map((n) => [String(n), null]));
  if (Array.isArray(out.extra_hosts)) out.extra_hosts = Object.fromEntries(out.extra_hosts.map((h) => splitHost(String(h))));
  return out;
}

/** `host:ip` or `host=ip` (an IPv6 address keeps its colons) */
function splitHost(entry: string): [string, string] {
  const eq = entry.indexOf('=');
  const colon = entry.indexOf(':');
  const at = eq >= 0 && (colon < 0 || eq < colon) ? eq : colon;
  return at < 0 ? [entry, ''] : [entry.slice(0, at), entry.slice(at + 1)];
}

const replaced = new Set(['command', 'entrypoint']);
const appended = new Set(['ports', 'expose', 'dns', 'dns_search', 'tmpfs', 'env_file', 'cap_add', 'cap_drop', 'profiles', 'links', 'external_links']);

/** Merge an override service into a base one (both canonical) */
export function mergeService(base: Dict, over: Dict): Dict {
  const out: Dict = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    if (replaced.has(k) || b === undefined) out[k] = v;
    else if (k === 'volumes' && Array.isArray(b) && Array.isArray(v)) out[k] = mergeByTarget(b, v);
    else if (appended.has(k) && Array.isArray(b) && Array.isArray(v)) out[k] = unique([...b, ...v]);
    else if (k === 'healthcheck' && isMapping(b) && isMapping(v)) out[k] = { ...b, ...v };
    else if (k === 'logging' && isMapping(b) && isMapping(v)) out[k] = mergeLogging(b, v);
    else if (k === 'ulimits' && isMapping(b) && isMapping(v)) out[k] = { ...b, ...v };
    else out[k] = mergeValue(b, v);
  }
  return out;
}

/** The default rule: mappings key by key, sequences appended without duplicates, anything else replaced */
export function mergeValue(base: unknown, over: unknown): unknown {
  if (over === null && isMapping(base)) return base;
  if (isMapping(base) && isMapping(over)) {
    const out: Dict = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = k in out ? mergeValue(out[k], v) : v;
    return out;
  }
  if (Array.isArray(base) && Array.isArray(over)) return unique([...base, ...over]);
  return over;
}

function unique(items: unknown[]): unknown[] {
  const seen = new Set<string>();
  return items.filter((i) => {
    const key = JSON.stringify(i);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** volumes by container path: an override replaces the base entry for the same target, in its place */
function mergeByTarget(base: unknown[], over: unknown[]): unknown[] {
  const out = [...base];
  for (const v of over) {
    const t = volumeTarget(v);
    const at = t === undefined ? -1 : out.findIndex((b) => volumeTarget(b) === t);
    if (at >= 0) out[at] = v;
    else out.push(v);
  }
  return out;
}

function mergeLogging(base: Dict, over: Dict): Dict {
  if (over.driver !== undefined && base.driver !== undefined && over.driver !== base.driver) return over;
  return { ...base, ...over, options: { ...(isMapping(base.options) ? base.options : {}), ...(isMapping(over.options) ? over.options : {}) } };
}

/** One file to merge: its canonical dict and the key paths it resets (`!reset` / `!override`) */
export interface MergeInput {
  dict: Dict;
  resets: string[][];
}

/** A copy of `d` without the value at `path` (copying only along the path) */
export function withoutPath(d: Dict, path: string[]): Dict {
  const [head, ...rest] = path;
  if (!(head in d)) return d;
  const out = { ...d };
  if (rest.length === 0) delete out[head];
  else if (isMapping(out[head])) out[head] = withoutPath(out[head], rest);
  return out;
}

/** Merge the top level of several files (each already canonical), in order */
export function mergeFiles(files: MergeInput[]): Dict {
  let out: Dict = { services: {}, networks: {}, volumes: {} };
  for (const { dict: f, resets } of files) {
    for (const path of resets) out = withoutPath(out, path);
    if (f.name !== undefined) out.name = f.name;
    const services = { ...(out.services as Dict) };
    for (const [name, s] of Object.entries(isMapping(f.services) ? f.services : {})) {
      services[name] = isMapping(services[name]) ? mergeService(services[name], s as Dict) : s;
    }
    out.services = services;
    for (const k of ['networks', 'volumes', 'secrets', 'configs'] as const) {
      const target = { ...((out[k] as Dict | undefined) ?? {}) };
      for (const [name, v] of Object.entries(isMapping(f[k]) ? f[k] : {})) target[name] = name in target ? mergeValue(target[name], v) : v;
      out[k] = target;
    }
  }
  return out;
}
