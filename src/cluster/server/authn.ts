// Authentication as kube-apiserver chains it: each authenticator looks at a bearer token and names its user,
// or passes; the first that knows the token wins. The server's chain is the static token file, then bootstrap
// tokens, then ServiceAccount tokens (JWTs). TokenReview asks the same chain about a token it is given.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { ApiUser } from '../apiserver/http/index.ts';

export type TokenAuthenticator = (token: string) => ApiUser | undefined | Promise<ApiUser | undefined>;

/** The token of `Authorization: Bearer <token>`, or undefined */
export function bearerToken(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (!h || !/^bearer /i.test(h)) return undefined;
  const token = h.slice(7).trim();
  return token || undefined;
}

/** The first authenticator's user that knows the token */
export function chainAuthenticators(chain: readonly TokenAuthenticator[]): (token: string) => Promise<ApiUser | undefined> {
  return async (token) => {
    for (const a of chain) {
      const user = await a(token);
      if (user) return user;
    }
    return undefined;
  };
}

const CLIENT_AUTH_OID = '1.3.6.1.5.5.7.3.2';

/**
 * kube-apiserver's x509 authenticator: a client certificate that chains to the cluster CA (the TLS server was
 * given it as `ca` with requestCert) and may be used for client auth names its user — the subject's CN — and
 * groups — its O entries. Undefined when there is no such certificate (the token chain decides then).
 */
export function clientCertificateUser(req: IncomingMessage): ApiUser | undefined {
  const sock = req.socket as TLSSocket;
  if (!sock.authorized || typeof sock.getPeerCertificate !== 'function') return undefined;
  const cert = sock.getPeerCertificate();
  if (!cert?.subject) return undefined;
  const eku = cert.ext_key_usage ?? [];
  if (eku.length && !eku.includes(CLIENT_AUTH_OID)) return undefined;
  const cn = cert.subject.CN;
  const name = Array.isArray(cn) ? cn[0] : cn;
  if (!name) return undefined;
  const o = cert.subject.O;
  const groups = o === undefined ? [] : Array.isArray(o) ? o : [o];
  return { name, groups: [...groups.filter((g) => g !== 'system:authenticated'), 'system:authenticated'] };
}
