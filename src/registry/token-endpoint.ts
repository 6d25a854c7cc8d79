// The token endpoint of the bearer flow, served by the registry itself at its realm's path:
// GET /token?service=…&scope=repository:name:pull,push[&scope=…] with optional basic credentials →
// {"token","access_token","expires_in","issued_at"}. Users of the htpasswd file get what they ask for;
// anonymous callers get pull when anonymous read is allowed (and nothing else); bad credentials get 401.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthConfig, TokenAuth } from './access.ts';
import { registryError } from './errors.ts';
import { basicCredentials, checkPassword } from './htpasswd.ts';
import { TOKEN_ISSUER, parseScope, signToken, type Access } from './token.ts';

const USER_ACTIONS = new Set(['pull', 'push', 'delete', '*']);

export async function serveToken(cfg: AuthConfig, t: TokenAuth, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const user = await tokenUser(cfg, req);
  const requested = url.searchParams.getAll('scope').flatMap((s) => s.split(' ')).filter(Boolean).map(parseScope);
  const access = requested.flatMap((a): Access[] => (a ? grant(cfg, user, a) : []));
  const now = Math.floor(Date.now() / 1000);
  const token = signToken(t.key, {
    iss: TOKEN_ISSUER,
    sub: user ?? '',
    aud: t.service,
    exp: now + t.ttlSec,
    nbf: now - 10,
    iat: now,
    jti: randomBytes(12).toString('hex'),
    access,
  });
  const body = JSON.stringify({ token, access_token: token, expires_in: t.ttlSec, issued_at: new Date(now * 1000).toISOString() });
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(body);
}

/** the authenticated user, '' for a caller without credentials; bad credentials throw 401 */
async function tokenUser(cfg: AuthConfig, req: IncomingMessage): Promise<string | undefined> {
  const creds = basicCredentials(req.headers.authorization);
  if (!creds) return undefined;
  if (!cfg.htpasswd) return creds.user; // no user database: the name is taken as given
  if (await checkPassword(cfg.htpasswd, creds.user, creds.password)) return creds.user;
  throw registryError('UNAUTHORIZED', 'authentication required: incorrect username or password', {
    headers: { 'WWW-Authenticate': `Basic realm="${cfg.basicRealm}"` },
  });
}

function grant(cfg: AuthConfig, user: string | undefined, a: Access): Access[] {
  const authenticated = user !== undefined || !cfg.htpasswd;
  let actions: string[];
  if (authenticated) actions = a.actions.filter((x) => USER_ACTIONS.has(x));
  else actions = cfg.anonymousRead && a.type === 'repository' ? a.actions.filter((x) => x === 'pull') : [];
  if (a.type !== 'repository' && !(a.type === 'registry' && a.name === 'catalog' && authenticated)) return [];
  return actions.length ? [{ type: a.type, name: a.name, actions }] : [];
}
