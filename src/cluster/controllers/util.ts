// What every owning controller shares (Kubernetes' pkg/controller/controller_{ref_manager,utils}.go):
// controller references, claiming objects by selector (adopt orphans, release what no longer matches),
// expectations (so a lagging informer never makes a controller create or delete twice), slow-start batches.
import type { ApiClient } from '../client/types.ts';
import type { GVR, KObject, OwnerReference } from '../types/meta.ts';
import { isStatusError } from '../types/status-error.ts';

/** The owner reference with controller: true, if any. */
export function getControllerOf(obj: { metadata?: KObject['metadata'] }): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

/** metav1.NewControllerRef: controller and blockOwnerDeletion both true. */
export function newControllerRef(owner: KObject, gvk: { apiVersion: string; kind: string }): OwnerReference {
  return {
    apiVersion: gvk.apiVersion,
    kind: gvk.kind,
    name: owner.metadata?.name ?? '',
    uid: owner.metadata?.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

export interface ClaimOptions<T extends KObject> {
  client: ApiClient;
  /** the resource of the claimed objects (pods, replicasets) */
  resource: GVR;
  owner: KObject;
  ownerKind: { apiVersion: string; kind: string };
  /** the owner's selector applied to a candidate's labels */
  matches(obj: T): boolean;
  /**
   * Asked once, before the first adoption: may the owner still adopt (Kubernetes re-reads the owner from the
   * API server: same uid, not being deleted)? Guards against adopting for a stale cached owner.
   */
  canAdopt?(): Promise<boolean>;
}

/**
 * ClaimObjects: returns the objects the owner controls after this call. Owned and matching: kept. Owned
 * but no longer matching: released (our ownerReference removed). Orphans that match: adopted (a controller
 * reference added). Objects of other controllers are left alone. Writes carry the object's resourceVersion,
 * so a concurrent change fails with Conflict (thrown after the other claims; the caller retries).
 */
export async function claimObjects<T extends KObject>(candidates: T[], o: ClaimOptions<T>): Promise<T[]> {
  const ownerUid = o.owner.metadata?.uid;
  const ownerDeleting = !!o.owner.metadata?.deletionTimestamp;
  const claimed: T[] = [];
  let adoptAllowed: boolean | undefined;
  let firstError: unknown;
  for (const obj of candidates) {
    const ref = getControllerOf(obj);
    try {
      if (ref) {
        if (ref.uid !== ownerUid) continue;
        if (o.matches(obj)) claimed.push(obj);
        else if (!ownerDeleting) await releaseObject(o.client, o.resource, obj, ownerUid ?? '');
        continue;
      }
      if (ownerDeleting || !o.matches(obj) || obj.metadata?.deletionTimestamp) continue;
      if (o.owner.metadata?.namespace && o.owner.metadata.namespace !== obj.metadata?.namespace) continue;
      adoptAllowed ??= o.canAdopt ? await o.canAdopt() : true;
      if (!adoptAllowed) continue;
      claimed.push(await adoptObject(o.client, o.resource, obj, newControllerRef(o.owner, o.ownerKind)));
    } catch (err) {
      if (isStatusError(err, 'NotFound')) continue; // gone meanwhile: nothing to claim
      firstError ??= err;
    }
  }
  if (firstError) throw firstError;
  return claimed;
}

/** Adds a controller reference (merge patch of the whole list, guarded by resourceVersion). */
export async function adoptObject<T extends KObject>(client: ApiClient, resource: GVR, obj: T, ref: OwnerReference): Promise<T> {
  const refs = [...(obj.metadata?.ownerReferences ?? []).filter((r) => r.uid !== ref.uid), ref];
  const patch = { metadata: { ownerReferences: refs, resourceVersion: obj.metadata?.resourceVersion } };
  return client.patch<T>(resource, obj.metadata?.namespace, obj.metadata?.name ?? '', 'merge', patch);
}

/** Removes the owner's reference (merge patch of the remaining list, guarded by resourceVersion). */
export async function releaseObject<T extends KObject>(client: ApiClient, resource: GVR, obj: T, ownerUid: string): Promise<T> {
  const refs = (obj.metadata?.ownerReferences ?? []).filter((r) => r.uid !== ownerUid);
  const patch = { metadata: { ownerReferences: refs.length ? refs : null, resourceVersion: obj.metadata?.resourceVersion } };
  return client.patch<T>(resource, obj.metadata?.namespace, obj.metadata?.name ?? '', 'merge', patch);
}

/** Kubernetes' ExpectationsTimeout: expectations older than this are ignored (a lost watch event must not wedge a controller). */
export const expectationsTimeoutMs = 5 * 60 * 1000;

interface Expectation {
  add: number;
  del: number;
  /** keys (ns/name) of objects we asked to delete and have not yet seen go (UIDTrackingControllerExpectations) */
  deleting: Set<string>;
  at: number;
}

/**
 * ControllerExpectations (+ UID tracking for deletions): before writing, a controller records how many
 * creates / which deletes it expects to observe through its informer; it does not act on that owner again
 * until the informer has shown them all (or 5 minutes pass). Keys are the owners' `ns/name`.
 */
export interface Expectations {
  /** true when the owner may be synced: nothing recorded, all observed, or expired */
  satisfied(ownerKey: string): boolean;
  expectCreations(ownerKey: string, count: number): void;
  expectDeletions(ownerKey: string, objKeys: string[]): void;
  creationObserved(ownerKey: string): void;
  /** counts once per object key, however many events (update with deletionTimestamp, then delete) show it */
  deletionObserved(ownerKey: string, objKey: string): void;
  /** forget an owner (it was deleted) */
  delete(ownerKey: string): void;
}

export function createExpectations(now: () => number = Date.now): Expectations {
  const byOwner = new Map<string, Expectation>();
  return {
    satisfied(ownerKey) {
      const e = byOwner.get(ownerKey);
      if (!e) return true;
      return (e.add <= 0 && e.del <= 0) || now() - e.at > expectationsTimeoutMs;
    },
    expectCreations(ownerKey, count) {
      byOwner.set(ownerKey, { add: count, del: 0, deleting: new Set(), at: now() });
    },
    expectDeletions(ownerKey, objKeys) {
      byOwner.set(ownerKey, { add: 0, del: objKeys.length, deleting: new Set(objKeys), at: now() });
    },
    creationObserved(ownerKey) {
      const e = byOwner.get(ownerKey);
      if (e) e.add--;
    },
    deletionObserved(ownerKey, objKey) {
      const e = byOwner.get(ownerKey);
      if (e && e.deleting.delete(objKey)) e.del--;
    },
    delete(ownerKey) {
      byOwner.delete(ownerKey);
    },
  };
}

/**
 * Kubernetes' slowStartBatch: runs fn count times in batches of 1, 2, 4, … (in parallel within a batch),
 * stopping after the first batch with a failure, so a doomed create (quota, bad template) costs one call, not
 * hundreds. Returns how many succeeded and the first error. maxBatchSize bounds a batch (and so the calls in
 * flight): every call of a batch waits for the whole batch, so a huge batch is a huge latency for each.
 */
export async function slowStartBatch(count: number, initialBatchSize: number, fn: () => Promise<void>, maxBatchSize = Infinity): Promise<{ successes: number; error?: unknown }> {
  let remaining = count;
  let successes = 0;
  for (let batch = Math.min(remaining, initialBatchSize, maxBatchSize); batch > 0; batch = Math.min(2 * batch, remaining, maxBatchSize)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn()));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    successes += batch - failed.length;
    if (failed.length > 0) return { successes, error: failed[0].reason };
    remaining -= batch;
  }
  return { successes };
}

/** Index function for informers: objects by controller uid; orphans under `orphan/<namespace>`. */
export function controllerUidIndex(obj: KObject): string[] {
  const ref = getControllerOf(obj);
  return [ref ? ref.uid : `orphan/${obj.metadata?.namespace ?? ''}`];
}

/** JSON with sorted keys, without null/undefined and empty maps/lists (Kubernetes' semantic equality treats nil and empty alike) */
export function canonicalJson(v: unknown): string {
  const strip = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(strip);
    if (x && typeof x === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(x).sort()) {
        const s = strip((x as Record<string, unknown>)[k]);
        if (s === undefined || s === null) continue;
        if (Array.isArray(s) && s.length === 0) continue;
        if (typeof s === 'object' && !Array.isArray(s) && Object.keys(s).length === 0) continue;
        out[k] = s;
      }
      return out;
    }
    return x;
  };
  return JSON.stringify(strip(v) ?? null);
}
