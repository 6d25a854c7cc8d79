// The k3s-style join token: `K10<sha256 hex of the cluster CA's PEM>::<credential>`. The hash lets a node on
// another machine trust the server's certificate without a CA file: it fetches /cacerts unverified and
// accepts the CA only if its hash is the token's. The credential is the bearer token it then joins with.
import { createHash } from 'node:crypto';

/** the parts of a join token; undefined for a plain bearer token */
export function parseJoinToken(token: string): { caHash: string; credential: string } | undefined {
  const m = /^K10([0-9a-f]{64})::(.+)$/.exec(token);
  return m ? { caHash: m[1], credential: m[2] } : undefined;
}

export const caHashOf = (caPem: string | Uint8Array) => createHash('sha256').update(caPem).digest('hex');
export const joinToken = (caPem: string | Uint8Array, credential: string) => `K10${caHashOf(caPem)}::${credential}`;
