// The route table's types and matching, plus docker's `/v1.NN` path prefix rules.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable, Writable } from 'node:stream';
import type { Engine } from '../types.ts';
import { invalidArgument } from '../../lib/errors.ts';

export const API_VERSION = '1.50';
export const MIN_API_VERSION = '1.24';

export interface RequestContext {
  engine: Engine;
  req: IncomingMessage;
  params: Record<string, string>;
  query: URLSearchParams;
  /** aborted when the client goes away or the server closes */
  signal: AbortSignal;
  /** the version the client asked for (path prefix), or ours */
  apiVersion: string;
  serverVersion: string;
}

export interface HttpContext extends RequestContext {
  res: ServerResponse;
}

/**
 * A connection taken over for a two-way byte stream (docker's "hijack": attach, exec start). Until `open`
 * the handler may still fail with a normal HTTP error; after it, bytes flow both ways.
 */
export interface StreamConnection {
  /** the request body as JSON (exec start sends `{Detach, Tty}`) */
  readJson(): Promise<unknown>;
  /** send the response head (101 UPGRADED when the client asked to upgrade, else 200) */
  open(contentType: string): { input: Readable; output: Writable };
  /** close our side; the client sees the end of the stream */
  end(): void;
  /** answer with an empty response instead of a stream (exec start with Detach) */
  respond(status: number): void;
}

export interface StreamContext extends RequestContext {
  conn: StreamConnection;
}

export interface Route {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
  /** `/containers/:id/json`; `:name+` matches across slashes (image names) */
  path: string;
  handle?: (ctx: HttpContext) => Promise<void>;
  /** for hijacking routes: serves both upgraded and plain requests */
  stream?: (ctx: StreamContext) => Promise<void>;
}

export interface CompiledRoute extends Route {
  re: RegExp;
  names: string[];
}

export function compileRoutes(routes: Route[]): CompiledRoute[] {
  return routes.map((r) => {
    const names: string[] = [];
    const source = r.path
      .split('/')
      .map((seg) => {
        const m = /^:(\w+)(\+?)$/.exec(seg);
        if (!m) return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        names.push(m[1]);
        return m[2] ? '(.+)' : '([^/]+)';
      })
      .join('/');
    return { ...r, re: new RegExp(`^${source}$`), names };
  });
}

/** The route for a method and (prefix-free) path; HEAD falls back to GET as docker's router does. */
export function matchRoute(
  routes: CompiledRoute[],
  method: string,
  path: string,
): { route: CompiledRoute; params: Record<string, string> } | undefined {
  for (const want of method === 'HEAD' ? ['HEAD', 'GET'] : [method]) {
    for (const route of routes) {
      if (route.method !== want) continue;
      const m = route.re.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => (params[name] = decodeURIComponent(m[i + 1])));
      return { route, params };
    }
  }
  return undefined;
}

/** Split `/v1.50/containers/json` into version and path; refuse versions we do not serve. */
export function splitVersion(pathname: string): { version: string; path: string } {
  const m = /^\/v(\d+\.\d+)(\/.*)?$/.exec(pathname);
  if (!m) return { version: API_VERSION, path: pathname };
  const version = m[1];
  if (compareVersions(version, API_VERSION) > 0) {
    throw invalidArgument(`client version ${version} is too new. Maximum supported API version is ${API_VERSION}`);
  }
  if (compareVersions(version, MIN_API_VERSION) < 0) {
    throw invalidArgument(
      `client version ${version} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`,
    );
  }
  return { version, path: m[2] ?? '/' };
}

export function compareVersions(a: string, b: string): number {
  const [amaj, amin] = a.split('.').map(Number);
  const [bmaj, bmin] = b.split('.').map(Number);
  return amaj - bmaj || amin - bmin;
}
