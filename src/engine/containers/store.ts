// Container records: one config.json per container under ROOT/containers/<id>/, written atomically before
// any API answer, and an in-memory index (by id, by name) so reads never touch the disk.
import { readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContainerRecord } from '../types.ts';
import { writeFileAtomic } from '../../lib/atomic.ts';
import { conflict, errnoCode, invalidArgument, notFound } from '../../lib/errors.ts';
import { logger } from '../../lib/log.ts';

const log = logger('containers');

export interface ContainerStore {
  dir(id: string): string;
  load(): Promise<ContainerRecord[]>;
  /** full id, `/name`, name or a unique id prefix; NotFound otherwise */
  find(idOrName: string): ContainerRecord;
  tryFind(idOrName: string): ContainerRecord | undefined;
  all(): IterableIterator<ContainerRecord>;
  /** reserve a name for `id` (Conflict when taken by another container) */
  reserveName(name: string, id: string): void;
  releaseName(name: string, id: string): void;
  nameTaken(name: string): boolean;
  /** add or replace and persist */
  save(rec: ContainerRecord): Promise<void>;
  /** add to the index without writing (the caller writes) */
  put(rec: ContainerRecord): void;
  /** remove the record at once (its dir is renamed aside, atomically); `purge` deletes the files later */
  trash(id: string): Promise<void>;
  purge(id: string): Promise<void>;
  /** records of containers removed but not yet purged (a crash came in between), found by load() */
  trashed(): Promise<ContainerRecord[]>;
  size(): number;
}

export const nameConflict = (name: string, id: string) =>
  conflict(`Conflict. The container name "/${name}" is already in use by container "${id}". You have to remove (or rename) that container to be able to reuse that name.`);

const validName = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export function checkName(name: string): string {
  const n = name.startsWith('/') ? name.slice(1) : name;
  if (!validName.test(n)) throw invalidArgument(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  return n;
}

export function createContainerStore(root: string): ContainerStore {
  const base = join(root, 'containers');
  const byId = new Map<string, ContainerRecord>();
  const byName = new Map<string, string>();
  // writes of one record are chained so an older state never lands after a newer one
  const writing = new Map<string, Promise<void>>();
  // records whose file exists (loaded or written by us): rewriting them skips the directory's fsync
  const onDisk = new Set<string>();
  const dir = (id: string) => join(base, id);

  function tryFind(idOrName: string): ContainerRecord | undefined {
    if (!idOrName) return undefined;
    const exact = byId.get(idOrName);
    if (exact) return exact;
    const byNameId = byName.get(idOrName.startsWith('/') ? idOrName.slice(1) : idOrName);
    if (byNameId) return byId.get(byNameId);
    if (!/^[a-f0-9]+$/.test(idOrName)) return undefined;
    let found: ContainerRecord | undefined;
    for (const [id, rec] of byId) {
      if (!id.startsWith(idOrName)) continue;
      if (found) throw invalidArgument(`Multiple IDs found with provided prefix: ${idOrName}`);
      found = rec;
    }
    return found;
  }

  return {
    dir,
    async load() {
      let names: string[] = [];
      try {
        names = await readdir(base);
      } catch {
        return [];
      }
      await Promise.all(names.map(async (id) => {
        if (id.startsWith('.')) return;
        try {
          const rec = JSON.parse(await readFile(join(base, id, 'config.json'), 'utf8')) as ContainerRecord;
          byId.set(rec.id, rec);
          byName.set(rec.name, rec.id);
          onDisk.add(rec.id);
        } catch (err) {
          // a dir without a record is what a crash during create or remove leaves: nothing refers to it
          log.warn('removing a container dir without a readable record', { id, err });
          await rm(join(base, id), { recursive: true, force: true }).catch(() => {});
        }
      }));
      return [...byId.values()];
    },
    find(idOrName) {
      const rec = tryFind(idOrName);
      if (!rec) throw notFound(`No such container: ${idOrName}`);
      return rec;
    },
    tryFind,
    all: () => byId.values(),
    reserveName(name, id) {
      const holder = byName.get(name);
      if (holder && holder !== id) throw nameConflict(name, holder);
      byName.set(name, id);
    },
    releaseName(name, id) {
      if (byName.get(name) === id) byName.delete(name);
    },
    nameTaken: (name) => byName.has(name),
    put(rec) {
      byId.set(rec.id, rec);
      byName.set(rec.name, rec.id);
    },
    async save(rec) {
      byId.set(rec.id, rec);
      byName.set(rec.name, rec.id);
      // the record as it is now, not as it will be when the chained write runs
      const snapshot = JSON.stringify(rec, null, 2) + '\n';
      const prev = writing.get(rec.id) ?? Promise.resolve();
      const next = prev.catch(() => {}).then(async () => {
        await writeFileAtomic(join(dir(rec.id), 'config.json'), snapshot, { replace: onDisk.has(rec.id) });
        onDisk.add(rec.id);
      });
      writing.set(rec.id, next);
      try {
        await next;
      } finally {
        if (writing.get(rec.id) === next) writing.delete(rec.id);
      }
    },
    async trash(id) {
      const rec = byId.get(id);
      await (writing.get(id) ?? Promise.resolve()).catch(() => {});
      await rename(dir(id), join(base, `.trash-${id}`)).catch((err) => {
        if (errnoCode(err) !== 'ENOENT') throw err;
      });
      byId.delete(id);
      onDisk.delete(id);
      if (rec) this.releaseName(rec.name, id);
    },
    async purge(id) {
      await rm(join(base, `.trash-${id}`), { recursive: true, force: true });
    },
    async trashed() {
      const names = await readdir(base).catch(() => [] as string[]);
      const out: ContainerRecord[] = [];
      for (const n of names) {
        if (!n.startsWith('.trash-')) continue;
        const rec = await readFile(join(base, n, 'config.json'), 'utf8').then((t) => JSON.parse(t) as ContainerRecord, () => null);
        if (rec) out.push(rec);
        else await rm(join(base, n), { recursive: true, force: true });
      }
      return out;
    },
    size: () => byId.size,
  };
}

