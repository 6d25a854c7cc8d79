// A session with one registry for one operation: where it is (scheme: plain HTTP for loopback and
// insecure registries, as docker does; HTTPS otherwise), who asks (docker's AuthConfig), for which scopes,
// and the Authorization header won by the challenge flow, reused by every request of the operation.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { RegistryAuth } from './credentials.ts';
import { authorize, parseChallenges } from './auth.ts';
import { permissionDenied, registryError, specErrors, describeSpecErrors } from './errors.ts';
import { drain, readBody, send, type RegistryResponse } from './http.ts';

export interface RegistrySession {
  /** the registry as named in references: `127.0.0.1:5000`, `docker.io` */
  registry: string;
  /** `http://127.0.0.1:5000` */
  base: URL;
  auth?: RegistryAuth;
  /** `repository:a/b:pull,push`, … asked of a token server */
  scopes: string[];
  authorization?: string;
  signal?: AbortSignal;
  ca?: string;
}

export interface SessionOptions {
  auth?: RegistryAuth;
  scopes?: string[];
  signal?: AbortSignal;
  /** registries (host[:port]) spoken to over plain HTTP besides loopback ones (docker's insecure-registries) */
  insecure?: string[];
  /** where `<registry>/ca.crt` files are looked for (docker's /etc/docker/certs.d) */
  certsDir?: string;
}

/** Docker Hub's API host: `docker.io` names a registry whose endpoint is elsewhere */
const HUB = 'registry-1.docker.io';

/** loopback registries are plain HTTP by default, as docker's 127.0.0.0/8 rule and localhost */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export function openSession(registry: string, o: SessionOptions = {}): RegistrySession {
  const host = registry === 'docker.io' ? HUB : registry;
  const ca = readCa(o.certsDir ?? '/etc/docker/certs.d', registry);
  // a CA in certs.d for it means the registry speaks TLS, loopback or not
  const plain = !ca && (isLoopbackRegistry(host) || (o.insecure ?? []).includes(registry));
  return { registry, base: new URL(`${plain ? 'http' : 'https'}://${host}`), auth: o.auth, scopes: o.scopes ?? [], signal: o.signal, ca };
}

/** docker's certs.d: every `*.crt` in `<dir>/<registry>/` is a CA to trust for that registry */
function readCa(dir: string, registry: string): string | undefined {
  let names: string[];
  try {
    names = readdirSync(join(dir, registry)).filter((n) => n.endsWith('.crt'));
  } catch {
    return undefined; // no such directory: the system's CAs only
  }
  return names.map((n) => readFileSync(join(dir, registry, n), 'utf8')).join('\n') || undefined;
}

export interface CallOptions {
  headers?: Record<string, string>;
  /** a Buffer body is sent again after an auth retry; a stream body needs the session authorized first */
  body?: Buffer | Readable;
  /** the statuses that are answers rather than errors */
  ok: number[];
  /** what is being done, for error messages: `HEAD "http://…/manifests/latest"` */
  url?: URL;
}

/** One request with the session's authorization; a 401 runs the challenge flow once and retries. */
export async function call(s: RegistrySession, method: string, path: string | URL, o: CallOptions): Promise<RegistryResponse> {
  const url = typeof path === 'string' ? new URL(path, s.base) : path;
  let sentWith: string | undefined;
  const go = () => {
    sentWith = s.authorization; // concurrent requests of a session may win the challenge meanwhile
    return send({ method, url, headers: { ...o.headers, ...(sentWith ? { Authorization: sentWith } : {}) }, body: o.body, signal: s.signal, ca: s.ca });
  };
  let res = await go();
  if (res.status === 401 && (!o.body || Buffer.isBuffer(o.body))) {
    const text = (await readBody(res.body)).toString('utf8');
    const challenges = parseChallenges(res.headers['www-authenticate']);
    const authorization = await authorize(challenges, s.scopes, s.auth, { signal: s.signal, ca: s.ca });
    // refused with exactly what the challenge gives: the credentials are wrong (not merely sent too early)
    if (!authorization || authorization === sentWith) throw unauthorized(method, url, text, Boolean(s.auth));
    s.authorization = authorization;
    res = await go();
  }
  if (o.ok.includes(res.status)) return res;
  const text = method === 'HEAD' ? '' : (await readBody(res.body, 1 << 20)).toString('utf8');
  if (method === 'HEAD') drain(res.body);
  // a bearer token that was not enough says what the registry says (`unauthorized: authentication required`)
  if (res.status === 401) throw unauthorized(method, url, text, Boolean(s.auth) || Boolean(s.authorization?.startsWith('Bearer ')));
  throw registryError(res.status, text, `${verb(method)} "${url.href}"`);
}

const verb = (method: string) => method[0] + method.slice(1).toLowerCase();

/** docker: `Head "http://…/manifests/latest": no basic auth credentials` or the registry's `unauthorized: …` */
function unauthorized(method: string, url: URL, text: string, hadCredentials: boolean) {
  const errs = specErrors(text);
  if (!hadCredentials) return permissionDenied(`${verb(method)} "${url.href}": no basic auth credentials`);
  return permissionDenied(errs.length ? describeSpecErrors(errs) : `${verb(method)} "${url.href}": unauthorized: authentication required`);
}

/** `GET /v2/`: reachable, speaks the protocol, and (with credentials) accepts them: docker login's check. */
export async function ping(s: RegistrySession): Promise<void> {
  const res = await call(s, 'GET', '/v2/', { ok: [200] }).catch((err) => {
    throw loginError(s, err);
  });
  drain(res.body);
}

function loginError(s: RegistrySession, err: unknown): unknown {
  if (err instanceof Error && 'kind' in err && err.kind === 'PermissionDenied') {
    return permissionDenied(`login attempt to ${new URL('/v2/', s.base).href} failed with status: 401 Unauthorized`, err);
  }
  return err;
}
