// A StatefulSet's revisions (getStatefulSetRevisions): the update revision is the set's template as it is now
// (an existing equal revision is reused, renumbered when it is not the newest: a rollback), the current revision
// the one status.currentRevision names (the update revision on the first sync).
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { ApiClient } from '../../client/types.ts';
import { createRevision, equalRevisions, nextRevision, renumberRevision, sortRevisions, templateOf, templatePatch } from '../history/index.ts';
import type { Revision } from '../history/index.ts';
import { stsKind } from './identity.ts';
import type { StatefulSetObject } from './identity.ts';

export interface SetRevisions {
  current: Revision;
  update: Revision;
  collisionCount: number;
}

export async function statefulSetRevisions(client: ApiClient, set: StatefulSetObject, existing: readonly Revision[]): Promise<SetRevisions> {
  const revisions = sortRevisions(existing);
  let collisionCount = set.status?.collisionCount ?? 0;
  const data = templatePatch(set.spec?.template);
  const next = nextRevision(revisions);
  const equal = equalRevisions(revisions, data);
  const latest = revisions.at(-1);
  let update: Revision;
  if (equal.length > 0 && equal.at(-1)?.metadata?.name === latest?.metadata?.name) update = latest!;
  else if (equal.length > 0) update = await renumberRevision(client, equal.at(-1)!, next);
  else {
    const owner = { owner: set, ownerKind: stsKind, labels: set.spec?.template?.metadata?.labels };
    const made = await createRevision(client, owner, data, next, collisionCount);
    update = made.revision;
    collisionCount = made.collisionCount;
  }
  const current = revisions.find((r) => r.metadata?.name === set.status?.currentRevision) ?? update;
  return { current, update, collisionCount };
}

/** ApplyRevision: the template the set has at that revision. */
export const templateAt = (revision: Revision): PodTemplateSpec => templateOf(revision);
