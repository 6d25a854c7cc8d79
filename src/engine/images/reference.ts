// Image references as docker parses them (distribution/reference): `busybox` is
// `docker.io/library/busybox:latest` inside, and shown back as `busybox:latest`.
import { invalidArgument } from '../../lib/errors.ts';

export interface ImageRef {
  /** `docker.io`, `localhost:5000`, … */
  domain: string;
  /** `library/busybox` */
  path: string;
  tag?: string;
  digest?: string;
}

const DEFAULT_DOMAIN = 'docker.io';
const pathComponent = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domainRe = new RegExp(`^(?:${domainComponent}(?:\\.${domainComponent})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`);
const pathRe = new RegExp(`^${pathComponent}(?:/${pathComponent})*$`);
const tagRe = /^[\w][\w.-]{0,127}$/;
const digestRe = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;

const bad = (input: string, why = '') => invalidArgument(`invalid reference format${why ? `: ${why}` : ''}: "${input}"`);

/** Parse a user's reference (`busybox`, `busybox:1.36`, `reg:5000/a/b@sha256:…`) into its normalized parts. */
export function parseReference(input: string): ImageRef {
  if (/^[a-f0-9]{64}$/.test(input)) throw invalidArgument(`invalid repository name (${input}), cannot specify 64-byte hexadecimal strings`);
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!digestRe.test(digest)) throw bad(input);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!tagRe.test(tag)) throw bad(input);
  }
  if (!rest) throw bad(input);
  let domain = DEFAULT_DOMAIN;
  let path = rest;
  const slash = rest.indexOf('/');
  const first = slash < 0 ? '' : rest.slice(0, slash);
  if (slash >= 0 && (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first)) {
    domain = first;
    path = rest.slice(slash + 1);
    if (!domainRe.test(domain)) throw bad(input);
  }
  if (domain === 'index.docker.io') domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !path.includes('/')) path = `library/${path}`;
  if (path.toLowerCase() !== path && pathRe.test(path.toLowerCase())) {
    throw invalidArgument(`invalid reference format: repository name (${path}) must be lowercase`);
  }
  if (!pathRe.test(path)) throw bad(input);
  if (domain.length + 1 + path.length > 255) throw bad(input, 'repository name must not be more than 255 characters');
  return { domain, path, tag, digest };
}

/** `docker.io/library/busybox` */
export const fullName = (r: ImageRef): string => `${r.domain}/${r.path}`;

/** The name as docker shows it: `busybox`, `me/app`, `localhost:5000/app`. */
export function familiarName(r: ImageRef): string {
  if (r.domain !== DEFAULT_DOMAIN) return fullName(r);
  return r.path.startsWith('library/') && r.path.indexOf('/', 8) < 0 ? r.path.slice(8) : r.path;
}

/** The key of a tag in the index: `docker.io/library/busybox:latest` (tag defaults to latest). */
export const tagKey = (r: ImageRef): string => `${fullName(r)}:${r.tag ?? 'latest'}`;

/** The key of a digest reference: `docker.io/library/busybox@sha256:…` */
export const digestKey = (r: ImageRef): string => `${fullName(r)}@${r.digest}`;

/** A stored key (`docker.io/library/busybox:latest` or `…@sha256:…`) as docker shows it. */
export function familiarKey(key: string): string {
  return familiarString(parseReference(key));
}

export function familiarString(r: ImageRef): string {
  return familiarName(r) + (r.tag ? `:${r.tag}` : '') + (r.digest ? `@${r.digest}` : '');
}
