// The VolumeService: docker's `local` driver over `<root>/volumes/<name>/` (a `volume.json` record
// written atomically, and the `_data` dir containers see). Records live in memory after the start-up load;
// changes to one name run one at a time.
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { EventSink, VolumeCreateOptions, VolumeRecord, VolumeService, VolumeUse } from '../types.ts';
import { conflict, failedPrecondition, invalidArgument, isKind, notFound } from '../../lib/errors.ts';
import { isMounted } from '../snapshots/index.ts';
import { writeJsonAtomic } from '../../lib/atomic.ts';
import { newId } from '../../lib/ids.ts';
import { logger } from '../../lib/log.ts';
import { checkLocalOptions, checkVolumeName, directorySize, hasFilesystem, localDriver, mountLocal, unmountLocal } from './local.ts';
import { listPredicate, prunePredicate } from './filters.ts';

const log = logger('volumes');
export const anonymousLabel = 'com.docker.volume.anonymous';

export interface VolumeServiceOptions {
  /** engine state root: volumes live in `<root>/volumes` */
  root: string;
  /** ids of the containers (of any state) that use a volume: remove and prune refuse those */
  usedBy?: (name: string) => string[];
  events?: EventSink;
}

interface State {
  dir: string;
  records: Map<string, VolumeRecord>;
  turns: Map<string, Promise<unknown>>;
  usedBy: (name: string) => string[];
  events?: EventSink;
}

export async function createVolumeService(opts: VolumeServiceOptions): Promise<VolumeService> {
  const dir = join(opts.root, 'volumes');
  await mkdir(dir, { recursive: true });
  const st: State = { dir, records: await loadRecords(dir), turns: new Map(), usedBy: opts.usedBy ?? (() => []), events: opts.events };
  return {
    create: (o) => createVolume(st, o),
    list: async (filters = {}) => {
      const keep = listPredicate(filters, (name) => st.usedBy(name).length > 0);
      return [...st.records.values()].filter(keep).sort((a, b) => a.name.localeCompare(b.name));
    },
    inspect: async (name) => get(st, name),
    remove: (name, o = {}) => removeVolume(st, name, o.force ?? false),
    prune: (filters = {}) => pruneVolumes(st, filters),
    size: async (name) => directorySize(get(st, name).mountpoint),
    mount: (name, use) => mountVolume(st, name, use),
    unmount: (name, use, lastUser) => unmountVolume(st, name, use, lastUser),
    populate: (name, fill) => turn(st, name, async () => {
      const rec = get(st, name);
      if (rec.populated || (await readdir(rec.mountpoint)).length > 0) return;
      if (!(await fill(rec.mountpoint))) return;
      const next = { ...rec, populated: true };
      await save(st, next);
      st.records.set(name, next);
    }),
  };
}

async function loadRecords(dir: string): Promise<Map<string, VolumeRecord>> {
  const out = new Map<string, VolumeRecord>();
  for (const name of await readdir(dir)) {
    try {
      const rec = JSON.parse(await readFile(join(dir, name, 'volume.json'), 'utf8')) as VolumeRecord;
      out.set(rec.name, rec);
    } catch (err) {
      // a create that crashed before its record was written: the dir holds nothing anyone asked to keep
      log.warn('volume dir without a record; ignored', { name, err });
    }
  }
  return out;
}

/** Run `fn` after every earlier change to the volume `name`. */
function turn<T>(st: State, name: string, fn: () => Promise<T>): Promise<T> {
  const prev = st.turns.get(name) ?? Promise.resolve();
  const next = prev.then(fn, fn);
  const settled = next.catch(() => {}); // the caller sees the error; the chain goes on
  st.turns.set(name, settled);
  void settled.then(() => st.turns.get(name) === settled && st.turns.delete(name));
  return next;
}

function get(st: State, name: string, op = 'get'): VolumeRecord {
  const rec = st.records.get(name);
  if (!rec) throw notFound(`${op} ${name}: no such volume`);
  return rec;
}

const save = (st: State, rec: VolumeRecord) => writeJsonAtomic(join(st.dir, rec.name, 'volume.json'), rec);
const volumeTime = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

async function createVolume(st: State, o: VolumeCreateOptions): Promise<VolumeRecord & { created: boolean }> {
  const anonymous = !o.name;
  const name = o.name || newId();
  const driver = o.driver || localDriver;
  try {
    checkVolumeName(name);
    if (driver !== localDriver) throw notFound(`error looking up volume plugin ${driver}: plugin "${driver}" not found`);
  } catch (err) {
    if (isKind(err, 'InvalidArgument')) throw invalidArgument(`create ${name}: ${err.message}`, err);
    throw err;
  }
  return turn(st, name, async () => {
    const have = st.records.get(name);
    if (have) {
      if (have.driver !== driver) throw conflict(`create ${name}: volume name must be unique`);
      // docker answers the existing volume whatever options come along (its store looks before the driver)
      return { ...have, created: false };
    }
    try {
      checkLocalOptions(o.driverOpts ?? {});
    } catch (err) {
      throw isKind(err, 'InvalidArgument') ? invalidArgument(`create ${name}: ${err.message}`, err) : err;
    }
    const base = join(st.dir, name);
    const rec: VolumeRecord = {
      name,
      driver,
      mountpoint: join(base, '_data'),
      createdAt: volumeTime(),
      labels: { ...(o.labels ?? {}), ...(anonymous ? { [anonymousLabel]: '' } : {}) },
      options: { ...(o.driverOpts ?? {}) },
      anonymous,
    };
    try {
      await mkdir(rec.mountpoint, { recursive: true, mode: 0o755 });
      await save(st, rec);
    } catch (err) {
      await rm(base, { recursive: true, force: true }).catch((e) => log.warn('could not clean up a failed volume create', { name, err: e }));
      throw err;
    }
    st.records.set(name, rec);
    st.events?.emit('volume', 'create', { id: name, attributes: { driver } });
    return { ...rec, created: true };
  });
}

async function removeVolume(st: State, name: string, force: boolean): Promise<void> {
  await turn(st, name, async () => {
    const rec = st.records.get(name);
    if (!rec) {
      if (force) return;
      throw notFound(`get ${name}: no such volume`);
    }
    const users = st.usedBy(name);
    if (users.length) throw conflict(`remove ${name}: volume is in use - [${users.join(', ')}]`);
    if (hasFilesystem(rec.options)) await unmountLocal(rec.mountpoint);
    // never delete through a mount: a bound host directory would lose its files
    if (await isMounted(rec.mountpoint)) throw failedPrecondition(`remove ${name}: ${rec.mountpoint} is still mounted`);
    // the record goes first: a crash after it leaves a dir that the next start ignores and logs
    await rm(join(st.dir, name, 'volume.json'), { force: true });
    st.records.delete(name);
    await rm(join(st.dir, name), { recursive: true, force: true });
    st.events?.emit('volume', 'destroy', { id: name, attributes: { driver: rec.driver } });
  });
}

async function pruneVolumes(st: State, filters: Record<string, string[]>): Promise<{ VolumesDeleted: string[]; SpaceReclaimed: number }> {
  const keep = prunePredicate(filters);
  const deleted: string[] = [];
  let reclaimed = 0;
  for (const rec of [...st.records.values()]) {
    if (!keep(rec) || st.usedBy(rec.name).length) continue;
    const size = await directorySize(rec.mountpoint);
    try {
      await removeVolume(st, rec.name, false);
    } catch (err) {
      // taken into use or removed since the check: not this prune's to delete
      if (isKind(err, 'Conflict') || isKind(err, 'NotFound')) continue;
      throw err;
    }
    deleted.push(rec.name);
    reclaimed += size;
  }
  return { VolumesDeleted: deleted, SpaceReclaimed: reclaimed };
}

async function mountVolume(st: State, name: string, use: VolumeUse): Promise<string> {
  return turn(st, name, async () => {
    const rec = get(st, name);
    if (hasFilesystem(rec.options)) await mountLocal(rec.options, rec.mountpoint);
    st.events?.emit('volume', 'mount', {
      id: name,
      attributes: { container: use.container, destination: use.destination, driver: rec.driver, propagation: use.propagation, 'read/write': String(use.readWrite) },
    });
    return rec.mountpoint;
  });
}

async function unmountVolume(st: State, name: string, use: VolumeUse, lastUser: boolean): Promise<void> {
  await turn(st, name, async () => {
    const rec = st.records.get(name);
    if (!rec) return;
    if (lastUser && hasFilesystem(rec.options)) await unmountLocal(rec.mountpoint);
    st.events?.emit('volume', 'unmount', { id: name, attributes: { container: use.container, driver: rec.driver } });
  });
}
