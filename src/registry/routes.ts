// The URL layout of the distribution API: a table of path patterns, each with its methods, what the
// request needs (for auth) and its handler. Names hold slashes, so patterns anchor on the path's end.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { catalogNeed, repoNeed, type Need } from './access.ts';
import { deleteBlob, deleteUpload, getBlob, getUpload, patchUpload, postUpload, putUpload, type BlobContext } from './http-blobs.ts';
import { deleteManifestRoute, getCatalog, getManifest, getReferrers, getTags, putManifestRoute } from './http-manifests.ts';
import { parseRepoName, type RepoName } from './names.ts';

export interface RouteArgs {
  c: BlobContext;
  req: IncomingMessage;
  res: ServerResponse;
  /** the repository, when the path names one */
  name: RepoName;
  /** the last path segment: a digest, a tag or an upload id */
  ref: string;
  url: URL;
}

interface Method {
  need: (a: { name: string; url: URL }) => Need[];
  run: (a: RouteArgs) => Promise<void>;
}

interface Route {
  pattern: RegExp;
  /** the pattern has a repository name group */
  named: boolean;
  methods: Record<string, Method>;
}

const pull = (a: { name: string }) => [repoNeed(a.name, 'pull')];
const push = (a: { name: string }) => [repoNeed(a.name, 'push')];
const del = (a: { name: string }) => [repoNeed(a.name, 'delete')];

export const ROUTES: Route[] = [
  {
    pattern: /^\/v2\/?$/,
    named: false,
    methods: {
      GET: { need: () => [{ kind: 'base' }], run: async ({ res }) => void res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': 2 }).end('{}') },
    },
  },
  { pattern: /^\/v2\/_catalog$/, named: false, methods: { GET: { need: () => [catalogNeed], run: ({ c, res, url }) => getCatalog(c.layout, res, url) } } },
  { pattern: /^\/v2\/(.+)\/tags\/list$/, named: true, methods: { GET: { need: pull, run: ({ c, res, name, url }) => getTags(c.layout, res, name, url) } } },
  {
    pattern: /^\/v2\/(.+)\/manifests\/([^/]+)$/,
    named: true,
    methods: {
      GET: { need: pull, run: ({ c, req, res, name, ref }) => getManifest(c.layout, req, res, name, ref) },
      PUT: { need: push, run: ({ c, req, res, name, ref }) => putManifestRoute(c.layout, req, res, name, ref) },
      DELETE: { need: del, run: ({ c, req, res, name, ref }) => deleteManifestRoute(c.layout, req, res, name, ref) },
    },
  },
  {
    pattern: /^\/v2\/(.+)\/blobs\/uploads\/?$/,
    named: true,
    methods: { POST: { need: push, run: ({ c, req, res, name, url }) => postUpload(c, req, res, name, url) } },
  },
  {
    pattern: /^\/v2\/(.+)\/blobs\/uploads\/([^/]+)$/,
    named: true,
    methods: {
      GET: { need: push, run: ({ c, req, res, name, ref }) => getUpload(c, req, res, name, ref) },
      PATCH: { need: push, run: ({ c, req, res, name, ref }) => patchUpload(c, req, res, name, ref) },
      PUT: { need: push, run: ({ c, req, res, name, ref, url }) => putUpload(c, req, res, name, ref, url) },
      DELETE: { need: push, run: ({ c, req, res, name, ref }) => deleteUpload(c, req, res, name, ref) },
    },
  },
  {
    pattern: /^\/v2\/(.+)\/blobs\/([^/]+)$/,
    named: true,
    methods: {
      GET: { need: pull, run: ({ c, req, res, name, ref }) => getBlob(c, req, res, name, ref) },
      DELETE: { need: del, run: ({ c, req, res, name, ref }) => deleteBlob(c, req, res, name, ref) },
    },
  },
  {
    pattern: /^\/v2\/(.+)\/referrers\/([^/]+)$/,
    named: true,
    methods: { GET: { need: pull, run: ({ c, res, name, ref, url }) => getReferrers(c.layout, res, name, ref, url) } },
  },
];

export interface Matched {
  route: Route;
  method: Method;
  name: RepoName;
  ref: string;
}

/** the route and method for a request; undefined: no such path; null: the path exists, not this method */
export function matchRoute(method: string, path: string): Matched | undefined | null {
  const m = method === 'HEAD' ? 'GET' : method;
  for (const route of ROUTES) {
    const found = route.pattern.exec(path);
    if (!found) continue;
    const handler = route.methods[m];
    if (!handler) return null;
    const name = route.named ? parseRepoName(decodeURIComponent(found[1])) : ('' as RepoName);
    const ref = route.named && found[2] !== undefined ? decodeURIComponent(found[2]) : '';
    return { route, method: handler, name, ref };
  }
  return undefined;
}
