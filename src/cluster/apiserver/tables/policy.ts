// Printers of the policy kinds (kube's printPodDisruptionBudget, printResourceQuota, printLimitRange,
// printPodTemplate): `kubectl get pdb,quota,limits,podtemplates`.
import type { KObject } from '../../types/meta.ts';
import type { Printer } from './types.ts';
import { ageColumn, col, formatLabels, nameColumn, nameOf, ageOf } from './format.ts';

interface Pdb { spec?: { minAvailable?: number | string; maxUnavailable?: number | string }; status?: { disruptionsAllowed?: number } }

export const podDisruptionBudgetPrinter: Printer = {
  columns: [nameColumn, col('Min Available', 'The minimum number of pods that must be available.'),
    col('Max Unavailable', 'The maximum number of pods that may be unavailable.'),
    col('Allowed Disruptions', 'Calculated number of pods that may be disrupted at this time.', { type: 'integer' }), ageColumn],
  cells(obj, now) {
    const p = obj as Pdb;
    const show = (v: number | string | undefined) => (v === undefined || v === null ? 'N/A' : String(v));
    return [nameOf(obj), show(p.spec?.minAvailable), show(p.spec?.maxUnavailable), p.status?.disruptionsAllowed ?? 0, ageOf(obj, now)];
  },
};

/** a resource name sorts as kube's SortableResourceNames: plain string order */
function quotaColumns(obj: KObject): [string, string] {
  const st = (obj.status ?? {}) as { hard?: Record<string, string | number>; used?: Record<string, string | number> };
  const request: string[] = [];
  const limit: string[] = [];
  for (const r of Object.keys(st.hard ?? {}).sort()) {
    const cell = `${r}: ${st.used?.[r] ?? 0}/${st.hard![r]}`;
    const pieces = r.split('.');
    (pieces.length > 1 && pieces[0] === 'limits' ? limit : request).push(cell);
  }
  return [request.join(', '), limit.join(', ')];
}

export const resourceQuotaPrinter: Printer = {
  columns: [nameColumn, ageColumn, col('Request', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
    col('Limit', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.')],
  cells: (obj, now) => [nameOf(obj), ageOf(obj, now), ...quotaColumns(obj)],
};

export const limitRangePrinter: Printer = {
  columns: [nameColumn, col('Created At', 'CreationTimestamp is a timestamp representing the server time when this object was created.')],
  cells: (obj) => [nameOf(obj), (obj.metadata?.creationTimestamp ?? '').replace(/\.\d+Z$/, 'Z')],
};

interface Template { template?: { metadata?: { labels?: Record<string, string> }; spec?: { containers?: { name: string; image?: string }[] } } }

export const podTemplatePrinter: Printer = {
  columns: [col('Template', 'Name must be unique within a namespace.', { format: 'name' }), col('Containers', 'Names of each container in the template.'),
    col('Images', 'Images referenced by each container in the template.'), col('Pod Labels', 'The labels for the pod template.')],
  cells(obj) {
    const t = (obj as Template).template;
    const cs = t?.spec?.containers ?? [];
    return [nameOf(obj), cs.map((c) => c.name).join(','), cs.map((c) => c.image ?? '').join(','), formatLabels(t?.metadata?.labels)];
  },
};
