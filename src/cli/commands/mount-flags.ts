// `--mount` (docker's csv syntax), `-v`, `--tmpfs` → the create body's HostConfig.Mounts, Binds, Tmpfs and
// Config.Volumes, with the docker CLI's messages for malformed values. The daemon checks the rules.
import { parseBytes } from '../core.ts';

export class MountFlagError extends Error {}

/** Fields of one csv record; a field in double quotes may hold commas (docker reads it with encoding/csv). */
function csvFields(value: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '"') {
      if (quoted && value[i + 1] === '"') {
        cur += '"';
        i++;
      } else quoted = !quoted;
    } else if (c === ',' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  if (quoted) throw new MountFlagError(`parse error on line 1, column ${value.length + 1}: extraneous or missing " in quoted-field`);
  out.push(cur);
  return out;
}

function boolField(key: string, value: string | undefined): boolean {
  if (value === undefined) return true;
  const v = value.toLowerCase();
  if (['1', 't', 'true'].includes(v)) return true;
  if (['0', 'f', 'false'].includes(v)) return false;
  throw new MountFlagError(`invalid value for ${key}: ${value}`);
}

function keyValue(field: string, value: string | undefined): [string, string] {
  if (value === undefined) throw new MountFlagError(`invalid field '${field}' must be a key=value pair`);
  const eq = value.indexOf('=');
  return eq < 0 ? [value, ''] : [value.slice(0, eq), value.slice(eq + 1)];
}

/** One `--mount` value → an API `Mount` object (docker CLI's opts.MountOpt). */
export function parseMountFlag(value: string): Record<string, unknown> {
  const m: Record<string, unknown> = { Type: 'volume' };
  const bind: Record<string, unknown> = {};
  const vol: Record<string, unknown> = {};
  const driver: Record<string, unknown> = {};
  const tmpfs: Record<string, unknown> = {};
  const labels: Record<string, string> = {};
  const opts: Record<string, string> = {};
  for (const field of csvFields(value)) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    const val = eq < 0 ? undefined : field.slice(eq + 1);
    if (val === undefined && !['readonly', 'ro', 'volume-nocopy', 'bind-nonrecursive', 'bind-create-src'].includes(key)) {
      throw new MountFlagError(`invalid field '${field}' must be a key=value pair`);
    }
    switch (key) {
      case 'type': m.Type = val; break;
      case 'source': case 'src': m.Source = val; break;
      case 'target': case 'dst': case 'destination': m.Target = val; break;
      case 'readonly': case 'ro': m.ReadOnly = boolField(key, val); break;
      case 'consistency': m.Consistency = val; break;
      case 'bind-propagation': bind.Propagation = val; break;
      case 'bind-nonrecursive': bind.NonRecursive = boolField(key, val); break;
      case 'bind-create-src': bind.CreateMountpoint = boolField(key, val); break;
      case 'volume-nocopy': vol.NoCopy = boolField(key, val); break;
      case 'volume-label': { const [k, v] = keyValue(field, val); labels[k] = v; break; }
      case 'volume-driver': driver.Name = val; break;
      case 'volume-opt': { const [k, v] = keyValue(field, val); opts[k] = v; break; }
      case 'volume-subpath': vol.Subpath = val; break;
      case 'tmpfs-size': {
        try {
          tmpfs.SizeBytes = parseBytes(val!);
        } catch {
          throw new MountFlagError(`invalid value for ${key}: ${val}`);
        }
        break;
      }
      case 'tmpfs-mode': {
        if (!/^[0-7]+$/.test(val!)) throw new MountFlagError(`invalid value for ${key}: ${val}`);
        tmpfs.Mode = parseInt(val!, 8);
        break;
      }
      default: throw new MountFlagError(`unexpected key '${key}' in '${field}'`);
    }
  }
  if (Object.keys(labels).length) vol.Labels = labels;
  if (Object.keys(opts).length) driver.Options = opts;
  if (Object.keys(driver).length) vol.DriverConfig = driver;
  const type = String(m.Type);
  if (!m.Target) throw new MountFlagError('target is required');
  if (Object.keys(vol).length && type !== 'volume') throw new MountFlagError(`cannot mix 'volume-*' options with mount type '${type}'`);
  if (Object.keys(bind).length && type !== 'bind') throw new MountFlagError(`cannot mix 'bind-*' options with mount type '${type}'`);
  if (Object.keys(tmpfs).length && type !== 'tmpfs') throw new MountFlagError(`cannot mix 'tmpfs-*' options with mount type '${type}'`);
  if (Object.keys(bind).length) m.BindOptions = bind;
  if (Object.keys(vol).length) m.VolumeOptions = vol;
  if (Object.keys(tmpfs).length) m.TmpfsOptions = tmpfs;
  return m;
}

/** `-v` values: `/path` alone is an anonymous volume (Config.Volumes), anything else a bind (docker CLI's rule). */
export function splitVolumeFlags(values: string[]): { binds: string[]; volumes: Record<string, object> } {
  const binds: string[] = [];
  const volumes: Record<string, object> = {};
  for (const v of values) {
    if (v.includes(':')) binds.push(v);
    else volumes[v] = {};
  }
  return { binds, volumes };
}

/** `--tmpfs /run:size=64m,noexec` → HostConfig.Tmpfs */
export function tmpfsFlags(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of values) {
    const colon = t.indexOf(':');
    out[colon < 0 ? t : t.slice(0, colon)] = colon < 0 ? '' : t.slice(colon + 1);
  }
  return out;
}
