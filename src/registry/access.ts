// Who may do what: basic auth from an htpasswd file, or the bearer-token flow (challenge → token endpoint
// → token scoped to repository:name:actions). Each request names what it needs; `authorize` answers
// with nothing (go on) or throws UNAUTHORIZED (401 + WWW-Authenticate challenge) / DENIED (403).
import type { IncomingMessage } from 'node:http';
import { registryError } from './errors.ts';
import { basicCredentials, checkPassword, type Htpasswd } from './htpasswd.ts';
import { formatScope, verifyToken, type Access } from './token.ts';

export interface TokenAuth {
  /** the realm challenges name: the URL of the token endpoint this process serves */
  realm: string;
  /** the path of that URL, where the endpoint is served */
  path: string;
  service: string;
  key: Buffer;
  ttlSec: number;
}

export interface AuthConfig {
  htpasswd?: Htpasswd;
  token?: TokenAuth;
  /** GET/HEAD of repositories without credentials */
  anonymousRead: boolean;
  basicRealm: string;
}

/** what one request needs: nothing more than being known (`/v2/`), or actions on a repository or the catalog */
export type Need = { kind: 'base' } | { kind: 'access'; access: Access };

/** push needs pull too, as distribution asks (a pushing client checks what is there) */
export const repoNeed = (name: string, action: 'pull' | 'push' | 'delete'): Need =>
  ({ kind: 'access', access: { type: 'repository', name, actions: action === 'push' ? ['pull', 'push'] : [action] } });
export const catalogNeed: Need = { kind: 'access', access: { type: 'registry', name: 'catalog', actions: ['*'] } };

export const authEnabled = (cfg: AuthConfig) => cfg.htpasswd !== undefined || cfg.token !== undefined;

const readOnly = (needs: Need[]) => needs.every((n) => n.kind === 'base' || (n.access.type === 'repository' && n.access.actions.every((a) => a === 'pull')));

/** Let the request through, or throw the 401/403 it deserves. */
export async function authorize(cfg: AuthConfig, req: IncomingMessage, needs: Need[]): Promise<void> {
  if (!authEnabled(cfg)) return;
  const header = req.headers.authorization;
  if (!header && cfg.anonymousRead && readOnly(needs)) return;
  if (cfg.token) return authorizeBearer(cfg, cfg.token, header, needs);
  const creds = basicCredentials(header);
  if (creds && cfg.htpasswd && (await checkPassword(cfg.htpasswd, creds.user, creds.password))) return;
  throw registryError('UNAUTHORIZED', 'authentication required', {
    detail: needs.flatMap((n) => (n.kind === 'access' ? [{ Type: n.access.type, Name: n.access.name, Action: n.access.actions[0] }] : [])),
    headers: { 'WWW-Authenticate': `Basic realm="${cfg.basicRealm}"` },
  });
}

function authorizeBearer(cfg: AuthConfig, t: TokenAuth, header: string | undefined, needs: Need[]): void {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  const claims = m ? verifyToken(t.key, m[1], t.service) : undefined;
  const first = needs.find((n) => n.kind === 'access');
  const challenge = (error?: string, need = first) => registryError('UNAUTHORIZED', 'authentication required', {
    headers: { 'WWW-Authenticate': bearerChallenge(t, need?.kind === 'access' ? need.access : undefined, error) },
  });
  if (!claims) throw challenge(m ? 'invalid_token' : undefined);
  for (const need of needs) {
    if (need.kind === 'base') continue;
    const granted = claims.access.filter((a) => a.type === need.access.type && a.name === need.access.name);
    // a token that names no access to this repository at all was made for another one
    if (granted.length === 0 && claims.sub !== '') {
      throw registryError('DENIED', 'requested access to the resource is denied', { detail: { scope: formatScope(need.access) } });
    }
    const actions = new Set(granted.flatMap((a) => a.actions));
    if (!need.access.actions.every((a) => actions.has(a) || actions.has('*'))) throw challenge('insufficient_scope', need);
  }
}

export function bearerChallenge(t: TokenAuth, access: Access | undefined, error?: string): string {
  let s = `Bearer realm="${t.realm}",service="${t.service}"`;
  if (access) s += `,scope="${formatScope(access)}"`;
  if (error) s += `,error="${error}"`;
  return s;
}
