// Starts a real, private etcd (Debian's etcd-server) for tests: temp data dir under /var/tmp, random client and
// peer ports on 127.0.0.1, health-checked before returning; stop() kills it by PID and removes the dir.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';

export interface TestEtcd {
  /** http://127.0.0.1:port */
  endpoint: string;
  /** etcd://127.0.0.1:port — a datastore URL for openStore / skiff server */
  url: string;
  stop(): Promise<void>;
}

const ETCD_BINARY = process.env.SKIFF_ETCD_BINARY ?? '/usr/bin/etcd';

/** a port that was free a moment ago (listen on 0, read it, close) */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function healthy(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
    if (!res.ok) return false;
    const body = (await res.json()) as { health?: string };
    return body.health === 'true';
  } catch {
    return false;
  }
}

export async function startEtcd(opts: { timeoutMs?: number } = {}): Promise<TestEtcd> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  // Ports can be taken between freePort() and etcd's bind; retry a few times with fresh ones.
  let lastError: unknown;
  for (let attempt = 0; attempt < 4; attempt++) {
    const dir = await mkdtemp(join('/var/tmp', 'skiff-etcd-'));
    const [clientPort, peerPort] = [await freePort(), await freePort()];
    const endpoint = `http://127.0.0.1:${clientPort}`;
    const peer = `http://127.0.0.1:${peerPort}`;
    const child = spawn(
      ETCD_BINARY,
      [
        '--name', 'skiff-test',
        '--data-dir', join(dir, 'data'),
        '--listen-client-urls', endpoint,
        '--advertise-client-urls', endpoint,
        '--listen-peer-urls', peer,
        '--initial-advertise-peer-urls', peer,
        '--initial-cluster', `skiff-test=${peer}`,
        '--initial-cluster-state', 'new',
        '--log-level', 'error',
        '--logger', 'zap',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], detached: false },
    );
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      if (stderr.length < 8192) stderr += chunk.toString();
    });
    let exited = false;
    const exitedPromise = new Promise<void>((resolve) => child.once('exit', () => { exited = true; resolve(); }));
    const stop = async (): Promise<void> => {
      if (!exited && child.pid !== undefined) {
        try { process.kill(child.pid, 'SIGTERM'); } catch { /* already gone */ }
        const timer = setTimeout(() => { if (!exited && child.pid !== undefined) try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ } }, 5000);
        await exitedPromise;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    };
    const deadline = Date.now() + timeoutMs;
    while (!exited && Date.now() < deadline) {
      if (await healthy(endpoint)) return { endpoint, url: `etcd://127.0.0.1:${clientPort}`, stop };
      await new Promise((r) => setTimeout(r, 100));
    }
    lastError = new Error(`etcd did not become healthy on ${endpoint}${exited ? ' (it exited)' : ''}: ${stderr.trim().slice(-2000)}`);
    await stop();
  }
  throw lastError;
}
