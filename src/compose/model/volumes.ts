// `volumes:` entries of a service into ServiceVolume: the short syntax (`data:/data:ro`, `./dir:/x`,
// `/abs:/y:ro,z`, `/anon`, `~/x:/y`) and the long one. A source that starts with `.`, `/` or `~` is a bind
// (relative ones resolved against the project directory); anything else names a top-level volume.
import { isAbsolute, posix, resolve } from 'node:path';
import type { ServiceVolume } from '../types.ts';
import { parseBytes } from '../../lib/units.ts';
import { isMapping } from './interpolate.ts';
import { yamlBool } from './schema.ts';

export interface PathContext {
  projectDir: string;
  home?: string;
  /** hears about volume options that are ignored */
  warn?: (message: string) => void;
}

const propagations = ['shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate'];
const consistencies = ['consistent', 'cached', 'delegated'];

/** The container path an entry mounts on (volumes are merged across files by it) */
export function volumeTarget(entry: unknown): string | undefined {
  if (isMapping(entry)) return typeof entry.target === 'string' ? entry.target : undefined;
  if (typeof entry !== 'string') return undefined;
  const parts = entry.split(':');
  return parts.length === 1 ? parts[0] : parts[1];
}

/** Parse one entry; throws an Error whose message says what is wrong (the caller names the key) */
export function parseServiceVolume(entry: unknown, ctx: PathContext): ServiceVolume {
  return isMapping(entry) ? longVolume(entry, ctx) : shortVolume(String(entry), ctx);
}

function isPath(source: string): boolean {
  return source.startsWith('.') || source.startsWith('/') || source.startsWith('~');
}

/** A bind source made absolute: `~` is the home directory, relative is against the project directory */
export function hostPath(source: string, ctx: PathContext): string {
  if (source === '~' || source.startsWith('~/')) return resolve(ctx.home ?? '/root', source.slice(2));
  return isAbsolute(source) ? resolve(source) : resolve(ctx.projectDir, source);
}

function shortVolume(spec: string, ctx: PathContext): ServiceVolume {
  const parts = spec.split(':');
  if (parts.length > 3) throw new Error(`invalid spec: ${spec}: too many colons`);
  if (parts.length === 1) return { type: 'volume', source: undefined, target: checkTarget(parts[0]), readOnly: false, volume: { nocopy: false } };
  const [source, target, modeText] = parts;
  if (source === '') throw new Error(`invalid spec: ${spec}: empty section between colons`);
  let readOnly = false;
  let nocopy = false;
  let propagation: string | undefined;
  for (const opt of modeText ? modeText.split(',') : []) {
    if (opt === 'ro' || opt === 'rw') readOnly = opt === 'ro';
    else if (opt === 'nocopy') nocopy = true;
    else if (propagations.includes(opt)) propagation = opt;
    else if (opt === 'z' || opt === 'Z' || consistencies.includes(opt)) continue; // SELinux relabel and macOS consistency: nothing to do here
    else ctx.warn?.(`volume ${spec}: unknown option ${opt} is ignored`); // docker compose ignores them too
  }
  if (isPath(source)) {
    return { type: 'bind', source: hostPath(source, ctx), target: checkTarget(target), readOnly, bind: { propagation, createHostPath: true } };
  }
  return { type: 'volume', source, target: checkTarget(target), readOnly, volume: { nocopy } };
}

function longVolume(v: Record<string, unknown>, ctx: PathContext): ServiceVolume {
  const type = v.type;
  if (type === undefined) throw new Error('type is required');
  if (v.target === undefined) throw new Error('target is required');
  const target = checkTarget(String(v.target));
  const readOnly = yamlBool(v.read_only);
  const source = v.source === undefined || v.source === '' ? undefined : String(v.source);
  const sub = (k: string): Record<string, unknown> => (isMapping(v[k]) ? v[k] : {});
  switch (type) {
    case 'volume':
      return { type: 'volume', source, target, readOnly, volume: { nocopy: yamlBool(sub('volume').nocopy) } };
    case 'bind': {
      if (!source) throw new Error('source is required for a bind mount');
      const propagation = sub('bind').propagation === undefined ? undefined : String(sub('bind').propagation);
      if (propagation !== undefined && !propagations.includes(propagation)) throw new Error(`invalid propagation: ${propagation}`);
      // compose-go's OptOut: a long-syntax bind creates a missing host path unless told not to
      const create = sub('bind').create_host_path;
      return { type: 'bind', source: hostPath(source, ctx), target, readOnly, bind: { propagation, createHostPath: create === undefined || yamlBool(create) } };
    }
    case 'tmpfs': {
      if (source) throw new Error('source is not allowed for a tmpfs mount');
      const t = sub('tmpfs');
      const size = t.size === undefined ? undefined : typeof t.size === 'number' ? t.size : parseBytes(String(t.size));
      const mode = t.mode === undefined ? undefined : Number(t.mode);
      return { type: 'tmpfs', target, readOnly, tmpfs: { size, mode } };
    }
    default:
      throw new Error(`unsupported volume type ${JSON.stringify(type)} (skiff knows volume, bind and tmpfs)`);
  }
}


/** An absolute container path, cleaned as compose-go cleans it (`/data/` → `/data`) */
function checkTarget(target: string | undefined): string {
  if (!target || !target.startsWith('/')) throw new Error(`invalid mount target, must be an absolute path: ${target ?? ''}`);
  return posix.normalize(target).replace(/(.)\/$/, '$1');
}
