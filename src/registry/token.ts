// Bearer tokens of the registry token flow (docker's "token authentication specification"): a JWT signed
// with HMAC-SHA256 under a key kept in ROOT/token.key, naming who asked, for which service, until when,
// and the access granted: [{type:"repository", name, actions:["pull","push"]}].
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errnoCode } from '../lib/errors.ts';
import { writeFileAtomic } from '../lib/atomic.ts';

export interface Access {
  type: string;
  name: string;
  actions: string[];
}

export interface TokenClaims {
  iss: string;
  sub: string;
  aud: string;
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  access: Access[];
}

export const TOKEN_ISSUER = 'skiff-registry';

/** The signing key: made at first start, kept so tokens outlive a restart. */
export async function loadTokenKey(root: string): Promise<Buffer> {
  const path = join(root, 'token.key');
  try {
    return Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
  const key = randomBytes(32);
  await writeFileAtomic(path, key.toString('base64') + '\n', { mode: 0o600 });
  return key;
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

export function signToken(key: Buffer, claims: TokenClaims): string {
  const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${head}.${createHmac('sha256', key).update(head).digest('base64url')}`;
}

/** The claims of a token this registry signed, still valid for `service`; undefined otherwise. */
export function verifyToken(key: Buffer, token: string, service: string, nowSec = Math.floor(Date.now() / 1000)): TokenClaims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const want = createHmac('sha256', key).update(`${parts[0]}.${parts[1]}`).digest();
  const got = Buffer.from(parts[2], 'base64url');
  if (got.length !== want.length || !timingSafeEqual(got, want)) return undefined;
  let claims: TokenClaims;
  try {
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as TokenClaims;
  } catch {
    return undefined; // signed by us, so never malformed; a forged body already failed the signature
  }
  if (claims.iss !== TOKEN_ISSUER || claims.aud !== service) return undefined;
  if (!(claims.exp > nowSec) || !(claims.nbf <= nowSec + 60)) return undefined;
  if (!Array.isArray(claims.access)) return undefined;
  return claims;
}

/** `repository:name:pull,push` (scope grammar: type:name:actions; the name may hold ':' only for a port) */
export function parseScope(scope: string): Access | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first < 0 || last === first) return undefined;
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions: scope.slice(last + 1).split(',').filter(Boolean) };
}

export const formatScope = (a: Access) => `${a.type}:${a.name}:${a.actions.join(',')}`;
