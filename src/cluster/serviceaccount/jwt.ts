// JSON Web Tokens signed RS256 (RFC 7515/7519 compact form), with node:crypto only: what ServiceAccount tokens
// are. sign() makes `header.payload.signature`; verify() checks the signature with the public key and returns
// the claims, or undefined for anything malformed or forged (callers then pass the token on).
import { createHash, createPublicKey, sign as rsaSign, verify as rsaVerify, type KeyObject } from 'node:crypto';

export type JwtClaims = Record<string, unknown>;

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/** kube's key id: the base64url SHA-256 of the public key's DER (PKIX) */
export function keyIdOf(publicKey: KeyObject): string {
  return b64url(createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest());
}

export function signJwt(claims: JwtClaims, privateKey: KeyObject, kid: string): string {
  const head = b64url(JSON.stringify({ alg: 'RS256', kid }));
  const body = b64url(JSON.stringify(claims));
  const sig = rsaSign('sha256', Buffer.from(`${head}.${body}`), privateKey);
  return `${head}.${body}.${b64url(sig)}`;
}

const JWT_RE = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/;

function parseJson(part: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined; // not JSON: not a JWT of ours
  }
}

/** the claims of a token signed by publicKey (RS256), or undefined */
export function verifyJwt(token: string, publicKey: KeyObject): JwtClaims | undefined {
  const m = JWT_RE.exec(token);
  if (!m) return undefined;
  const head = parseJson(m[1]);
  if (head?.alg !== 'RS256') return undefined;
  if (!rsaVerify('sha256', Buffer.from(`${m[1]}.${m[2]}`), publicKey, Buffer.from(m[3], 'base64url'))) return undefined;
  return parseJson(m[2]);
}

/** the claims of a JWT without checking its signature (tests, and the kubelet reading its own token's times) */
export function decodeJwtUnverified(token: string): JwtClaims | undefined {
  const m = JWT_RE.exec(token);
  return m ? parseJson(m[2]) : undefined;
}

export { createPublicKey };
