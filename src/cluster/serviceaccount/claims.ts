// ServiceAccount token claims, as kube's pkg/serviceaccount/claims.go writes them: the registered claims
// (iss, sub, aud, exp, iat, nbf, jti) plus a private `kubernetes.io` claim naming the namespace, the account
// and, for a bound token, the pod/secret/node it lives and dies with. The user a valid token names is
// system:serviceaccount:<ns>:<name> with kube's groups and extra.
import { randomUUID } from 'node:crypto';
import type { ApiUser } from '../apiserver/http/index.ts';

export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

export interface Ref { name: string; uid: string }

/** the private claim */
export interface KubeClaim {
  namespace: string;
  serviceaccount: Ref;
  pod?: Ref;
  secret?: Ref;
  node?: Ref;
}

export interface TokenClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  jti: string;
  'kubernetes.io': KubeClaim;
}

export const serviceAccountUsername = (namespace: string, name: string) => `system:serviceaccount:${namespace}:${name}`;

/** the claims of a new token for `kube`, valid `expirationSeconds` from now */
export function tokenClaims(o: { issuer: string; audiences: string[]; expirationSeconds: number; now: Date; kube: KubeClaim }): TokenClaims {
  const iat = Math.floor(o.now.getTime() / 1000);
  return {
    aud: o.audiences, exp: iat + o.expirationSeconds, iat, iss: o.issuer, jti: randomUUID(),
    'kubernetes.io': o.kube, nbf: iat, sub: serviceAccountUsername(o.kube.namespace, o.kube.serviceaccount.name),
  };
}

const isRef = (v: unknown): v is Ref => typeof v === 'object' && v !== null && typeof (v as Ref).name === 'string' && typeof (v as Ref).uid === 'string';

/** the claims when they have kube's shape (numbers, strings, the private claim), else undefined */
export function parseClaims(c: Record<string, unknown>): TokenClaims | undefined {
  const k = c['kubernetes.io'] as Partial<KubeClaim> | undefined;
  if (typeof c.iss !== 'string' || typeof c.sub !== 'string' || typeof c.exp !== 'number' || typeof k !== 'object' || k === null) return undefined;
  if (typeof k.namespace !== 'string' || !isRef(k.serviceaccount)) return undefined;
  for (const f of ['pod', 'secret', 'node'] as const) if (k[f] !== undefined && !isRef(k[f])) return undefined;
  const aud = typeof c.aud === 'string' ? [c.aud] : Array.isArray(c.aud) ? c.aud.filter((a): a is string => typeof a === 'string') : [];
  const num = (v: unknown) => (typeof v === 'number' ? v : 0);
  return { iss: c.iss, sub: c.sub, aud, exp: c.exp, iat: num(c.iat), nbf: num(c.nbf), jti: typeof c.jti === 'string' ? c.jti : '', 'kubernetes.io': k as KubeClaim };
}

/** the user a token's claims name (kube's groups; extra for pod/node-bound tokens and the credential id) */
export function userOf(c: TokenClaims): ApiUser {
  const k = c['kubernetes.io'];
  const extra: Record<string, string[]> = {};
  if (k.pod) Object.assign(extra, { 'authentication.kubernetes.io/pod-name': [k.pod.name], 'authentication.kubernetes.io/pod-uid': [k.pod.uid] });
  if (k.node) Object.assign(extra, { 'authentication.kubernetes.io/node-name': [k.node.name], 'authentication.kubernetes.io/node-uid': [k.node.uid] });
  if (c.jti) extra['authentication.kubernetes.io/credential-id'] = [`JTI=${c.jti}`];
  return {
    name: serviceAccountUsername(k.namespace, k.serviceaccount.name), uid: k.serviceaccount.uid,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${k.namespace}`, 'system:authenticated'], extra,
  };
}
