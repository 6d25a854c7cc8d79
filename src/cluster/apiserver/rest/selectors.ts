// List and watch filters: a namespace, a label selector and a field selector, parsed once into one predicate.
// Field selectors accept metadata.name, metadata.namespace and the kind's selectable fields, as Kubernetes'
// per-kind field label conversion does; anything else is a 400.
import type { KObject } from '../../types/meta.ts';
import type { ResourceSpec } from '../../types/resource.ts';
import { parseFieldSelector, parseLabelSelector, matchesRequirements } from '../../types/labels.ts';
import { badRequestError } from '../../types/status-error.ts';

export interface Filter {
  /** namespace to keep (undefined: all) */
  namespace: string | undefined;
  /** true when labels or fields select something narrower than "everything in the namespace" */
  selective: boolean;
  matches(obj: KObject): boolean;
  /** the same answer from an object's Facts (what the watch cache keeps instead of the parsed object) */
  matchesFacts(f: Facts): boolean;
}

/** What a filter reads of an object: its namespace, labels and every selectable field of its kind. */
export interface Facts {
  namespace: string | undefined;
  labels: Record<string, string> | undefined;
  fields: Record<string, string | undefined>;
}

export function factsOf(spec: ResourceSpec, obj: KObject): Facts {
  const fields: Record<string, string | undefined> = { 'metadata.name': obj.metadata?.name };
  for (const [f, get] of Object.entries(spec.selectableFields ?? {})) fields[f] = get(obj);
  return { namespace: obj.metadata?.namespace, labels: obj.metadata?.labels as Record<string, string> | undefined, fields };
}

export function compileFilter(spec: ResourceSpec, namespace: string | undefined, labelSelector?: string, fieldSelector?: string): Filter {
  const ns = spec.namespaced ? namespace || undefined : undefined;
  const labels = labelSelector ? parseLabelSelector(labelSelector) : [];
  const fields = (fieldSelector ? parseFieldSelector(fieldSelector) : []).map((f) => {
    const get = fieldGetter(spec, f.field);
    if (!get) throw badRequestError(`field label not supported: ${f.field}`);
    const fromFacts = f.field === 'metadata.namespace'
      ? (x: Facts) => (spec.namespaced ? x.namespace : '')
      : (x: Facts) => x.fields[f.field];
    return { get, fromFacts, op: f.op, value: f.value };
  });
  const selective = labels.length > 0 || fields.length > 0;
  return {
    namespace: ns,
    selective,
    matches(obj) {
      if (ns !== undefined && obj.metadata?.namespace !== ns) return false;
      if (!selective) return true;
      if (labels.length > 0 && !matchesRequirements(labels, obj.metadata?.labels)) return false;
      for (const f of fields) if (((f.get(obj) ?? '') === f.value) !== (f.op === '=')) return false;
      return true;
    },
    matchesFacts(x) {
      if (ns !== undefined && x.namespace !== ns) return false;
      if (!selective) return true;
      if (labels.length > 0 && !matchesRequirements(labels, x.labels)) return false;
      for (const f of fields) if (((f.fromFacts(x) ?? '') === f.value) !== (f.op === '=')) return false;
      return true;
    },
  };
}

function fieldGetter(spec: ResourceSpec, field: string): ((obj: KObject) => string | undefined) | undefined {
  if (field === 'metadata.name') return (o) => o.metadata?.name;
  if (field === 'metadata.namespace') return spec.namespaced ? (o) => o.metadata?.namespace : () => '';
  return spec.selectableFields?.[field];
}
