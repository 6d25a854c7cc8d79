// ControllerRevisions as the DaemonSet and StatefulSet controllers keep them (Kubernetes' pkg/controller/history):
// one immutable snapshot of the owner's pod template per distinct template, named `<owner>-<hash>`, numbered in
// the order the templates became current (going back to an old template renumbers that revision as the newest),
// carrying the owner's annotations (so `kubernetes.io/change-cause` shows in `kubectl rollout history`), and
// pruned beyond spec.revisionHistoryLimit when nothing still uses them.
import type { ControllerRevision } from 'kubernetes-types/apps/v1.js';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { ApiClient } from '../../client/types.ts';
import type { KObject } from '../../types/meta.ts';
import { R } from '../../types/gvr.ts';
import { isStatusError } from '../../types/status-error.ts';
import { canonicalJson, newControllerRef } from '../util.ts';

export type Revision = ControllerRevision & KObject;

/** apps.ControllerRevisionHashLabelKey: on revisions (and DaemonSet/StatefulSet pods) */
export const revisionHashLabel = 'controller-revision-hash';

/** The data a revision stores (getPatch in both controllers): a strategic merge patch that replaces the template. */
export function templatePatch(template: PodTemplateSpec | undefined): Record<string, unknown> {
  return { spec: { template: { ...structuredClone(template ?? {}), $patch: 'replace' } } };
}

/** The template a revision's data restores (ApplyRevision of a template-replacing patch). */
export function templateOf(revision: Revision): PodTemplateSpec {
  const t = structuredClone((revision.data as { spec?: { template?: Record<string, unknown> } } | undefined)?.spec?.template ?? {});
  delete t.$patch;
  return t as PodTemplateSpec;
}

/** 32-bit FNV-1 (Go's fnv.New32), as HashControllerRevision uses. */
function fnv32(s: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(s)) {
    h = Math.imul(h, 0x01000193) >>> 0;
    h ^= b;
  }
  return h >>> 0;
}

/** 32-bit FNV-1a (Go's fnv.New32a), as controller.ComputeHash uses for templates. */
export function fnv32a(s: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(s)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

const safeChars = 'bcdfghjklmnpqrstvwxz2456789';

/** rand.SafeEncodeString: digits spelled with letters that make no words. */
export function safeEncode(n: number): string {
  return [...String(n)].map((c) => safeChars[c.charCodeAt(0) % safeChars.length]).join('');
}

/** HashControllerRevision: FNV-1 of the data (+ the collision count when set). */
export function hashRevisionData(data: unknown, collisionCount?: number): string {
  return safeEncode(fnv32(JSON.stringify(data) + (collisionCount !== undefined ? String(collisionCount) : '')));
}

/** ControllerRevisionName: `<prefix>-<hash>`, the prefix cut to 223 characters. */
export function revisionName(prefix: string, hash: string): string {
  return `${prefix.length > 223 ? prefix.slice(0, 223) : prefix}-${hash}`;
}

/** Oldest first (SortControllerRevisions: by revision, then creation time, then name). */
export function sortRevisions(revisions: readonly Revision[]): Revision[] {
  return [...revisions].sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0) ||
    Date.parse(a.metadata?.creationTimestamp ?? '') - Date.parse(b.metadata?.creationTimestamp ?? '') ||
    (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
}

/** One more than the highest revision number (1 for none). */
export function nextRevision(revisions: readonly Revision[]): number {
  return revisions.reduce((m, r) => Math.max(m, r.revision ?? 0), 0) + 1;
}

/** FindEqualRevisions: the revisions whose data is the same (semantically), oldest first. */
export function equalRevisions(revisions: readonly Revision[], data: unknown): Revision[] {
  const want = canonicalJson(data);
  return sortRevisions(revisions.filter((r) => canonicalJson(r.data) === want));
}

export interface RevisionOwner {
  owner: KObject;
  ownerKind: { apiVersion: string; kind: string };
  /** the owner's template labels, copied onto the revision */
  labels: Record<string, string> | undefined;
}

/** NewControllerRevision: the owner's template labels + the hash label, its annotations, a controller reference. */
export function newRevision(o: RevisionOwner, data: unknown, revision: number, hash: string): Revision {
  const annotations = o.owner.metadata?.annotations;
  return {
    apiVersion: 'apps/v1', kind: 'ControllerRevision',
    metadata: {
      name: revisionName(o.owner.metadata?.name ?? '', hash),
      namespace: o.owner.metadata?.namespace,
      labels: { ...(o.labels ?? {}), [revisionHashLabel]: hash },
      ...(annotations && Object.keys(annotations).length ? { annotations: { ...annotations } } : {}),
      ownerReferences: [newControllerRef(o.owner, o.ownerKind)],
    },
    data: data as Revision['data'],
    revision,
  };
}

/**
 * CreateControllerRevision: creates the revision under the name its hash gives; when another revision with other
 * data holds that name, counts a collision and tries the next hash. Returns the revision (an existing one with
 * the same data counts) and the collision count to record in the owner's status.
 */
export async function createRevision(
  client: ApiClient, o: RevisionOwner, data: unknown, revision: number, collisionCount: number,
): Promise<{ revision: Revision; collisionCount: number }> {
  const ns = o.owner.metadata?.namespace;
  for (let collisions = collisionCount; ; collisions++) {
    const candidate = newRevision(o, data, revision, hashRevisionData(data, collisions));
    try {
      return { revision: await client.create<Revision>(R.controllerrevisions, ns, candidate), collisionCount: collisions };
    } catch (err) {
      if (!isStatusError(err, 'AlreadyExists')) throw err;
      const existing = await client.get<Revision>(R.controllerrevisions, ns, candidate.metadata?.name ?? '');
      if (canonicalJson(existing.data) === canonicalJson(data)) return { revision: existing, collisionCount: collisions };
    }
  }
}

/** UpdateControllerRevision: renumbers a revision (a rollback to it makes it the newest). */
export async function renumberRevision(client: ApiClient, r: Revision, revision: number): Promise<Revision> {
  if (r.revision === revision) return r;
  return client.patch<Revision>(R.controllerrevisions, r.metadata?.namespace, r.metadata?.name ?? '', 'merge', { revision });
}

/**
 * Keeps at most `limit` revisions that are not live (live: named in `live`, i.e. the owner's current/update
 * revisions and those its pods still run), deleting the oldest first.
 */
export async function truncateHistory(client: ApiClient, revisions: readonly Revision[], live: ReadonlySet<string>, limit: number): Promise<void> {
  const old = sortRevisions(revisions.filter((r) => !live.has(r.metadata?.name ?? '')));
  for (const r of old.slice(0, Math.max(0, old.length - Math.max(0, limit)))) {
    try {
      await client.delete(R.controllerrevisions, r.metadata?.namespace, r.metadata?.name ?? '');
    } catch (err) {
      if (!isStatusError(err, 'NotFound')) throw err;
    }
  }
}
