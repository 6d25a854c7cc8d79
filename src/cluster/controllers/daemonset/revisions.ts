// ControllerRevisions of a DaemonSet (the shared history room does the work): one per distinct template, named
// `<ds>-<template hash>` as the DaemonSet controller names them, renumbered as the newest when the DaemonSet goes
// back to an old template, pruned beyond spec.revisionHistoryLimit (default 10) when no pod uses them.
import type { ApiClient } from '../../client/types.ts';
import { R } from '../../types/gvr.ts';
import { isStatusError } from '../../types/status-error.ts';
import { newRevision, nextRevision, renumberRevision, revisionHashLabel, templatePatch, truncateHistory } from '../history/index.ts';
import type { Revision } from '../history/index.ts';
import type { DaemonSetObject } from './pods.ts';

const hashOf = (r: Revision) => r.metadata?.labels?.[revisionHashLabel];

export async function ensureRevision(client: ApiClient, ds: DaemonSetObject, hash: string, existing: Revision[], hashesInUse: Set<string>): Promise<void> {
  const next = nextRevision(existing);
  const current = existing.find((r) => hashOf(r) === hash);
  if (current) {
    if ((current.revision ?? 0) < next - 1) await renumberRevision(client, current, next);
  } else {
    const owner = { owner: ds, ownerKind: { apiVersion: 'apps/v1', kind: 'DaemonSet' }, labels: ds.spec?.template?.metadata?.labels };
    try {
      await client.create(R.controllerrevisions, ds.metadata?.namespace, newRevision(owner, templatePatch(ds.spec?.template), next, hash));
    } catch (err) {
      if (!isStatusError(err, 'AlreadyExists')) throw err;
    }
  }
  const live = new Set(existing.filter((r) => hashOf(r) === hash || hashesInUse.has(hashOf(r) ?? '')).map((r) => r.metadata?.name ?? ''));
  await truncateHistory(client, existing, live, ds.spec?.revisionHistoryLimit ?? 10);
}
