// The TokenRequest subresource (POST serviceaccounts/<name>/token, `kubectl create token`), as kube's
// pkg/registry/core/serviceaccount/storage/token.go: audiences (default: the API server's), expirationSeconds
// (default 1 h, at least 10 minutes), an optional boundObjectRef to a Pod, Secret or Node whose uid must still
// match — a pod-bound token also names the pod's node — and the signed JWT with its expiry in status.
import type { ApiClient } from '../client/types.ts';
import type { GVR, KObject } from '../types/meta.ts';
import { R } from '../types/gvr.ts';
import { badRequestError, conflictError, invalid, invalidError, type FieldError } from '../types/status-error.ts';
import { signJwt } from './jwt.ts';
import { tokenClaims, type KubeClaim, type Ref } from './claims.ts';
import type { SigningKey } from './keys.ts';

export const DEFAULT_EXPIRATION_SECONDS = 3600;
const MIN_EXPIRATION_SECONDS = 600;
const MAX_EXPIRATION_SECONDS = 2 ** 32;
const TOKEN_REQUEST = { group: 'authentication.k8s.io', kind: 'TokenRequest' };

interface BoundObjectRef { kind?: string; apiVersion?: string; name?: string; uid?: string }
interface TokenRequestSpec { audiences?: unknown; expirationSeconds?: unknown; boundObjectRef?: BoundObjectRef | null }

/** issues a TokenRequest's token for the account `name` in `namespace`; client is the REST layer */
export type TokenRequestIssuer = (client: ApiClient, namespace: string, name: string, request: KObject, o: { dryRun?: boolean }) => Promise<KObject>;

export interface TokenIssuerOptions {
  key: SigningKey;
  issuer: string;
  /** the API server's audiences: a request naming none gets these */
  audiences: string[];
  /** kube-apiserver --service-account-max-token-expiration (seconds); unset: no cap */
  maxExpirationSeconds?: number;
  now?: () => Date;
}

/** the request's spec, defaulted and checked (kube's ValidateTokenRequest) */
function checkSpec(spec: TokenRequestSpec): { audiences: string[]; expirationSeconds: number; ref?: BoundObjectRef } {
  const errs: FieldError[] = [];
  const auds = spec.audiences ?? [];
  if (!Array.isArray(auds) || auds.some((a) => typeof a !== 'string')) throw badRequestError('spec.audiences: must be a list of strings');
  const exp = spec.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS;
  if (typeof exp !== 'number' || !Number.isInteger(exp)) throw badRequestError('spec.expirationSeconds: must be an integer');
  if (exp < MIN_EXPIRATION_SECONDS) errs.push(invalid('spec.expirationSeconds', exp, 'may not specify a duration less than 10 minutes'));
  if (exp > MAX_EXPIRATION_SECONDS) errs.push(invalid('spec.expirationSeconds', exp, 'may not specify a duration larger than 2^32 seconds'));
  if (errs.length) throw invalidError(TOKEN_REQUEST, '', errs);
  return { audiences: auds as string[], expirationSeconds: exp, ref: spec.boundObjectRef ?? undefined };
}

/** what a bound token names: the object (uid checked against the reference), and a pod's node */
async function boundTo(client: ApiClient, namespace: string, saName: string, ref: BoundObjectRef): Promise<Partial<KubeClaim>> {
  const apiVersion = ref.apiVersion ?? '';
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  const kind = ref.kind ?? '';
  const targets: Record<string, { r: GVR; namespaced: boolean }> = { Pod: { r: R.pods, namespaced: true }, Secret: { r: R.secrets, namespaced: true }, Node: { r: R.nodes, namespaced: false } };
  const t = group === '' ? targets[kind] : undefined;
  if (!t) throw badRequestError(`cannot bind token to object of type ${group ? `${group}/` : ''}${apiVersion.split('/').pop() ?? ''}, Kind=${kind}`);
  const obj = await client.get<KObject & { spec?: { serviceAccountName?: string; nodeName?: string } }>(t.r, t.namespaced ? namespace : undefined, ref.name ?? '');
  const uid = obj.metadata?.uid ?? '';
  if (kind === 'Pod' && obj.spec?.serviceAccountName !== saName) throw badRequestError(`cannot bind token for serviceaccount "${saName}" to pod running with different serviceaccount name.`);
  if (ref.uid && ref.uid !== uid) {
    throw conflictError({ group, resource: kind }, ref.name ?? '', `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
  }
  const self: Ref = { name: obj.metadata?.name ?? '', uid };
  if (kind === 'Secret') return { secret: self };
  if (kind === 'Node') return { node: self };
  // a pod's token also names the node it runs on (kube's ServiceAccountTokenPodNodeInfo), when that is known
  const nodeName = obj.spec?.nodeName;
  const node = nodeName ? await client.get(R.nodes, undefined, nodeName).catch(() => undefined) : undefined; // a node not (yet) registered: the token names none
  return { pod: self, ...(node ? { node: { name: nodeName!, uid: node.metadata?.uid ?? '' } } : {}) };
}

export function createTokenRequestIssuer(o: TokenIssuerOptions): TokenRequestIssuer {
  const now = o.now ?? (() => new Date());
  return async (client, namespace, name, request, opts) => {
    const meta = request.metadata ?? {};
    if (meta.name && meta.name !== name) throw invalidError(TOKEN_REQUEST, name, [invalid('metadata.name', meta.name, 'must match the service account name if specified')]);
    if (meta.namespace && meta.namespace !== namespace) throw invalidError(TOKEN_REQUEST, name, [invalid('metadata.namespace', meta.namespace, 'must match the service account namespace if specified')]);
    const spec = checkSpec((request.spec ?? {}) as TokenRequestSpec);
    const sa = await client.get(R.serviceaccounts, namespace, name);
    const bound = spec.ref ? await boundTo(client, namespace, name, spec.ref) : {};
    const audiences = spec.audiences.length ? spec.audiences : o.audiences;
    const expirationSeconds = o.maxExpirationSeconds ? Math.min(spec.expirationSeconds, o.maxExpirationSeconds) : spec.expirationSeconds;
    const claims = tokenClaims({ issuer: o.issuer, audiences, expirationSeconds, now: now(), kube: { namespace, serviceaccount: { name, uid: sa.metadata?.uid ?? '' }, ...bound } });
    const expirationTimestamp = new Date(claims.exp * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    return {
      apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest',
      metadata: { name, namespace },
      spec: { audiences, expirationSeconds: spec.expirationSeconds, ...(spec.ref ? { boundObjectRef: spec.ref } : {}) },
      // a dry run issues nothing usable
      status: { token: opts.dryRun ? '' : signJwt({ ...claims }, o.key.privateKey, o.key.kid), expirationTimestamp },
    };
  };
}
