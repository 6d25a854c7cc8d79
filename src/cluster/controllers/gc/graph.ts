// The garbage collector's view of ownership (pkg/controller/garbagecollector's graph, read straight off the
// shared informers): which objects depend on an owner (an index of ownerReference uids on every watched
// resource), and what state an ownerReference's owner is in, checked against the API server before anything is
// deleted because of it (the cache may lag behind a just-created owner).
import type { ApiClient, Informer, InformerFactory } from '../../client/types.ts';
import type { GVR, KObject, OwnerReference } from '../../types/meta.ts';
import { objectKey, parseApiVersion } from '../../types/meta.ts';
import { R } from '../../types/gvr.ts';
import { findByKind, gvrOf } from '../../types/registry.ts';
import { isStatusError } from '../../types/status-error.ts';
import type { ResourceSpec } from '../../types/resource.ts';

export const foregroundFinalizer = 'foregroundDeletion';
export const orphanFinalizer = 'orphan';

/** every kind that owns or is owned in this cluster (events and leases of nodes need not be collected) */
export const gcResources: GVR[] = [
  R.pods, R.replicasets, R.deployments, R.replicationcontrollers, R.daemonsets, R.statefulsets, R.jobs, R.cronjobs,
  R.controllerrevisions, R.endpointslices, R.services, R.persistentvolumeclaims,
];

const ownerIndex = 'gc:owner-uid';
export const gvrKey = (r: GVR): string => `${r.group}/${r.version}/${r.resource}`;

export interface Watched {
  resource: GVR;
  informer: Informer<KObject>;
}

export type OwnerState =
  /** exists with this uid and is not waiting for its dependents */
  | 'solid'
  /** gone, or replaced by an object of the same name with another uid */
  | 'dangling'
  /** being deleted in the foreground: its dependents go first */
  | 'waiting'
  /** a kind we do not know or cannot read: never delete because of it */
  | 'unknown';

export interface Graph {
  watched: Watched[];
  byResource(r: GVR): Watched | undefined;
  /** objects (with their resource) that name uid among their ownerReferences */
  dependentsOf(uid: string): { resource: GVR; obj: KObject }[];
  /** the watched resource and cache key of a reference's owner, if we watch that kind */
  ownerLocation(dependent: KObject, ref: OwnerReference): { resource: GVR; key: string; namespace?: string } | undefined;
  ownerState(dependent: KObject, ref: OwnerReference): Promise<OwnerState>;
}

export const isWaitingForDependents = (o: KObject): boolean =>
  !!o.metadata?.deletionTimestamp && (o.metadata.finalizers ?? []).includes(foregroundFinalizer);

export interface GraphOptions {
  /** the served kind of an owner reference (default: the built-in table); the live set finds custom kinds too */
  findKind?: (group: string, kind: string) => ResourceSpec | undefined;
  /** a custom kind named as an owner is watched from then on (its deletes make its dependents dangling) */
  onWatch?: (w: Watched) => void;
}

export function createGraph(client: ApiClient, informers: InformerFactory, resources: GVR[] = gcResources, opts: GraphOptions = {}): Graph {
  const watchOne = (resource: GVR): Watched => {
    const informer = informers.informer<KObject>(resource);
    informer.addIndex(ownerIndex, (o) => (o.metadata?.ownerReferences ?? []).map((r) => r.uid));
    return { resource, informer };
  };
  const watched: Watched[] = resources.map(watchOne);
  const byKey = new Map(watched.map((w) => [gvrKey(w.resource), w]));
  const findKind = opts.findKind ?? findByKind;

  const locate = (dependent: KObject, ref: OwnerReference) => {
    const { group } = parseApiVersion(ref.apiVersion);
    const spec = findKind(group, ref.kind);
    if (!spec) return undefined;
    if (spec.custom && !byKey.has(gvrKey(gvrOf(spec)))) {
      const w = watchOne(gvrOf(spec));
      watched.push(w);
      byKey.set(gvrKey(w.resource), w);
      opts.onWatch?.(w);
    }
    const depNs = dependent.metadata?.namespace;
    // a namespaced owner lives in its dependent's namespace; a cluster-scoped dependent cannot have one
    if (spec.namespaced && !depNs) return undefined;
    const namespace = spec.namespaced ? depNs : undefined;
    return { resource: gvrOf(spec), namespace, key: namespace ? `${namespace}/${ref.name}` : ref.name };
  };

  const stateOf = (owner: KObject | undefined, ref: OwnerReference): OwnerState => {
    if (!owner || owner.metadata?.uid !== ref.uid) return 'dangling';
    return isWaitingForDependents(owner) ? 'waiting' : 'solid';
  };

  return {
    watched,
    byResource: (r) => byKey.get(gvrKey(r)),
    dependentsOf(uid) {
      const out: { resource: GVR; obj: KObject }[] = [];
      for (const w of watched) for (const obj of w.informer.byIndex(ownerIndex, uid)) out.push({ resource: w.resource, obj });
      return out;
    },
    ownerLocation(dependent, ref) {
      const loc = locate(dependent, ref);
      return loc && byKey.has(gvrKey(loc.resource)) ? loc : undefined;
    },
    async ownerState(dependent, ref) {
      const loc = locate(dependent, ref);
      if (!loc) return 'unknown';
      const cached = byKey.get(gvrKey(loc.resource))?.informer.get(loc.key);
      const fromCache = stateOf(cached, ref);
      if (fromCache !== 'dangling') return fromCache;
      // absent from the cache: ask the API server before acting on it
      try {
        return stateOf(await client.get(loc.resource, loc.namespace, ref.name), ref);
      } catch (err) {
        if (isStatusError(err, 'NotFound')) return 'dangling';
        throw err;
      }
    },
  };
}

/** the queue key of an object of a resource */
export const itemKey = (r: GVR, obj: KObject): string => `${gvrKey(r)}|${objectKey(obj)}`;

export function parseItemKey(key: string): { gvr: string; objKey: string } {
  const i = key.indexOf('|');
  return { gvr: key.slice(0, i), objKey: key.slice(i + 1) };
}
