// ServiceAccount tokens: the signing key (keys.ts), JWTs (jwt.ts), kube's claims (claims.ts), the
// TokenRequest subresource (token-request.ts) and the authenticator the server appends to its token chain
// (authenticator.ts). The controllers (default accounts, kube-root-ca.crt), the admission plugin and the
// kubelet's token projection live in their own rooms and use only these names.
export { ensureServiceAccountKey, type SigningKey } from './keys.ts';
export { signJwt, verifyJwt, decodeJwtUnverified } from './jwt.ts';
export { DEFAULT_ISSUER, serviceAccountUsername, tokenClaims, userOf, type TokenClaims, type KubeClaim } from './claims.ts';
export { createTokenRequestIssuer, DEFAULT_EXPIRATION_SECONDS, type TokenRequestIssuer, type TokenIssuerOptions } from './token-request.ts';
export { createServiceAccountAuthenticator, type AuthenticatorOptions } from './authenticator.ts';
export { legacyTokenClaims, LEGACY_ISSUER, SERVICE_ACCOUNT_TOKEN_TYPE, SA_NAME_ANNOTATION, SA_UID_ANNOTATION } from './legacy.ts';
export { issuerDiscovery, OPENID_CONFIGURATION_PATH, JWKS_PATH, type IssuerDiscovery } from './discovery.ts';
