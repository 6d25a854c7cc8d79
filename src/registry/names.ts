// What may name things in a registry (the distribution spec's grammar), checked once at the HTTP edge:
// repository names, tags and digests become typed values; inside the room they are trusted.
import { registryError } from './errors.ts';

export type RepoName = string & { readonly __repo: unique symbol };
export type Tag = string & { readonly __tag: unique symbol };

/** a parsed digest: `sha256:<64 hex>` or `sha512:<128 hex>` (the algorithms the spec names) */
export interface Digest {
  algorithm: 'sha256' | 'sha512';
  hex: string;
  /** `algorithm:hex` */
  text: string;
}

const COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const NAME_RE = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const TAG_RE = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
const DIGEST_RE = /^([a-z0-9]+(?:[+._-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/;
const HEX_LENGTH = { sha256: 64, sha512: 128 } as const;

export function parseRepoName(s: string): RepoName {
  if (s.length > 255 || !NAME_RE.test(s)) throw registryError('NAME_INVALID', 'invalid repository name', { detail: { name: s } });
  return s as RepoName;
}

export function isTag(s: string): boolean {
  return TAG_RE.test(s);
}

export function parseTag(s: string): Tag {
  if (!TAG_RE.test(s)) throw registryError('MANIFEST_INVALID', 'invalid tag', { detail: { tag: s } });
  return s as Tag;
}

/** Parse a digest, or throw DIGEST_INVALID (a bad form or an algorithm this registry does not keep). */
export function parseDigest(s: string): Digest {
  const d = tryParseDigest(s);
  if (!d) throw registryError('DIGEST_INVALID', 'provided digest did not match uploaded content', { detail: { digest: s, reason: 'invalid or unsupported digest' } });
  return d;
}

export function tryParseDigest(s: string): Digest | undefined {
  const m = DIGEST_RE.exec(s);
  if (!m) return undefined;
  const algorithm = m[1];
  if (algorithm !== 'sha256' && algorithm !== 'sha512') return undefined;
  const hex = m[2];
  if (hex.length !== HEX_LENGTH[algorithm] || !/^[a-f0-9]+$/.test(hex)) return undefined;
  return { algorithm, hex, text: s };
}

export function looksLikeDigest(s: string): boolean {
  return s.includes(':');
}
