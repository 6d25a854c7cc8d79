// The token controller (kube-controller-manager's serviceaccount-token-controller): a Secret of type
// kubernetes.io/service-account-token naming an account (annotation kubernetes.io/service-account.name) gets
// a legacy, non-expiring token for it, the cluster CA and the namespace in its data (and the account's uid
// annotation); a Secret whose account does not exist (or is another one by uid) is deleted, and so are an
// account's token Secrets when the account goes.
import type { Secret, ServiceAccount } from 'kubernetes-types/core/v1.js';
import type { Controller, ControllerContext, ReconcileResult } from '../../client/types.ts';
import { createWorkQueue, runWhenSynced } from '../../client/index.ts';
import { objectKey, type KObject } from '../../types/meta.ts';
import { R } from '../../types/gvr.ts';
import { isStatusError } from '../../types/status-error.ts';
import { legacyTokenClaims, SA_NAME_ANNOTATION, SA_UID_ANNOTATION, SERVICE_ACCOUNT_TOKEN_TYPE } from '../../serviceaccount/index.ts';

type S = Secret & KObject;
type SA = ServiceAccount & KObject;

export interface TokenControllerOptions {
  /** the cluster CA (PEM) put in each Secret as ca.crt */
  rootCA: string;
  /** signs a token's claims with the ServiceAccount key (kube-controller-manager --service-account-private-key-file) */
  sign(claims: Record<string, unknown>): string;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');
const text = (s: S, key: string) => (s.data?.[key] !== undefined ? Buffer.from(s.data[key], 'base64').toString('utf8') : undefined);

export function createTokensController(ctx: ControllerContext, o: TokenControllerOptions): Controller {
  const name = 'serviceaccount-token-controller';
  const secrets = ctx.informers.informer<S>(R.secrets);
  const accounts = ctx.informers.informer<SA>(R.serviceaccounts);
  const queue = createWorkQueue({ name });
  const onSecret = (s: S) => { if (s.type === SERVICE_ACCOUNT_TOKEN_TYPE) queue.add(objectKey(s)); };
  secrets.on({ add: onSecret, update: (_, s) => onSecret(s) });
  // an account gone: its token Secrets are looked at again (and deleted)
  accounts.on({ delete: (sa) => { for (const s of secrets.list(sa.metadata?.namespace)) if (s.type === SERVICE_ACCOUNT_TOKEN_TYPE && s.metadata?.annotations?.[SA_NAME_ANNOTATION] === sa.metadata?.name) queue.add(objectKey(s)); } });

  /** the account from the cache, else from the server (made a moment ago, the cache behind) */
  async function accountOf(ns: string, saName: string): Promise<SA | undefined> {
    const cached = accounts.get(`${ns}/${saName}`);
    if (cached) return cached;
    try {
      return await ctx.client.get<SA>(R.serviceaccounts, ns, saName);
    } catch (err) {
      if (isStatusError(err, 'NotFound')) return undefined;
      throw err;
    }
  }

  async function sync(key: string): Promise<ReconcileResult> {
    const s = secrets.get(key);
    if (!s || s.type !== SERVICE_ACCOUNT_TOKEN_TYPE || s.metadata?.deletionTimestamp) return;
    const ns = s.metadata?.namespace ?? '';
    const saName = s.metadata?.annotations?.[SA_NAME_ANNOTATION] ?? '';
    const wantUid = s.metadata?.annotations?.[SA_UID_ANNOTATION];
    const sa = saName ? await accountOf(ns, saName) : undefined;
    try {
      if (!sa || (wantUid && wantUid !== sa.metadata?.uid)) {
        await ctx.client.delete(R.secrets, ns, s.metadata?.name ?? '', { preconditions: { uid: s.metadata?.uid } });
        return;
      }
      const uid = sa.metadata?.uid ?? '';
      const token = text(s, 'token') || o.sign(legacyTokenClaims({ namespace: ns, secretName: s.metadata?.name ?? '', serviceAccountName: saName, serviceAccountUid: uid }));
      if (text(s, 'token') === token && text(s, 'ca.crt') === o.rootCA && text(s, 'namespace') === ns && wantUid === uid) return;
      const next: S = {
        ...s,
        metadata: { ...s.metadata, annotations: { ...s.metadata?.annotations, [SA_NAME_ANNOTATION]: saName, [SA_UID_ANNOTATION]: uid } },
        data: { ...s.data, token: b64(token), 'ca.crt': b64(o.rootCA), namespace: b64(ns) },
      };
      await ctx.client.update(R.secrets, ns, next);
    } catch (err) {
      if (isStatusError(err, 'NotFound')) return; // the Secret went meanwhile
      if (isStatusError(err, 'Conflict')) return { requeueAfterMs: 200 }; // our cache is behind: look again
      throw err;
    }
  }

  return { name, run: (signal) => runWhenSynced(ctx.informers, queue, 2, sync, signal, name) };
}
