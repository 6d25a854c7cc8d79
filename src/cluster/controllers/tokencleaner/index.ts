// The token cleaner (kube-controller-manager's tokencleaner): bootstrap token Secrets in kube-system whose
// `expiration` has passed are deleted, each at its expiry (work queue addAfter). The authenticator already
// refuses them; this keeps `skiff token list` and the namespace clean.
import type { Secret } from 'kubernetes-types/core/v1.js';
import type { Controller, ControllerContext, ReconcileResult } from '../../client/types.ts';
import { createInformerFactory, createWorkQueue, namespacedClient, runWorkers } from '../../client/index.ts';
import { objectKey, type KObject } from '../../types/meta.ts';
import { R } from '../../types/gvr.ts';
import { isStatusError } from '../../types/status-error.ts';
import { logger } from '../../../lib/log.ts';

const TOKEN_TYPE = 'bootstrap.kubernetes.io/token';
const log = logger('token-cleaner');

/** when a bootstrap token Secret expires (ms since the epoch); undefined for other Secrets and tokens without one */
export function expirationOf(s: Secret): number | undefined {
  if (s.type !== TOKEN_TYPE || !s.data?.expiration) return undefined;
  const at = Date.parse(Buffer.from(s.data.expiration, 'base64').toString('utf8'));
  return Number.isNaN(at) ? undefined : at;
}

export function createTokenCleaner(ctx: ControllerContext): Controller {
  const name = 'token-cleaner';
  // kube-system's Secrets only (a factory of its own over a namespaced view: not every Secret of the cluster)
  const informers = createInformerFactory(namespacedClient(ctx.client, 'kube-system'));
  const secrets = informers.informer<Secret & KObject>(R.secrets);
  const queue = createWorkQueue({ name });
  const enqueue = (s: Secret & KObject) => {
    const at = expirationOf(s);
    if (at !== undefined) queue.addAfter(objectKey(s), Math.max(0, at - ctx.now().getTime()));
  };
  secrets.on({ add: enqueue, update: (_, s) => enqueue(s) });

  async function reconcile(key: string): Promise<ReconcileResult> {
    const s = secrets.get(key);
    const at = s ? expirationOf(s) : undefined;
    if (!s || at === undefined) return;
    const left = at - ctx.now().getTime();
    if (left > 0) return { requeueAfterMs: left };
    try {
      await ctx.client.delete(R.secrets, 'kube-system', s.metadata?.name ?? '', { preconditions: { uid: s.metadata?.uid } });
      log.info('deleted an expired bootstrap token', { secret: s.metadata?.name });
    } catch (err) {
      if (!isStatusError(err, 'NotFound') && !isStatusError(err, 'Conflict')) throw err;
    }
  }

  return {
    name,
    async run(signal) {
      informers.start(signal);
      try {
        await informers.waitForSync(signal);
      } catch {
        return;
      }
      await runWorkers(queue, 1, reconcile, signal, name);
    },
  };
}
