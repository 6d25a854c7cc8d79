// ControllerRevisions of a DaemonSet: one per distinct template, named `<ds>-<hash>`, numbered in the order the
// templates were current (a rollback back to an old template renumbers it as the newest), and pruned beyond
// spec.revisionHistoryLimit (default 10) when no pod uses them.
import type { ControllerRevision } from 'kubernetes-types/apps/v1.js';
import type { ApiClient } from '../../client/types.ts';
import type { KObject } from '../../types/meta.ts';
import { R } from '../../types/gvr.ts';
import { isStatusError } from '../../types/status-error.ts';
import { newControllerRef } from '../util.ts';
import { revisionHashLabel } from './pods.ts';
import type { DaemonSetObject } from './pods.ts';

type Revision = ControllerRevision & KObject;

const hashOf = (r: Revision) => r.metadata?.labels?.[revisionHashLabel];

/** The revision's data as Kubernetes stores it: a strategic patch that replaces the template. */
const revisionData = (ds: DaemonSetObject) => ({ spec: { template: { ...structuredClone(ds.spec?.template ?? {}), $patch: 'replace' } } });

export async function ensureRevision(client: ApiClient, ds: DaemonSetObject, hash: string, existing: Revision[], hashesInUse: Set<string>): Promise<void> {
  const ns = ds.metadata?.namespace;
  const max = existing.reduce((m, r) => Math.max(m, r.revision ?? 0), 0);
  const current = existing.find((r) => hashOf(r) === hash);
  if (current) {
    if ((current.revision ?? 0) < max) {
      await client.patch(R.controllerrevisions, ns, current.metadata?.name ?? '', 'merge', { revision: max + 1 });
    }
  } else {
    const revision: Revision = {
      apiVersion: 'apps/v1', kind: 'ControllerRevision',
      metadata: {
        name: `${ds.metadata?.name}-${hash}`, namespace: ns,
        labels: { ...(ds.spec?.template?.metadata?.labels ?? {}), [revisionHashLabel]: hash },
        ownerReferences: [newControllerRef(ds, { apiVersion: 'apps/v1', kind: 'DaemonSet' })],
      },
      data: revisionData(ds),
      revision: max + 1,
    };
    try {
      await client.create(R.controllerrevisions, ns, revision);
    } catch (err) {
      if (!isStatusError(err, 'AlreadyExists')) throw err;
    }
  }
  const limit = ds.spec?.revisionHistoryLimit ?? 10;
  const old = existing.filter((r) => hashOf(r) !== hash && !hashesInUse.has(hashOf(r) ?? '')).sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0));
  for (const r of old.slice(0, Math.max(0, old.length - limit))) {
    try {
      await client.delete(R.controllerrevisions, ns, r.metadata?.name ?? '');
    } catch (err) {
      if (!isStatusError(err, 'NotFound')) throw err;
    }
  }
}
