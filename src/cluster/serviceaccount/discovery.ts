// ServiceAccount issuer discovery (kube's pkg/serviceaccount/openidmetadata.go): the OpenID provider
// configuration at /.well-known/openid-configuration and the signing key set at /openid/v1/jwks, so that
// relying parties (a cloud's workload identity, Vault) can verify this cluster's ServiceAccount tokens.
// Served to callers RBAC allows (system:service-account-issuer-discovery: every ServiceAccount).
import type { SigningKey } from './keys.ts';

export const OPENID_CONFIGURATION_PATH = '/.well-known/openid-configuration';
export const JWKS_PATH = '/openid/v1/jwks';

export interface IssuerDiscovery {
  openidConfiguration: object;
  jwks: object;
}

/** the two documents for this issuer and key (jwks_uri: the issuer's host with kube's path, as kube without --service-account-jwks-uri) */
export function issuerDiscovery(issuer: string, key: SigningKey): IssuerDiscovery {
  const { n, e } = key.publicKey.export({ format: 'jwk' });
  return {
    openidConfiguration: {
      issuer, jwks_uri: new URL(JWKS_PATH, issuer).toString(),
      response_types_supported: ['id_token'], subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['RS256'],
    },
    jwks: { keys: [{ use: 'sig', kty: 'RSA', kid: key.kid, alg: 'RS256', n, e }] },
  };
}
