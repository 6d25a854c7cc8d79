// Mounts in docker's shapes, both ways: HostConfig.Binds strings, HostConfig.Mounts objects, HostConfig.Tmpfs
// and Config.Volumes parsed into typed MountSpecs (shapes only: the engine checks the rules), and a
// container's mounts rendered back the way `docker inspect` and `docker ps` show them.
import type { ContainerSpec, MountPropagation, MountSpec } from '../types.ts';
import { invalidArgument } from '../../lib/errors.ts';
import { asObject, optInt, optString, optStringMap, optStrings, type Json } from './json-fields.ts';


const propagationModes = new Set(['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave']);
const modeKinds: Array<[string, (o: string) => boolean]> = [
  ['rw', (o) => o === 'rw' || o === 'ro'],
  ['label', (o) => o === 'z' || o === 'Z'],
  ['propagation', (o) => propagationModes.has(o)],
  ['copy', (o) => o === 'nocopy'],
  ['consistency', (o) => o === 'consistent' || o === 'cached' || o === 'delegated'],
];

/** docker's linuxValidMountMode: known words, at most one of each kind. */
export function validMountMode(mode: string): boolean {
  if (mode === '') return true;
  const counts = new Map<string, number>();
  for (const o of mode.split(',')) {
    const kind = modeKinds.find(([, is]) => is(o))?.[0];
    if (!kind) return false;
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return [...counts.values()].every((n) => n === 1);
}

/** One `Binds` entry: `/host:/path[:mode]`, `name:/path[:mode]`, or `/path` (docker's ParseMountRaw). */
export function parseBind(raw: string, volumeDriver?: string): MountSpec {
  const arr = raw.split(':');
  const invalid = () => invalidArgument(`invalid volume specification: '${raw}'`);
  if (arr[0] === '' || arr.length > 3) throw invalid();
  // `/foo:rw` is a destination with a mode: volumes cannot have one without a source
  if (arr.length === 2 && validMountMode(arr[1])) throw invalid();
  const [first, second, mode = ''] = arr;
  const source = arr.length === 1 ? '' : first;
  const target = arr.length === 1 ? first : second;
  if (!validMountMode(mode)) throw invalidArgument(`invalid mode: ${mode}`);
  const words = mode.split(',');
  const type = source.startsWith('/') ? 'bind' : 'volume';
  const propagation = words.find((w) => propagationModes.has(w)) as MountPropagation | undefined;
  return {
    type,
    source,
    target,
    readOnly: words.includes('ro'),
    ...(propagation ? { propagation } : {}),
    ...(words.includes('nocopy') ? { noCopy: true } : {}),
    ...(type === 'bind' ? { createHostPath: true } : {}),
    ...(type === 'volume' && volumeDriver ? { volumeOptions: { driver: volumeDriver } } : {}),
    origin: 'binds',
    raw,
    mode,
  };
}

/** One `HostConfig.Mounts` object (API `Mount`). */
export function parseMountObject(v: unknown): MountSpec {
  const o = obj(v, 'Mounts[]');
  const type = str(o.Type, 'Mounts[].Type') ?? '';
  if (type !== 'bind' && type !== 'volume' && type !== 'tmpfs') throw invalidArgument(`invalid mount config for type "${type}": mount type unknown`);
  const bind = o.BindOptions == null ? undefined : obj(o.BindOptions, 'BindOptions');
  const vol = o.VolumeOptions == null ? undefined : obj(o.VolumeOptions, 'VolumeOptions');
  const tmpfs = o.TmpfsOptions == null ? undefined : obj(o.TmpfsOptions, 'TmpfsOptions');
  const driver = vol?.DriverConfig == null ? undefined : obj(vol.DriverConfig, 'VolumeOptions.DriverConfig');
  const propagation = str(bind?.Propagation, 'BindOptions.Propagation');
  const m: MountSpec = {
    type,
    source: str(o.Source, 'Mounts[].Source') ?? '',
    target: str(o.Target, 'Mounts[].Target') ?? '',
    readOnly: o.ReadOnly === true,
    origin: 'mounts',
  };
  if (propagation) m.propagation = propagation as MountPropagation;
  // BindOptions on another type is refused by the engine (docker: "field BindOptions must not be specified")
  else if (bind && type !== 'bind') m.propagation = 'rprivate';
  if (bind?.CreateMountpoint === true) m.createHostPath = true;
  // a sub-path of a volume (API 1.45) has no typed field yet: refused rather than mounting the whole volume
  if (vol?.Subpath) throw invalidArgument(`invalid mount config for type "${type}": VolumeOptions.Subpath is not supported yet`);
  if (vol) {
    m.volumeOptions = {};
    if (vol.Labels != null) m.volumeOptions.labels = strMap(vol.Labels, 'VolumeOptions.Labels');
    const name = str(driver?.Name, 'DriverConfig.Name');
    if (name) m.volumeOptions.driver = name;
    if (driver?.Options != null) m.volumeOptions.driverOpts = strMap(driver.Options, 'DriverConfig.Options');
    if (vol.NoCopy === true) m.noCopy = true;
  }
  if (tmpfs) {
    const size = num(tmpfs.SizeBytes, 'TmpfsOptions.SizeBytes');
    const mode = num(tmpfs.Mode, 'TmpfsOptions.Mode');
    const options = tmpfs.Options == null ? [] : tmpfsOptionPairs(tmpfs.Options);
    m.tmpfsOptions = { ...(size ? { sizeBytes: size } : {}), ...(mode ? { mode } : {}), ...(options.length ? { options } : {}) };
  }
  return m;
}

function tmpfsOptionPairs(v: unknown): string[] {
  if (!Array.isArray(v)) throw invalidArgument('TmpfsOptions.Options: expected a list of [name] or [name, value]');
  return v.map((pair) => {
    if (!Array.isArray(pair) || pair.length < 1 || pair.length > 2 || !pair.every((s) => typeof s === 'string')) {
      throw invalidArgument('invalid mount config for type "tmpfs": invalid option array length');
    }
    return pair.join('=');
  });
}

/** Binds, Mounts, Tmpfs and Config.Volumes of a create body → the spec's typed mounts (in docker's order). */
export function mountsFromDocker(config: Json, hc: Json): MountSpec[] {
  const driver = str(hc.VolumeDriver, 'VolumeDriver') || undefined;
  const binds = list(hc.Binds, 'Binds').map((b) => parseBind(b, driver));
  if (hc.Mounts != null && !Array.isArray(hc.Mounts)) throw invalidArgument('Mounts: expected an array');
  const mounts = ((hc.Mounts as unknown[] | undefined) ?? []).map(parseMountObject);
  const tmpfs = Object.entries(hc.Tmpfs == null ? {} : strMap(hc.Tmpfs, 'Tmpfs')).map(([target, opts]): MountSpec => ({
    type: 'tmpfs', source: '', target, readOnly: false, origin: 'tmpfs', raw: opts,
    ...(opts ? { tmpfsOptions: { options: opts.split(',').filter(Boolean) } } : {}),
  }));
  const volumes = Object.keys(config.Volumes == null ? {} : obj(config.Volumes, 'Volumes')).map((target): MountSpec => ({
    type: 'volume', source: '', target, readOnly: false, origin: 'volumes',
  }));
  return [...binds, ...mounts, ...tmpfs, ...volumes];
}

// ---------------------------------------------------------------- back to docker's shapes

/** HostConfig's mount fields as the user gave them. */
export function hostConfigMounts(spec: ContainerSpec): Json {
  const own = (origin: MountSpec['origin']) => spec.host.mounts.filter((m) => m.origin === origin);
  const binds = own('binds').map((m) => m.raw ?? `${m.source}:${m.target}${m.mode ? `:${m.mode}` : ''}`);
  const mounts = own('mounts').map(mountObject);
  const tmpfs = Object.fromEntries(own('tmpfs').map((m) => [m.target, m.raw ?? '']));
  return {
    Binds: binds.length ? binds : null,
    ...(mounts.length ? { Mounts: mounts } : {}),
    ...(Object.keys(tmpfs).length ? { Tmpfs: tmpfs } : {}),
    VolumesFrom: spec.host.volumesFrom?.length ? spec.host.volumesFrom : null,
  };
}

function mountObject(m: MountSpec): Json {
  // docker's mount.Mount leaves an empty Source out (omitempty)
  const out: Json = { Type: m.type, ...(m.source ? { Source: m.source } : {}), Target: m.target };
  if (m.readOnly) out.ReadOnly = true;
  if (m.type === 'bind' && (m.propagation || m.createHostPath)) {
    out.BindOptions = { ...(m.propagation ? { Propagation: m.propagation } : {}), ...(m.createHostPath ? { CreateMountpoint: true } : {}) };
  }
  if (m.type === 'volume' && (m.volumeOptions || m.noCopy)) {
    const v = m.volumeOptions ?? {};
    out.VolumeOptions = {
      ...(m.noCopy ? { NoCopy: true } : {}),
      ...(v.labels ? { Labels: v.labels } : {}),
      ...(v.driver || v.driverOpts ? { DriverConfig: { ...(v.driver ? { Name: v.driver } : {}), ...(v.driverOpts ? { Options: v.driverOpts } : {}) } } : {}),
    };
  }
  if (m.type === 'tmpfs' && m.tmpfsOptions) {
    const t = m.tmpfsOptions;
    out.TmpfsOptions = { ...(t.sizeBytes ? { SizeBytes: t.sizeBytes } : {}), ...(t.mode ? { Mode: t.mode } : {}), ...(t.options?.length ? { Options: t.options.map((o) => o.split('=')) } : {}) };
  }
  return out;
}

/** The container's `Mounts` as docker reports them (inspect and ps); HostConfig.Tmpfs mounts are not among them. */
export function mountPoints(spec: ContainerSpec): Json[] {
  return spec.host.mounts.filter((m) => m.origin !== 'tmpfs').map((m) => {
    if (m.type === 'volume') {
      return { Type: 'volume', Name: m.source, Source: m.hostPath ?? '', Destination: m.target, Driver: m.volumeOptions?.driver || 'local', Mode: m.mode ?? '', RW: !m.readOnly, Propagation: '' };
    }
    if (m.type === 'bind') return { Type: 'bind', Source: m.source, Destination: m.target, Mode: m.mode ?? '', RW: !m.readOnly, Propagation: m.propagation ?? 'rprivate' };
    return { Type: 'tmpfs', Source: '', Destination: m.target, Mode: '', RW: !m.readOnly, Propagation: '' };
  });
}

/** Config.Volumes: the image's VOLUMEs and the user's own anonymous ones. */
export function configVolumes(spec: ContainerSpec, image?: Record<string, object>): Record<string, object> | null {
  const out: Record<string, object> = { ...(image ?? {}) };
  for (const m of spec.host.mounts) if (m.origin === 'volumes') out[m.target] = {};
  return Object.keys(out).length ? out : null;
}

// ---------------------------------------------------------------- typed reads of untrusted JSON

const obj = asObject;
const str = optString;
const num = optInt;
const list = (v: unknown, field: string): string[] => optStrings(v, field) ?? [];
const strMap = (v: unknown, field: string): Record<string, string> => optStringMap(asObject(v, field), field) ?? {};
