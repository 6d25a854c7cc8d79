// ControllerRevisions of a DaemonSet (the shared history room does the work): one per distinct template, named
// `<ds>-<template hash>` as the DaemonSet controller names them, renumbered as the newest when the DaemonSet goes
// back to an old template, pruned beyond spec.revisionHistoryLimit (default 10) when no pod uses them; a name held by
// other data (a hash collision) bumps status.collisionCount, which the template hash includes.
import type { ApiClient } from '../../client/types.ts';
import { R } from '../../types/gvr.ts';
import { isStatusError } from '../../types/status-error.ts';
import { canonicalJson } from '../util.ts';
import { newRevision, nextRevision, renumberRevision, revisionHashLabel, templatePatch, truncateHistory } from '../history/index.ts';
import type { Revision } from '../history/index.ts';
import type { DaemonSetObject } from './pods.ts';

const hashOf = (r: Revision) => r.metadata?.labels?.[revisionHashLabel];

/**
 * The name is taken: ours with the same template is fine; another owner's, or other data, is a hash collision —
 * count it in status.collisionCount (the template hash includes it, so the next sync picks a new name) and retry.
 */
async function checkCollision(client: ApiClient, ds: DaemonSetObject, revision: Revision, err: unknown): Promise<void> {
  const ns = ds.metadata?.namespace;
  const existing = await client.get<Revision>(R.controllerrevisions, ns, revision.metadata?.name ?? '');
  const ours = existing.metadata?.ownerReferences?.some((r) => r.controller && r.uid === ds.metadata?.uid);
  if (ours && canonicalJson(existing.data) === canonicalJson(revision.data)) return;
  const current = await client.get<DaemonSetObject>(R.daemonsets, ns, ds.metadata?.name ?? '');
  const status = { ...current.status, collisionCount: (current.status?.collisionCount ?? 0) + 1 };
  await client.update(R.daemonsets, ns, { ...current, status }, { subresource: 'status' });
  throw err;
}

export async function ensureRevision(client: ApiClient, ds: DaemonSetObject, hash: string, existing: Revision[], hashesInUse: Set<string>): Promise<void> {
  const next = nextRevision(existing);
  const current = existing.find((r) => hashOf(r) === hash);
  if (current) {
    if ((current.revision ?? 0) < next - 1) await renumberRevision(client, current, next);
  } else {
    const owner = { owner: ds, ownerKind: { apiVersion: 'apps/v1', kind: 'DaemonSet' }, labels: ds.spec?.template?.metadata?.labels };
    const revision = newRevision(owner, templatePatch(ds.spec?.template), next, hash);
    try {
      await client.create(R.controllerrevisions, ds.metadata?.namespace, revision);
    } catch (err) {
      if (!isStatusError(err, 'AlreadyExists')) throw err;
      await checkCollision(client, ds, revision, err);
    }
  }
  const live = new Set(existing.filter((r) => hashOf(r) === hash || hashesInUse.has(hashOf(r) ?? '')).map((r) => r.metadata?.name ?? ''));
  await truncateHistory(client, existing, live, ds.spec?.revisionHistoryLimit ?? 10);
}
