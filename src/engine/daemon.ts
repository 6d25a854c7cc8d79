// `skiff daemon`: the engine plus its Docker API socket, until SIGTERM/SIGINT. Containers run under conmon
// and outlive the daemon; the next start re-adopts them.
import { connect } from 'node:net';
import { chmod, chown, lstat, mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { createEngine } from './index.ts';
import { serveDockerApi } from './api/index.ts';
import { conflict, errnoCode, failedPrecondition, invalidArgument } from '../lib/errors.ts';
import { writeFileAtomic } from '../lib/atomic.ts';
import { logger } from '../lib/log.ts';

const log = logger('daemon');

export const DEFAULT_ROOT = '/var/lib/skiff/engine';
export const DEFAULT_RUN_ROOT = '/run/skiff/engine';
export const DEFAULT_HOST = 'unix:///run/skiff/docker.sock';

export interface DaemonOptions {
  root?: string;
  host?: string;
  runtime?: 'crun' | 'runc' | 'auto';
  /** the default bridge network: Linux bridge name and gateway/prefix (`--bridge`, `--bip`) */
  bridge?: string;
  /** registries reached over plain HTTP besides loopback ones (`--insecure-registry`) */
  insecureRegistries?: string[];
  /** docker's certs.d: `<dir>/<registry>/*.crt` are CAs for that registry, which is then spoken to over TLS */
  certsDir?: string;
  /** how pushed layers travel (`--push-compression`; default gzip) */
  pushCompression?: 'gzip' | 'zstd' | 'none';
  bip?: string;
  /** `--default-address-pool base=CIDR,size=N` (checked by the engine, before anything starts) */
  addressPool?: string;
  /** stop serving when aborted (tests; the command line uses SIGTERM/SIGINT) */
  signal?: AbortSignal;
}

/** The socket path of a `unix://` host; anything else is refused. */
export function socketPathOf(host: string): string {
  const m = /^unix:\/\/(.+)$/.exec(host);
  if (!m) {
    throw invalidArgument(`unsupported host "${host}": skiff serves the Docker API on a unix socket only, e.g. -H unix:///run/skiff/docker.sock`);
  }
  return resolve(m[1]);
}

export async function runDaemon(opts: DaemonOptions = {}): Promise<void> {
  const root = resolve(opts.root ?? DEFAULT_ROOT);
  const runRoot = root === DEFAULT_ROOT ? DEFAULT_RUN_ROOT : resolve(root, 'run');
  const socketPath = socketPathOf(opts.host ?? DEFAULT_HOST);
  const pidPath = `${socketPath}.pid`;

  await mkdir(dirname(socketPath), { recursive: true, mode: 0o755 });
  await clearStaleSocket(socketPath, pidPath);

  const engine = await createEngine({ root, runRoot, runtime: opts.runtime ?? 'auto', bridge: opts.bridge, bip: opts.bip, addressPool: opts.addressPool, registries: { insecure: opts.insecureRegistries, certsDir: opts.certsDir, pushCompression: opts.pushCompression } });
  let server: Awaited<ReturnType<typeof serveDockerApi>>;
  try {
    // created 0660 from the start: no moment where others could connect
    const umask = process.umask(0o117);
    try {
      server = await serveDockerApi(engine, { socketPath });
    } finally {
      process.umask(umask);
    }
    await chmod(socketPath, 0o660);
    if (process.getuid?.() === 0) await chown(socketPath, 0, 0);
    await writeFileAtomic(pidPath, `${process.pid}\n`);
  } catch (err) {
    await engine.close();
    throw err;
  }
  const info = await engine.info().catch(() => undefined);
  log.info('serving the Docker API', { socket: socketPath, root, runtime: info?.runtime, version: info?.serverVersion, pid: process.pid });

  await stopRequested(opts.signal);
  log.info('shutting down (containers keep running)');
  await server.close();
  await engine.close().catch((err) => log.error('engine close failed', { err }));
  await rm(socketPath, { force: true });
  if ((await readFile(pidPath, 'utf8').catch(() => '')).trim() === String(process.pid)) await rm(pidPath, { force: true });
  log.info('stopped');
}

/** Remove a socket left by a daemon that died; refuse when a daemon still answers on it. */
async function clearStaleSocket(socketPath: string, pidPath: string): Promise<void> {
  const st = await lstat(socketPath).catch((err) => {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  });
  if (!st) return;
  if (!st.isSocket()) throw failedPrecondition(`${socketPath} exists and is not a socket: move it away or choose another -H`);
  if (await answers(socketPath)) {
    const pid = (await readFile(pidPath, 'utf8').catch(() => '')).trim();
    throw conflict(`another daemon is already serving ${socketPath}${pid ? ` (pid ${pid})` : ''}: stop it first or choose another -H`);
  }
  log.info('removing stale socket', { socket: socketPath });
  await rm(socketPath, { force: true });
}

function answers(socketPath: string): Promise<boolean> {
  return new Promise((done) => {
    const s = connect(socketPath);
    s.once('connect', () => {
      s.destroy();
      done(true);
    });
    s.once('error', () => done(false));
  });
}

function stopRequested(signal?: AbortSignal): Promise<void> {
  return new Promise((done) => {
    const stop = (why: string) => {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      signal?.removeEventListener('abort', onAbort);
      log.info('stop requested', { by: why });
      done();
    };
    const onTerm = () => stop('SIGTERM');
    const onInt = () => stop('SIGINT');
    const onAbort = () => stop('abort');
    if (signal?.aborted) return stop('abort');
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

