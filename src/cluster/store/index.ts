// The store's front door: openStore(url) picks the backend from a datastore URL (`skiff server --datastore`).
//   sqlite:///abs/path/state.db   (or a bare path)       — the default, one file owned by this process
//   etcd://host:port[,host:port...][?prefix=/skiff]      — a real etcd (v3 API), keys under an optional prefix
// openStore turns automatic compaction on (every 5 minutes, keeping the last 1,000 revisions, as kine does);
// the create* constructors leave it off unless asked.
import { isAbsolute, resolve } from 'node:path';
import type { AutoCompactOptions } from './compactor.ts';
import { createEtcdStore } from './etcd/index.ts';
import { createSqliteStore } from './sqlite/index.ts';
import { StoreError, type Store } from './types.ts';

export { StoreError };
export type { KeyValue, ListOptions, ListResult, Store, StoreErrorCode, StoreEvent } from './types.ts';
export { createSqliteStore } from './sqlite/index.ts';
export type { SqliteStoreOptions } from './sqlite/index.ts';
export { createEtcdStore } from './etcd/index.ts';
export type { EtcdStoreOptions } from './etcd/index.ts';
export { startCompactor, DEFAULT_COMPACT_INTERVAL_MS, DEFAULT_KEEP_REVISIONS } from './compactor.ts';
export type { AutoCompactOptions } from './compactor.ts';

export interface OpenStoreOptions {
  /** automatic compaction settings, or false to turn it off (default: on, 5 min, keep 1,000 revisions) */
  autoCompact?: AutoCompactOptions | false;
}

const ACCEPTED = 'sqlite:///absolute/path/state.db, a bare file path, or etcd://host:port[,host:port...][?prefix=/skiff]';

export type DatastoreSpec =
  | { kind: 'sqlite'; path: string }
  | { kind: 'etcd'; endpoints: string[]; prefix: string };

/** parses a datastore URL; throws a message naming the accepted forms */
export function parseDatastoreUrl(url: string): DatastoreSpec {
  const bad = (why: string): Error => new Error(`invalid datastore "${url}": ${why}; use ${ACCEPTED}`);
  if (url.startsWith('sqlite://')) {
    const path = decodeURIComponent(url.slice('sqlite://'.length).split('?')[0]);
    if (!isAbsolute(path)) throw bad('the SQLite path must be absolute (three slashes: sqlite:///var/lib/...)');
    return { kind: 'sqlite', path };
  }
  if (url.startsWith('etcd://')) {
    const rest = url.slice('etcd://'.length);
    const [hostPart, query = ''] = rest.split('?', 2);
    const hosts = hostPart.replace(/\/+$/, '').split(',').filter((h) => h !== '');
    if (hosts.length === 0) throw bad('no etcd endpoint given');
    for (const h of hosts) {
      if (!/^[A-Za-z0-9.\-]+:\d{1,5}$/.test(h) && !/^\[[0-9A-Fa-f:]+\]:\d{1,5}$/.test(h)) throw bad(`"${h}" is not host:port`);
    }
    const params = new URLSearchParams(query);
    for (const name of params.keys()) if (name !== 'prefix') throw bad(`unknown option "${name}" (only prefix)`);
    const prefix = params.get('prefix') ?? '';
    if (prefix !== '' && !prefix.startsWith('/')) throw bad('the prefix must start with "/"');
    return { kind: 'etcd', endpoints: hosts.map((h) => `http://${h}`), prefix: prefix.replace(/\/+$/, '') };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) throw bad(`unknown scheme "${url.split(':')[0]}"`);
  if (url === '') throw bad('empty');
  return { kind: 'sqlite', path: resolve(url) };
}

export async function openStore(url: string, opts: OpenStoreOptions = {}): Promise<Store> {
  const spec = parseDatastoreUrl(url);
  const autoCompact = opts.autoCompact === false ? undefined : (opts.autoCompact ?? {});
  if (spec.kind === 'sqlite') return createSqliteStore(spec.path, { autoCompact });
  const store = createEtcdStore({ endpoints: spec.endpoints, prefix: spec.prefix, autoCompact });
  try {
    await store.currentRevision(); // fail at start, with the address, rather than on the first request
  } catch (err) {
    await store.close();
    throw new StoreError('unavailable', `cannot reach etcd at ${spec.endpoints.join(', ')}: ${(err as Error).message}`, { cause: err });
  }
  return store;
}
