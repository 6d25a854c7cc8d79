// Authentication as kube-apiserver chains it: each authenticator looks at a bearer token and names its user,
// or passes; the first that knows the token wins. The server's chain is the static token file, then bootstrap
// tokens, then ServiceAccount tokens (JWTs). TokenReview asks the same chain about a token it is given.
import type { IncomingMessage } from 'node:http';
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
