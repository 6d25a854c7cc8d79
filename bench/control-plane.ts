// bench/control-plane: with N simulated nodes (one `skiff sim nodes` process), create PODS pods through
// DEPLOYMENTS Deployments and measure, in one run:
//   time to all Running    first Deployment created → last pod Running (and the bind rate seen meanwhile,
//                          which the pod-creation rate bounds)
//   scheduler throughput   then, with all nodes cordoned, PODS more pods are made (Pending); all nodes are
//                          uncordoned at once: pods bound per second, first bind → last bind
//   API latency            p50/p99 of mutating and of list calls, server side (every call: kubectl's and the
//                          controllers'), from the server's /metrics; plus a client-side probe (a configmap
//                          create/patch/delete and a pod list every 100 ms, over HTTPS) during the burst
//   server RSS             with PODS pods, with 2×PODS, and the peak (VmHWM)
// Targets (issue 4): mutating p99 < 100 ms, scheduler ≥ 1,000 pods/s, RSS < 300 MB. Prints `name: value unit`.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, openSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { request } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClientFromKubeconfig, loadKubeconfig } from '../src/cluster/client/index.ts';
import { R } from '../src/cluster/types/gvr.ts';

const NODES = Number(process.env.NODES ?? 100);
const PODS = Number(process.env.PODS ?? 3000);
const DEPLOYMENTS = Number(process.env.DEPLOYMENTS ?? 30);
const REPO = resolve(import.meta.dirname, '..');
const SKIFF = process.env.SKIFF_BIN ?? join(REPO, 'bin/skiff');
const log = (m: string) => process.stderr.write(`# ${m}\n`);
const result = (name: string, value: number | string, unit: string) => process.stdout.write(`${name}: ${typeof value === 'number' ? (Number.isInteger(value) ? value : value.toFixed(1)) : value} ${unit}\n`);

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : NaN;
};

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => ok(p));
    });
  });
}

function rssOf(pid: number): { rss: number; hwm: number } {
  const st = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(st)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

async function main() {
  const root = mkdtempSync('/var/tmp/skiff-bench-cp-');
  const procs: ChildProcess[] = [];
  let etcd: { url: string; stop(): Promise<void> } | undefined;
  try {
    if (process.env.DATASTORE === 'etcd') {
      const { startEtcd } = await import('../src/cluster/store/etcd/testing.ts');
      etcd = await startEtcd();
    }
    const port = await freePort();
    const out = openSync(join(root, 'server.log'), 'a');
    const server = spawn(SKIFF, ['server', '--root', root, '--port', String(port), ...(etcd ? ['--datastore', etcd.url] : [])], { stdio: ['ignore', out, out] });
    procs.push(server);
    const kubeconfig = join(root, 'admin.kubeconfig');
    const client = await (async () => {
      for (let i = 0; i < 600; i++) {
        if (server.exitCode !== null) throw new Error(`skiff server exited: ${readFileSync(join(root, 'server.log'), 'utf8').slice(-2000)}`);
        if (existsSync(kubeconfig)) {
          const c = await createClientFromKubeconfig(kubeconfig);
          try {
            await c.list(R.namespaces, undefined);
            return c;
          } catch {}
        }
        await sleep(100);
      }
      throw new Error('the server did not answer in 60 s');
    })();
    const cfg = await loadKubeconfig(kubeconfig);
    log(`server up on port ${port} (${etcd ? 'etcd' : 'sqlite'}); starting ${NODES} simulated nodes`);
    const simOut = openSync(join(root, 'sim.log'), 'a');
    procs.push(spawn(SKIFF, ['sim', 'nodes', '--count', String(NODES), '--prefix', 'bench', '--kubeconfig', kubeconfig, '--cpu', '32', '--memory', '128Gi'], { stdio: ['ignore', simOut, simOut] }));
    for (;;) {
      const nodes = await client.list(R.nodes, undefined);
      const ready = nodes.items.filter((n: any) => n.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True')).length;
      if (ready >= NODES) break;
      await sleep(200);
    }
    log(`${NODES} nodes Ready; creating ${DEPLOYMENTS} Deployments × ${PODS / DEPLOYMENTS} replicas`);

    // watch pods: when each is bound and when Running
    const bound = new Map<string, number>();
    const runningAt = new Map<string, number>();
    const stopWatch = new AbortController();
    const watching = (async () => {
      for await (const ev of client.watch(R.pods, 'default', { allowWatchBookmarks: true }, stopWatch.signal)) {
        const p = ev.object as any;
        if (!p?.metadata?.name) continue;
        const now = performance.now();
        if (p.spec?.nodeName && !bound.has(p.metadata.name)) bound.set(p.metadata.name, now);
        if (p.status?.phase === 'Running' && !runningAt.has(p.metadata.name)) runningAt.set(p.metadata.name, now);
      }
    })().catch(() => {});

    // client-side probe during the burst
    const probe = { mutating: [] as number[], list: [] as number[] };
    let probing = true;
    const prober = (async () => {
      for (let i = 0; probing; i++) {
        const name = `probe-${i}`;
        let t = performance.now();
        await client.create(R.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { i: String(i) } });
        probe.mutating.push(performance.now() - t);
        t = performance.now();
        await client.patch(R.configmaps, 'default', name, 'merge', { data: { j: 'x' } });
        probe.mutating.push(performance.now() - t);
        t = performance.now();
        await client.delete(R.configmaps, 'default', name);
        probe.mutating.push(performance.now() - t);
        t = performance.now();
        await client.list(R.pods, 'default', { labelSelector: `app=bench-${i % DEPLOYMENTS}` });
        probe.list.push(performance.now() - t);
        await sleep(100);
      }
    })();

    const t0 = performance.now();
    const per = Math.ceil(PODS / DEPLOYMENTS);
    await Promise.all(
      Array.from({ length: DEPLOYMENTS }, (_, i) =>
        client.create(R.deployments, 'default', {
          apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `bench-${i}` },
          spec: { replicas: per, selector: { matchLabels: { app: `bench-${i}` } }, template: { metadata: { labels: { app: `bench-${i}` } }, spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] } } },
        }),
      ),
    );
    let peakHwm = 0;
    for (let last = -1; runningAt.size < PODS; ) {
      await sleep(500);
      peakHwm = Math.max(peakHwm, rssOf(server.pid!).hwm);
      if (runningAt.size !== last) log(`bound ${bound.size}, running ${runningAt.size} / ${PODS} after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      last = runningAt.size;
      if (performance.now() - t0 > 600_000) throw new Error(`not all pods Running after 10 minutes (${runningAt.size})`);
    }
    const tAll = (Math.max(...runningAt.values()) - t0) / 1000;
    const e2eBinds = [...bound.values()];
    const e2eBindRate = PODS / ((Math.max(...e2eBinds) - Math.min(...e2eBinds)) / 1000);
    probing = false;
    await prober;
    const rssAtPods = rssOf(server.pid!).rss;

    // Scheduler throughput on its own: with every node cordoned, make PODS more pods (they stay Pending),
    // then uncordon all nodes at once and time first bind → last bind of those pods.
    log(`cordoning ${NODES} nodes and creating ${PODS} pending pods for the scheduler run`);
    const nodeNames = (await client.list(R.nodes, undefined)).items.map((n) => n.metadata!.name!);
    const cordon = (on: boolean) => Promise.all(nodeNames.map((n) => client.patch(R.nodes, undefined, n, 'merge', { spec: { unschedulable: on } })));
    await cordon(true);
    bound.clear();
    await client.create(R.deployments, 'default', {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'sched' },
      spec: { replicas: PODS, selector: { matchLabels: { app: 'sched' } }, template: { metadata: { labels: { app: 'sched' } }, spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] } } },
    });
    for (;;) {
      const n = (await client.list(R.pods, 'default', { labelSelector: 'app=sched', resourceVersion: '0' })).items.length;
      if (n >= PODS) break;
      await sleep(500);
    }
    await sleep(2000); // let the create burst's events and status writes settle
    log(`${PODS} pods pending; uncordoning`);
    const tUncordon = performance.now();
    await cordon(false);
    while ([...bound.keys()].filter((k) => k.startsWith('sched-')).length < PODS) {
      await sleep(200);
      if (performance.now() - tUncordon > 300_000) throw new Error('the scheduler did not bind all pending pods in 5 minutes');
    }
    const schedBinds = [...bound].filter(([k]) => k.startsWith('sched-')).map(([, t]) => t);
    const bindSpan = (Math.max(...schedBinds) - Math.min(...schedBinds)) / 1000;
    // where the binds fall after the uncordon (per 250 ms), to tell a slow scheduler from a late start or a long tail
    const buckets: number[] = [];
    for (const t of schedBinds) buckets[Math.floor((t - tUncordon) / 250)] = (buckets[Math.floor((t - tUncordon) / 250)] ?? 0) + 1;
    log(`binds per 250 ms after the uncordon: ${Array.from(buckets, (n) => n ?? 0).join(' ')}`);
    stopWatch.abort();
    await watching;

    const metrics = await new Promise<string>((ok, fail) => {
      const u = new URL('/metrics', cfg.server);
      request(u, { ca: cfg.ca, headers: { authorization: `Bearer ${cfg.token}` } }, (res) => {
        let body = '';
        res.on('data', (b) => (body += b));
        res.on('end', () => ok(body));
      }).on('error', fail).end();
    });
    const q = (cls: string, quant: string) => Number(new RegExp(`skiff_apiserver_request_latency_seconds\\{class="${cls}",quantile="${quant}"\\} (\\S+)`).exec(metrics)?.[1] ?? NaN) * 1000;
    const mem = rssOf(server.pid!);
    // which calls are slow: per verb and resource, the count, the mean and how many took over 100 ms
    const slow: string[] = [];
    for (const m of metrics.matchAll(/apiserver_request_duration_seconds_count\{verb="(\w+)",resource="([\w.]+)"\} (\d+)/g)) {
      const [, verb, res, count] = m;
      const sum = Number(new RegExp(`_sum\\{verb="${verb}",resource="${res}"\\} (\\S+)`).exec(metrics)?.[1] ?? 0);
      const under = Number(new RegExp(`_bucket\\{verb="${verb}",resource="${res}",le="0.1"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
      if (verb !== 'GET' && verb !== 'LIST') slow.push(`${verb} ${res}: ${count} calls, mean ${((sum / Number(count)) * 1000).toFixed(1)} ms, ${Number(count) - under} over 100 ms`);
    }
    log(`mutating calls: ${slow.join('; ')}`);

    result('control-plane.nodes', NODES, 'nodes');
    result('control-plane.pods', PODS, 'pods');
    result('control-plane.datastore', etcd ? 'etcd' : 'sqlite', '');
    result('control-plane.scheduler-throughput', PODS / bindSpan, 'pods/s');
    result('control-plane.scheduler-first-to-last-bind', bindSpan * 1000, 'ms');
    result('control-plane.time-to-all-running', tAll, 's');
    result('control-plane.e2e-bind-rate', e2eBindRate, 'pods/s');
    result('control-plane.api-mutating-p50', q('mutating', '0.5'), 'ms');
    result('control-plane.api-mutating-p99', q('mutating', '0.99'), 'ms');
    result('control-plane.api-list-p50', q('list', '0.5'), 'ms');
    result('control-plane.api-list-p99', q('list', '0.99'), 'ms');
    result('control-plane.probe-mutating-p50', quantile(probe.mutating, 0.5), 'ms');
    result('control-plane.probe-mutating-p99', quantile(probe.mutating, 0.99), 'ms');
    result('control-plane.probe-list-p50', quantile(probe.list, 0.5), 'ms');
    result('control-plane.probe-list-p99', quantile(probe.list, 0.99), 'ms');
    result(`control-plane.server-rss-${PODS}-pods`, rssAtPods / 2 ** 20, 'MiB');
    result(`control-plane.server-rss-${2 * PODS}-pods`, mem.rss / 2 ** 20, 'MiB');
    result('control-plane.server-rss-peak', Math.max(peakHwm, mem.hwm) / 2 ** 20, 'MiB');
    process.stdout.write('# targets: mutating p99 < 100 ms, scheduler >= 1000 pods/s, server RSS < 300 MB (k3s server ~1.6 GB)\n');
  } finally {
    for (const p of procs.reverse()) {
      p.kill('SIGTERM');
      await new Promise((ok) => (p.exitCode !== null ? ok(null) : p.once('exit', ok)));
    }
    await etcd?.stop();
    if (!process.env.KEEP) await rm(root, { recursive: true, force: true });
  }
}

await main();
