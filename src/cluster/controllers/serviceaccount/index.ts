// The ServiceAccounts controller (kube-controller-manager's serviceaccount-controller): every active
// namespace has a `default` ServiceAccount — made when the namespace appears, made again when it is deleted.
// A terminating namespace gets none (its content is being removed).
import type { Namespace } from 'kubernetes-types/core/v1.js';
import type { Controller, ControllerContext, ReconcileResult } from '../../client/types.ts';
import { createWorkQueue, runWhenSynced } from '../../client/index.ts';
import type { KObject } from '../../types/meta.ts';
import { R } from '../../types/gvr.ts';
import { isStatusError } from '../../types/status-error.ts';

/** the accounts every namespace has (kube's --service-account-names default) */
export const DEFAULT_SERVICE_ACCOUNTS = ['default'];

const isTerminating = (ns: Namespace & KObject) => !!ns.metadata?.deletionTimestamp || ns.status?.phase === 'Terminating';

export function createServiceAccountsController(ctx: ControllerContext, names: readonly string[] = DEFAULT_SERVICE_ACCOUNTS): Controller {
  const name = 'serviceaccount-controller';
  const namespaces = ctx.informers.informer<Namespace & KObject>(R.namespaces);
  const accounts = ctx.informers.informer(R.serviceaccounts);
  const queue = createWorkQueue({ name });
  namespaces.on({ add: (ns) => queue.add(ns.metadata?.name ?? ''), update: (_, ns) => queue.add(ns.metadata?.name ?? '') });
  // one of ours deleted: its namespace is looked at again
  accounts.on({ delete: (sa) => { if (names.includes(sa.metadata?.name ?? '')) queue.add(sa.metadata?.namespace ?? ''); } });

  async function sync(ns: string): Promise<ReconcileResult> {
    const n = namespaces.get(ns);
    if (!n || isTerminating(n)) return;
    for (const sa of names) {
      if (accounts.get(`${ns}/${sa}`)) continue;
      try {
        await ctx.client.create(R.serviceaccounts, ns, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa, namespace: ns } });
      } catch (err) {
        // made meanwhile (the cache lags), or the namespace went or is going: nothing to do
        if (isStatusError(err, 'AlreadyExists') || isStatusError(err, 'NotFound') || isStatusError(err, 'Forbidden')) continue;
        throw err;
      }
    }
  }

  return { name, run: (signal) => runWhenSynced(ctx.informers, queue, 2, sync, signal, name) };
}
