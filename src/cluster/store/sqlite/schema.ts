// Tables and statements of the SQLite store. kine's layout: `log` holds every revision as a row (a delete is a
// tombstone row carrying the last value); the unique (key, prev_revision) index is the optimistic lock, so the
// database itself refuses two writers building on the same revision. `current` (key → live revision), kept in
// the same transaction, makes the latest-state reads index lookups instead of kine's GROUP BY scan.
import type { DatabaseSync, StatementSync } from 'node:sqlite';

const DDL = `
CREATE TABLE IF NOT EXISTS log (
  revision INTEGER PRIMARY KEY AUTOINCREMENT,
  key TEXT NOT NULL,
  created INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision INTEGER NOT NULL,
  value TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS log_key_prev ON log (key, prev_revision);
CREATE INDEX IF NOT EXISTS log_key_revision ON log (key, revision);
CREATE TABLE IF NOT EXISTS current (
  key TEXT PRIMARY KEY,
  revision INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
`;

// One process owns the file (watchers are notified in memory), so take the lock for good: a second server on
// the same file fails at open instead of silently missing the first one's events.
const PRAGMAS = `
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
PRAGMA busy_timeout = 5000;
PRAGMA locking_mode = EXCLUSIVE;
PRAGMA cache_size = -8000;
PRAGMA journal_size_limit = 67108864;
`;

export interface LogRow {
  revision: number;
  key: string;
  created: number;
  deleted: number;
  create_revision: number;
  prev_revision: number;
  value: string;
}

/** a log row joined with the row it replaced (p_* are null when there is none) */
/** a list row as an array: [key, value, create_revision, revision] */
export type ListRow = [string, string, number, number];

export interface LogRowWithPrev extends LogRow {
  p_revision: number | null;
  p_create_revision: number | null;
  p_value: string | null;
  p_deleted: number | null;
}

const SQL = {
  begin: 'BEGIN IMMEDIATE',
  commit: 'COMMIT',
  rollback: 'ROLLBACK',
  savepoint: 'SAVEPOINT write',
  release: 'RELEASE write',
  rollbackTo: 'ROLLBACK TO write',
  sequence: "SELECT seq FROM sqlite_sequence WHERE name = 'log'",
  getMeta: 'SELECT value FROM meta WHERE name = ?',
  setMeta: 'INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
  currentRevisionOf: 'SELECT revision FROM current WHERE key = ?',
  getLive: 'SELECT l.* FROM current c JOIN log l ON l.revision = c.revision WHERE c.key = ?',
  row: 'SELECT * FROM log WHERE revision = ?',
  lastRowOf: 'SELECT MAX(revision) AS revision FROM log WHERE key = ?',
  insert: 'INSERT INTO log (key, created, deleted, create_revision, prev_revision, value) VALUES (?, ?, ?, ?, ?, ?)',
  setCurrent: 'INSERT INTO current (key, revision) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET revision = excluded.revision',
  deleteCurrent: 'DELETE FROM current WHERE key = ?',
  // latest state: the key range on current, then one primary-key lookup per row
  listLatest: `SELECT c.key AS key, l.value AS value, l.create_revision AS create_revision, l.revision AS revision
    FROM current c JOIN log l ON l.revision = c.revision
    WHERE c.key >= ? AND c.key < ? ORDER BY c.key LIMIT ?`,
  // MVCC: for each key the newest row at or below the revision (SQLite takes the bare columns from the MAX row)
  listAt: `SELECT key, value, create_revision, revision FROM (
      SELECT key, MAX(revision) AS revision, value, create_revision, deleted FROM log
      WHERE key >= ? AND key < ? AND revision <= ? GROUP BY key)
    WHERE deleted = 0 ORDER BY key LIMIT ?`,
  count: 'SELECT COUNT(*) AS n FROM current WHERE key >= ? AND key < ?',
  // watch catch-up from the table, for revisions no longer in memory
  changes: `SELECT l.*, p.revision AS p_revision, p.create_revision AS p_create_revision, p.value AS p_value,
      p.deleted AS p_deleted
    FROM log l LEFT JOIN log p ON p.revision = l.prev_revision
    WHERE l.revision > ? AND l.revision <= ? AND l.key >= ? AND l.key < ? ORDER BY l.revision LIMIT ?`,
  // compaction: within a revision window below the target, drop tombstones and rows replaced by a row that is
  // itself below the target (so every revision >= target can still be read, and its events keep their prev)
  compactBatch: `DELETE FROM log WHERE revision > ? AND revision <= ? AND revision < ? AND (deleted = 1 OR EXISTS (
      SELECT 1 FROM log n WHERE n.key = log.key AND n.prev_revision = log.revision AND n.revision < ?))`,
  // the end of the next window of at most N rows below the target (windows count rows, not revisions, since
  // survivors of earlier compactions are sparse)
  compactWindow: `SELECT MAX(revision) AS revision FROM (
      SELECT revision FROM log WHERE revision > ? AND revision < ? ORDER BY revision LIMIT ?)`,
  checkpoint: 'PRAGMA wal_checkpoint(TRUNCATE)',
} as const;

export type Statements = { -readonly [K in keyof typeof SQL]: StatementSync };

export function initSchema(db: DatabaseSync): Statements {
  db.exec(PRAGMAS);
  db.exec(DDL);
  const out = {} as Statements;
  for (const name of Object.keys(SQL) as (keyof typeof SQL)[]) out[name] = db.prepare(SQL[name]);
  // lists read thousands of rows: arrays instead of one object per row are several times faster to build
  out.listLatest.setReturnArrays(true);
  out.listAt.setReturnArrays(true);
  return out;
}
