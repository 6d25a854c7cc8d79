// The registry auth challenge flow, as docker's client does it: a request answered 401 names a scheme in
// WWW-Authenticate. `Bearer realm=…,service=…,scope=…` → fetch a token from the realm (anonymous, with the
// user's basic credentials, or an OAuth2 refresh token) and retry with it; `Basic` → retry with the
// credentials. Tokens are cached per realm, service, scopes and user until they expire.
import type { RegistryAuth } from './credentials.ts';
import { permissionDenied, registryError } from './errors.ts';
import { readBody, send } from './http.ts';

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** `Bearer realm="https://a/token",service="reg",scope="repository:x:pull"` → schemes with their parameters. */
export function parseChallenges(header: string | undefined): Challenge[] {
  const out: Challenge[] = [];
  const re = /[\s,]*(?:([\w-]+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))|([A-Za-z][\w-]*))/g;
  let m: RegExpExecArray | null;
  while (header && (m = re.exec(header)) && m[0] !== '') {
    if (m[4]) out.push({ scheme: m[4].toLowerCase(), params: {} });
    else if (out.length) out[out.length - 1].params[m[1].toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '');
  }
  return out;
}

/** username:password of an AuthConfig (`auth` is base64 of both, as config.json keeps it) */
export function basicCredentials(auth: RegistryAuth | undefined): { username: string; password: string } | null {
  if (!auth) return null;
  if (auth.username && auth.password !== undefined) return { username: auth.username, password: auth.password };
  if (auth.auth) {
    const plain = Buffer.from(auth.auth, 'base64').toString('utf8');
    const i = plain.indexOf(':');
    if (i > 0) return { username: plain.slice(0, i), password: plain.slice(i + 1) };
  }
  return null;
}

interface CachedToken {
  token: string;
  expires: number;
}
const tokens = new Map<string, CachedToken>();

/** The Authorization header value that answers `challenges` for `scopes`, or null when none can. */
export async function authorize(challenges: Challenge[], scopes: string[], auth: RegistryAuth | undefined, opts: { signal?: AbortSignal; ca?: string }): Promise<string | null> {
  if (auth?.registrytoken) return `Bearer ${auth.registrytoken}`;
  const bearer = challenges.find((c) => c.scheme === 'bearer' && c.params.realm);
  if (bearer) return `Bearer ${await bearerToken(bearer.params, scopes, auth, opts)}`;
  const creds = basicCredentials(auth);
  if (challenges.some((c) => c.scheme === 'basic') && creds) return `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
  return null;
}

async function bearerToken(p: Record<string, string>, scopes: string[], auth: RegistryAuth | undefined, opts: { signal?: AbortSignal; ca?: string }): Promise<string> {
  const creds = basicCredentials(auth);
  const key = JSON.stringify([p.realm, p.service ?? '', [...scopes].sort(), creds?.username ?? '', auth?.identitytoken ? 'refresh' : '']);
  const hit = tokens.get(key);
  if (hit && hit.expires > Date.now()) return hit.token;
  const url = new URL(p.realm);
  const headers: Record<string, string> = {};
  let body: Buffer | undefined;
  let method = 'GET';
  if (auth?.identitytoken) {
    // OAuth2 refresh token (what a login to Docker Hub hands back): POST form
    method = 'POST';
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: auth.identitytoken, client_id: 'skiff' });
    if (p.service) form.set('service', p.service);
    if (scopes.length) form.set('scope', scopes.join(' '));
    body = Buffer.from(form.toString());
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
  } else {
    if (p.service) url.searchParams.set('service', p.service);
    for (const s of scopes) url.searchParams.append('scope', s);
    if (creds) {
      url.searchParams.set('account', creds.username);
      headers.Authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
    }
  }
  const res = await send({ method, url, headers, body, signal: opts.signal, ca: opts.ca });
  const text = (await readBody(res.body, 1 << 20)).toString('utf8');
  if (res.status === 401 || res.status === 403) throw permissionDenied(`unauthorized: ${tokenErrorDetail(text) ?? 'incorrect username or password'}`);
  if (res.status !== 200) throw registryError(res.status, text, `fetching a token from ${url.origin}${url.pathname}`);
  let answer: { token?: string; access_token?: string; expires_in?: number };
  try {
    answer = JSON.parse(text) as typeof answer;
  } catch (err) {
    throw registryError(502, '', `the token server ${url.origin} answered with something that is not JSON`, err);
  }
  const token = answer.token ?? answer.access_token;
  if (!token) throw registryError(502, '', `the token server ${url.origin} answered without a token`);
  // docker's minimum lifetime is 60 s; keep a margin so a token never expires in flight
  const life = Math.max(60, answer.expires_in ?? 60) * 1000;
  tokens.set(key, { token, expires: Date.now() + life - 10_000 });
  return token;
}

function tokenErrorDetail(text: string): string | undefined {
  try {
    const j = JSON.parse(text) as { details?: string; errors?: Array<{ message?: string }> };
    return j.details ?? j.errors?.[0]?.message;
  } catch {
    return text.trim() || undefined; // not JSON: the text itself (or the default) says it
  }
}
