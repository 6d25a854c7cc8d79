// The ServiceAccount token authenticator (kube's JWT token authenticator with the ServiceAccount validator):
// a token signed by this server's key, for this issuer, with an audience the API server accepts, not expired
// (60 s of leeway for clocks, as kube), whose account — and the pod, secret or node it is bound to — still
// exists with the same uid; or a legacy token (legacy.ts) its Secret still holds. Anything else passes to the
// next authenticator in the chain (or 401).
import type { KeyObject } from 'node:crypto';
import type { ApiClient } from '../client/types.ts';
import type { GVR, KObject } from '../types/meta.ts';
import { R } from '../types/gvr.ts';
import { isStatusError } from '../types/status-error.ts';
import type { TokenAuthenticator } from '../server/authn.ts';
import { logger } from '../../lib/log.ts';
import { verifyJwt } from './jwt.ts';
import { parseClaims, userOf, type Ref } from './claims.ts';
import { legacyUserOf, parseLegacyClaims, type LegacyClaims } from './legacy.ts';

const log = logger('serviceaccount');
const LEEWAY_S = 60;

export interface AuthenticatorOptions {
  client: ApiClient;
  publicKey: KeyObject;
  issuer: string;
  /** the audiences the API server accepts (kube-apiserver --api-audiences; default: the issuer) */
  audiences: string[];
  now?: () => Date;
}

/** the object still there with this uid (a deleted and re-made one does not count; a terminating pod still
 * does, it needs the API while it shuts down) */
async function stillThere(client: ApiClient, r: GVR, namespace: string | undefined, ref: Ref): Promise<boolean> {
  try {
    const o = await client.get<KObject>(r, namespace, ref.name);
    return o.metadata?.uid === ref.uid;
  } catch (err) {
    if (isStatusError(err, 'NotFound')) return false;
    throw err;
  }
}

/** a legacy token: its Secret still holds exactly it, and its account is there with the uid it names */
async function legacyUser(client: ApiClient, token: string, c: LegacyClaims) {
  try {
    const secret = await client.get<KObject & { data?: Record<string, string> }>(R.secrets, c.namespace, c.secretName);
    if (secret.metadata?.deletionTimestamp || Buffer.from(secret.data?.token ?? '', 'base64').toString('utf8') !== token) return undefined;
  } catch (err) {
    if (isStatusError(err, 'NotFound')) return undefined;
    throw err;
  }
  if (!(await stillThere(client, R.serviceaccounts, c.namespace, { name: c.serviceAccountName, uid: c.serviceAccountUid }))) return undefined;
  return legacyUserOf(c);
}

export function createServiceAccountAuthenticator(o: AuthenticatorOptions): TokenAuthenticator {
  const now = o.now ?? (() => new Date());
  return async (token) => {
    if (!token.startsWith('eyJ')) return undefined; // not a JWT (static or bootstrap token): not ours to look at
    const raw = verifyJwt(token, o.publicKey);
    const legacy = raw && parseLegacyClaims(raw);
    if (legacy) return legacyUser(o.client, token, legacy);
    const c = raw && parseClaims(raw);
    if (!c || c.iss !== o.issuer) return undefined;
    const why = (reason: string) => {
      log.debug('service account token refused', { sub: c.sub, reason });
      return undefined;
    };
    if (!c.aud.some((a) => o.audiences.includes(a))) return why('token audiences do not match the API server');
    const t = now().getTime() / 1000;
    if (t > c.exp + LEEWAY_S) return why('service account token has expired');
    if (c.nbf && t < c.nbf - LEEWAY_S) return why('service account token is not valid yet');
    const k = c['kubernetes.io'];
    if (!(await stillThere(o.client, R.serviceaccounts, k.namespace, k.serviceaccount))) return why(`service account ${k.namespace}/${k.serviceaccount.name} is gone or was re-made`);
    if (k.pod && !(await stillThere(o.client, R.pods, k.namespace, k.pod))) return why(`pod ${k.namespace}/${k.pod.name} it is bound to is gone`);
    if (k.secret && !(await stillThere(o.client, R.secrets, k.namespace, k.secret))) return why(`secret ${k.namespace}/${k.secret.name} it is bound to is gone`);
    if (k.node && !k.pod && !(await stillThere(o.client, R.nodes, undefined, k.node))) return why(`node ${k.node.name} it is bound to is gone`);
    return userOf(c);
  };
}
