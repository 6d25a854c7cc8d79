// The live set of served kinds: the built-in table (./registry.ts) plus the kinds other parts install at run
// time (a CustomResourceDefinition's versions, a second version of a built-in kind). The REST layer, the watch
// cache, discovery, the HTTP router, tables and OpenAPI read it on each request, and listen for changes.
import type { GVR } from './meta.ts';
import type { ResourceSpec } from './resource.ts';

export interface ResourceSetChange {
  added: readonly ResourceSpec[];
  removed: readonly ResourceSpec[];
}

export interface ResourceSet {
  /** every served spec: the built-ins in table order, then the installed ones in the order installed */
  list(): readonly ResourceSpec[];
  /** bumped on every change (consumers rebuild what they derive from the set when it moved) */
  generation(): number;
  find(r: GVR): ResourceSpec | undefined;
  /** the stored version of a kind (the spec without `conversion`), as a GC or namespace walk needs */
  byKind(group: string, kind: string): ResourceSpec | undefined;
  /** the specs `owner` serves are now `specs` (none: it serves nothing); listeners hear what was added and removed */
  replace(owner: string, specs: readonly ResourceSpec[]): void;
  /** called synchronously on every change; returns the unsubscribe */
  onChange(listener: (change: ResourceSetChange) => void): () => void;
}

const gvrKey = (r: GVR) => `${r.group}/${r.version}/${r.resource}`;

export function createResourceSet(builtins: readonly ResourceSpec[]): ResourceSet {
  const owned = new Map<string, readonly ResourceSpec[]>();
  const listeners = new Set<(change: ResourceSetChange) => void>();
  let gen = 0;
  let all: readonly ResourceSpec[] = builtins;
  let byGVR = new Map<string, ResourceSpec>();
  let byKind = new Map<string, ResourceSpec>();

  /** the first spec of a GVR wins: a built-in can never be shadowed by an installed kind */
  function rebuild() {
    all = [...builtins, ...[...owned.values()].flat()];
    byGVR = new Map();
    byKind = new Map();
    for (const s of all) {
      if (!byGVR.has(gvrKey(s))) byGVR.set(gvrKey(s), s);
      const k = `${s.group}/${s.kind}`;
      if (!s.conversion && !byKind.has(k)) byKind.set(k, s);
    }
    for (const s of all) if (!byKind.has(`${s.group}/${s.kind}`)) byKind.set(`${s.group}/${s.kind}`, s);
  }
  rebuild();

  return {
    list: () => all,
    generation: () => gen,
    find: (r) => byGVR.get(gvrKey(r)),
    byKind: (group, kind) => byKind.get(`${group}/${kind}`),
    replace(owner, specs) {
      const before = owned.get(owner) ?? [];
      if (before.length === 0 && specs.length === 0) return;
      if (specs.length === 0) owned.delete(owner);
      else owned.set(owner, specs);
      gen++;
      rebuild();
      const change = { added: specs, removed: before };
      for (const l of [...listeners]) l(change);
    },
    onChange(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}

/** A fixed list as a set (tests and callers that serve the built-ins only) */
export const asResourceSet = (r: readonly ResourceSpec[] | ResourceSet): ResourceSet => ('replace' in r ? r : createResourceSet(r));
