// The registry room: an OCI Distribution (v1.1) server over a blob store on disk, and its garbage collector.
//
// Contract
//   const reg = await startRegistry({ root: '/var/lib/skiff/registry', addr: '127.0.0.1:5000' });
//   reg.url                      → 'http://127.0.0.1:5000' (https:// with tls; port 0 picks a free one)
//   … clients speak /v2/ …       (skopeo, docker through the engine, skiff's own client)
//   await reg.close();           stops listening, ends idle connections
//   await collectGarbage(root, { dryRun: true })   → what an offline or online gc would sweep
//
// URL layout (all under /v2/; <name> may hold slashes; see routes.ts):
//   GET  /v2/                                   API check (200 {} when authorized)
//   GET  /v2/_catalog?n=&last=                  repositories (Link: rel="next" while more remain)
//   GET  /v2/<name>/tags/list?n=&last=          tags
//   GET|HEAD|PUT|DELETE /v2/<name>/manifests/<tag|digest>
//   GET|HEAD|DELETE     /v2/<name>/blobs/<digest>          (GET takes Range: bytes=a-b)
//   POST /v2/<name>/blobs/uploads/[?digest=|?mount=&from=]  start (202), monolithic or mounted (201)
//   GET|PATCH|PUT?digest=|DELETE /v2/<name>/blobs/uploads/<uuid>   status, chunk, finish, cancel
//   GET  /v2/<name>/referrers/<digest>[?artifactType=]
//   GET  <token realm path, e.g. /token>?service=&scope=    bearer tokens (when tokenRealm is set)
//
// Guarantees: a blob becomes visible only whole and verified (temp file → digest check → fsync → rename);
// a manifest is stored only when everything it names is present in its repository; deleting takes links
// away and `collectGarbage` removes the bytes nothing names (see gc.ts for why it is safe while serving).
import { readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { errnoCode } from '../lib/errors.ts';
import type { AuthConfig } from './access.ts';
import { loadHtpasswd } from './htpasswd.ts';
import { layoutOf } from './layout.ts';
import { createRegistryServer } from './server.ts';
import { loadTokenKey } from './token.ts';
import { newUploads } from './uploads.ts';

export { collectGarbage, type GcOptions, type GcResult } from './gc.ts';
export { MANIFEST_TYPES, OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST } from './manifest-format.ts';

export const DEFAULT_REGISTRY_ROOT = '/var/lib/skiff/registry';

export interface RegistryOptions {
  root: string;
  /** host:port to listen on (default 127.0.0.1:5000; port 0 picks a free port) */
  addr?: string;
  /** serve HTTPS with this PEM certificate and key */
  tlsCert?: string;
  tlsKey?: string;
  /** require users from this htpasswd file (bcrypt entries) */
  htpasswd?: string;
  /**
   * turn on the bearer-token flow: the token endpoint's URL, served by this process at its path; a bare
   * path (`/token`) is completed with this server's own URL once it listens (handy with port 0)
   */
  tokenRealm?: string;
  /** the service name tokens are issued for (default: skiff-registry) */
  tokenService?: string;
  /** token lifetime in seconds (default 300) */
  tokenTtlSec?: number;
  /** let clients without credentials pull */
  anonymousRead?: boolean;
  /** uploads receiving bytes at once before 429 TOO_MANY_REQUESTS (default 128) */
  maxUploads?: number;
}

export interface RunningRegistry {
  url: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

export async function startRegistry(opts: RegistryOptions): Promise<RunningRegistry> {
  const { host, port } = parseAddr(opts.addr ?? '127.0.0.1:5000');
  const layout = layoutOf(opts.root);
  await mkdir(opts.root, { recursive: true });
  // temp files of blobs that were being written when a previous run died: never visible, now garbage
  await rm(layout.tmp, { recursive: true, force: true });
  await mkdir(layout.tmp, { recursive: true });
  await mkdir(layout.uploads, { recursive: true });
  if ((opts.tlsCert === undefined) !== (opts.tlsKey === undefined)) throw new Error('TLS needs both a certificate and a key');
  const tls = opts.tlsCert && opts.tlsKey ? { cert: readPem(opts.tlsCert, 'certificate'), key: readPem(opts.tlsKey, 'key') } : undefined;
  const auth: AuthConfig = {
    htpasswd: opts.htpasswd ? loadHtpasswd(opts.htpasswd) : undefined,
    anonymousRead: opts.anonymousRead ?? false,
    basicRealm: 'skiff-registry',
  };
  if (opts.tokenRealm) {
    const path = opts.tokenRealm.startsWith('/') ? opts.tokenRealm : new URL(opts.tokenRealm).pathname;
    auth.token = { realm: opts.tokenRealm, path, service: opts.tokenService ?? 'skiff-registry', key: await loadTokenKey(opts.root), ttlSec: opts.tokenTtlSec ?? 300 };
  }
  const server = createRegistryServer({ blobs: { layout, uploads: newUploads(layout) }, auth, tls, maxUploads: opts.maxUploads ?? 128 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const url = `${tls ? 'https' : 'http'}://${shownHost === '0.0.0.0' ? '127.0.0.1' : shownHost}:${bound}`;
  if (auth.token && auth.token.realm.startsWith('/')) auth.token.realm = url + auth.token.realm;
  return {
    url,
    host,
    port: bound,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    }),
  };
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`cannot read the TLS ${what} ${path}: ${errnoCode(err) ?? String(err)}`, { cause: err });
  }
}

function parseAddr(addr: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(addr);
  if (!m) throw new Error(`invalid address "${addr}": use host:port (e.g. 127.0.0.1:5000)`);
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`invalid port in "${addr}"`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}
