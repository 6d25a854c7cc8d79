// Cell formats shared by the printers, as kube's pkg/printers/internalversion writes them: ages as
// duration.HumanDuration, `<none>` for absent values, label maps and selectors as their string forms.
import type { Container } from 'kubernetes-types/core/v1.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';

export interface Column {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

/** A column definition; priority 1 columns are the ones kubectl shows only with `-o wide`. */
export const col = (name: string, description: string, opts: { type?: string; format?: string; priority?: number } = {}): Column =>
  ({ name, type: opts.type ?? 'string', format: opts.format ?? '', description, priority: opts.priority ?? 0 });

export const nameColumn = col('Name', 'Name must be unique within a namespace.', { format: 'name' });
export const ageColumn = col('Age', 'CreationTimestamp is a timestamp representing the server time when this object was created.');
export const containersColumn = col('Containers', 'Names of each container in the template.', { priority: 1 });
export const imagesColumn = col('Images', 'Images referenced by each container in the template.', { priority: 1 });
export const selectorColumn = (description = 'Label selector for pods.') => col('Selector', description, { priority: 1 });

/** k8s.io/apimachinery/pkg/util/duration.HumanDuration */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  const years = Math.trunc(hours / 24 / 365);
  if (hours < 24 * 365 * 8) {
    const days = Math.trunc(hours / 24) % 365;
    return days === 0 ? `${years}y` : `${years}y${days}d`;
  }
  return `${years}y`;
}

/** translateTimestampSince: `<unknown>` for an absent timestamp */
export function since(ts: string | undefined | null, now: Date): string {
  if (!ts) return '<unknown>';
  const t = Date.parse(ts);
  return Number.isNaN(t) ? '<unknown>' : humanDuration(now.getTime() - t);
}

/** labels.FormatLabels: `a=b,c=d` sorted by key, `<none>` when empty */
export function formatLabels(m: Record<string, string> | undefined | null): string {
  const keys = Object.keys(m ?? {}).sort();
  return keys.length ? keys.map((k) => `${k}=${m![k]}`).join(',') : '<none>';
}

/** labels.Selector.String() of a LabelSelector: requirements sorted by key ('' for an empty selector) */
export function selectorString(sel: LabelSelector | undefined | null): string {
  if (!sel) return '';
  const reqs: [string, string][] = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => [k, `${k}=${v}`]);
  for (const e of sel.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort().join(',');
    const text = e.operator === 'In' ? `${e.key} in (${values})` : e.operator === 'NotIn' ? `${e.key} notin (${values})`
      : e.operator === 'Exists' ? e.key : e.operator === 'DoesNotExist' ? `!${e.key}` : `${e.key} ${e.operator}`;
    reqs.push([e.key, text]);
  }
  return reqs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((r) => r[1]).join(',');
}

/** metav1.FormatLabelSelector: the selector string or `<none>` */
export const formatLabelSelector = (sel: LabelSelector | undefined | null): string => selectorString(sel) || '<none>';

/** layoutContainerCells: container names and images, comma-joined */
export function containerCells(containers: Container[] | undefined): [string, string] {
  const list = containers ?? [];
  return [list.map((c) => c.name).join(','), list.map((c) => c.image ?? '').join(',')];
}

/** `a,b,c + 2 more...` (kube's listWithMoreString): the first `max` items and how many were left out */
export function listWithMore(items: string[], max: number, empty: string): string {
  if (items.length === 0) return empty;
  const shown = items.slice(0, max).join(',');
  return items.length > max ? `${shown} + ${items.length - max} more...` : shown;
}

export const int = (n: number | undefined | null): number => n ?? 0;
export const boolText = (b: boolean | undefined | null): string => (b === undefined || b === null ? '<unset>' : b ? 'True' : 'False');

interface HasMeta { metadata?: { name?: string; creationTimestamp?: string } }
export const nameOf = (o: HasMeta): string => o.metadata?.name ?? '';
export const ageOf = (o: HasMeta, now: Date): string => since(o.metadata?.creationTimestamp, now);
