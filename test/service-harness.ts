// A `skiff up` cluster for the Service tests (the host as node-1, N node hosts in network namespaces, busybox
// under the given tags on every node), and a client that keeps sending HTTP requests — a new connection each,
// as a browser behind a Service meets new endpoints — and counts what failed.
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { run, startDaemon, waitFor, ok, importBusybox, type Daemon, type RunResult } from './harness.ts';
import { KUBECTL, freePort } from './cluster-harness.ts';

export interface UpCluster {
  root: string;
  kubeconfig: string;
  layout: { id: string; nodes: Array<{ name: string; ip: string; podCIDR: string; netns: string }> };
  kubectl(args: string[], timeoutMs?: number): Promise<RunResult>;
  kjson<T = any>(args: string[]): Promise<T>;
  down(): Promise<void>;
}

/** `skiff up --nodes N` on a private root and port, with busybox as each of `tags` on every node */
export async function upCluster(nodes: number, tags: string[]): Promise<UpCluster> {
  const root = await mkdtemp('/var/tmp/skiff-svc-test-');
  const port = await freePort();
  let engine: Daemon | undefined;
  const kubeconfig = join(root, 'admin.kubeconfig');
  const kubectl = (args: string[], timeoutMs = 60_000) => run(KUBECTL, ['--kubeconfig', kubeconfig, ...args], { timeoutMs });
  let upped = false;
  const down = async () => {
    try {
      if (upped) {
        const r = await engine?.skiff(['down', '--no-sample', '--root', root], { timeoutMs: 180_000 });
        if (r && r.code !== 0) process.stderr.write(`skiff down: ${r.code} ${r.stdout}${r.stderr}\n`);
      }
    } finally {
      await engine?.cleanup();
      await rm(root, { recursive: true, force: true });
    }
  };
  try {
    engine = await startDaemon(); // the local engine `skiff nodes load` copies from
    for (const t of tags) await importBusybox(engine, t);
    upped = true;
    ok(await engine.skiff(['up', '--no-sample', '--nodes', String(nodes), '--root', root, '--port', String(port)], { timeoutMs: 240_000 }));
    const layout = JSON.parse(readFileSync(join(root, 'cluster.json'), 'utf8')) as UpCluster['layout'];
    await waitFor(`${nodes + 1} Ready untainted nodes`, async () => {
      const r = await kubectl(['get', 'nodes', '-o', 'json']);
      if (r.code !== 0) return undefined;
      const items = (JSON.parse(r.stdout) as { items: Array<{ spec: { taints?: unknown[] }; status: { conditions?: Array<{ type: string; status: string }> } }> }).items;
      return items.filter((n) => !n.spec.taints?.length && n.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length === nodes + 1;
    }, 120_000, 1000);
    ok(await engine.skiff(['nodes', 'load', '--root', root, ...tags], { timeoutMs: 180_000 }));
    return {
      root, kubeconfig, layout, kubectl, down,
      async kjson(args) {
        const r = await kubectl([...args, '-o', 'json']);
        if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
        return JSON.parse(r.stdout);
      },
    };
  } catch (err) {
    await down();
    throw err;
  }
}

export interface LoadResult {
  sent: number;
  failures: Array<{ atMs: number; error: string }>;
  /** responses per body (the serving pod's name) */
  bodies: Map<string, number>;
  durationMs: number;
}

/** one GET on a new connection; resolves with the body, rejects on any error, a status ≠ 200 or the timeout */
export function getOnce(url: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks).toString().trim()) : reject(new Error(`HTTP ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** `workers` loops of GET url (a new connection each, `gapMs` apart) until stop() */
export function startLoad(url: string, o: { workers?: number; gapMs?: number; timeoutMs?: number } = {}): { sent(): number; stop(): Promise<LoadResult> } {
  const t0 = performance.now();
  const result: LoadResult = { sent: 0, failures: [], bodies: new Map(), durationMs: 0 };
  let stopping = false;
  async function loop() {
    while (!stopping) {
      result.sent++;
      try {
        const body = await getOnce(url, o.timeoutMs ?? 5000);
        result.bodies.set(body, (result.bodies.get(body) ?? 0) + 1);
      } catch (err) {
        result.failures.push({ atMs: Math.round(performance.now() - t0), error: (err as Error).message });
      }
      await sleep(o.gapMs ?? 20);
    }
  }
  const loops = Array.from({ length: o.workers ?? 2 }, loop);
  return {
    sent: () => result.sent,
    async stop() {
      stopping = true;
      await Promise.all(loops);
      result.durationMs = Math.round(performance.now() - t0);
      return result;
    },
  };
}
