// Legacy ServiceAccount tokens (kube's pkg/serviceaccount/legacy.go): long-lived JWTs kept in Secrets of type
// kubernetes.io/service-account-token, which the token controller fills in. Issuer `kubernetes/serviceaccount`,
// no expiry; valid while the Secret exists holding exactly this token and the account exists with its uid.
import type { ApiUser } from '../apiserver/http/index.ts';
import { serviceAccountUsername } from './claims.ts';

export const LEGACY_ISSUER = 'kubernetes/serviceaccount';
export const SERVICE_ACCOUNT_TOKEN_TYPE = 'kubernetes.io/service-account-token';
export const SA_NAME_ANNOTATION = 'kubernetes.io/service-account.name';
export const SA_UID_ANNOTATION = 'kubernetes.io/service-account.uid';

const NS = 'kubernetes.io/serviceaccount/namespace';
const SECRET = 'kubernetes.io/serviceaccount/secret.name';
const SA_NAME = 'kubernetes.io/serviceaccount/service-account.name';
const SA_UID = 'kubernetes.io/serviceaccount/service-account.uid';

export interface LegacyClaims { namespace: string; secretName: string; serviceAccountName: string; serviceAccountUid: string }

/** the claims of a legacy token for the account's Secret */
export function legacyTokenClaims(c: LegacyClaims): Record<string, unknown> {
  return { iss: LEGACY_ISSUER, [NS]: c.namespace, [SECRET]: c.secretName, [SA_NAME]: c.serviceAccountName, [SA_UID]: c.serviceAccountUid, sub: serviceAccountUsername(c.namespace, c.serviceAccountName) };
}

/** the private claims of a legacy token, when all are there */
export function parseLegacyClaims(c: Record<string, unknown>): LegacyClaims | undefined {
  const v = [c[NS], c[SECRET], c[SA_NAME], c[SA_UID]];
  if (c.iss !== LEGACY_ISSUER || !v.every((x) => typeof x === 'string' && x !== '')) return undefined;
  const [namespace, secretName, serviceAccountName, serviceAccountUid] = v as string[];
  return { namespace, secretName, serviceAccountName, serviceAccountUid };
}

export function legacyUserOf(c: LegacyClaims): ApiUser {
  return {
    name: serviceAccountUsername(c.namespace, c.serviceAccountName), uid: c.serviceAccountUid,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${c.namespace}`, 'system:authenticated'],
  };
}
