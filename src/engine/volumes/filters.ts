// docker's filters for `volume ls` and `volume prune`, checked once into a predicate.
import type { VolumeRecord } from '../types.ts';
import { invalidArgument } from '../../lib/errors.ts';

const listKeys = new Set(['name', 'label', 'label!', 'dangling', 'driver']);
const pruneKeys = new Set(['label', 'label!', 'all']);

/** `key` or `key=value` against a volume's labels. */
function hasLabel(labels: Record<string, string>, l: string): boolean {
  const eq = l.indexOf('=');
  return eq < 0 ? l in labels : labels[l.slice(0, eq)] === l.slice(eq + 1);
}

function boolValue(key: string, v: string): boolean {
  const t = v.toLowerCase();
  if (t === 'true' || t === '1') return true;
  if (t === 'false' || t === '0') return false;
  throw invalidArgument(`invalid filter '${key}=${v}'`);
}

function checkKeys(filters: Record<string, string[]>, allowed: Set<string>): void {
  for (const key of Object.keys(filters)) if (!allowed.has(key)) throw invalidArgument(`invalid filter '${key}'`);
}

/** `volume ls` filters: name (substring), driver, label, label!, dangling (not used by any container). */
export function listPredicate(filters: Record<string, string[]>, inUse: (name: string) => boolean): (v: VolumeRecord) => boolean {
  checkKeys(filters, listKeys);
  const dangling = filters.dangling?.map((v) => boolValue('dangling', v));
  return (v) =>
    (!filters.name || filters.name.some((n) => v.name.includes(n))) &&
    (!filters.driver || filters.driver.includes(v.driver)) &&
    (!filters.label || filters.label.every((l) => hasLabel(v.labels, l))) &&
    (!filters['label!'] || !filters['label!'].some((l) => hasLabel(v.labels, l))) &&
    (!dangling || dangling.every((d) => d === !inUse(v.name)));
}

/** `volume prune` filters: label, label!, and `all=true` to take named volumes too (API ≥ 1.42). */
export function prunePredicate(filters: Record<string, string[]>): (v: VolumeRecord) => boolean {
  checkKeys(filters, pruneKeys);
  const all = (filters.all ?? []).some((v) => boolValue('all', v));
  return (v) =>
    (all || v.anonymous) &&
    (!filters.label || filters.label.every((l) => hasLabel(v.labels, l))) &&
    (!filters['label!'] || !filters['label!'].some((l) => hasLabel(v.labels, l)));
}
