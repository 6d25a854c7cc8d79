// bench/pod-startup's measuring part: creates a Deployment of REPLICAS busybox httpd pods with a readiness
// probe and watches its pods with its own clock (ms), from each pod's ADDED event (the ReplicaSet
// controller made it) to the first event that shows it Running (every container running) and Ready (the
// Ready condition True). The pods' own timestamps (creationTimestamp → containerStatuses' startedAt and the
// Ready condition's lastTransitionTime) are reported too; they have 1-second resolution.
// Usage: node bench/pod-startup.ts KUBECONFIG IMAGE REPLICAS   (prints `name: value unit` lines)
import { createClientFromKubeconfig } from '../src/cluster/client/index.ts';
import { R } from '../src/cluster/types/gvr.ts';
import type { KObject } from '../src/cluster/types/meta.ts';

const [kubeconfig, image, replicasArg] = process.argv.slice(2);
const REPLICAS = Number(replicasArg ?? 30);
const NAME = 'pod-startup';
const log = (m: string) => process.stderr.write(`# ${m}\n`);
const result = (name: string, value: number, unit: string) => process.stdout.write(`${name}: ${Number.isInteger(value) ? value : value.toFixed(1)} ${unit}\n`);
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] : NaN;
};

interface PodView extends KObject {
  spec?: { nodeName?: string };
  status?: {
    phase?: string;
    conditions?: Array<{ type: string; status: string; lastTransitionTime?: string }>;
    containerStatuses?: Array<{ state?: { running?: { startedAt?: string } } }>;
  };
}

interface Seen { added: number; scheduled?: number; running?: number; ready?: number; last?: PodView }

const isRunning = (p: PodView) => p.status?.phase === 'Running' && (p.status.containerStatuses ?? []).length > 0 && p.status.containerStatuses!.every((c) => c.state?.running);
const isReady = (p: PodView) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

async function main(): Promise<void> {
  const client = await createClientFromKubeconfig(kubeconfig);
  const selector = `app=${NAME}`;
  const start = await client.list(R.pods, 'default', { labelSelector: selector });
  if (start.items.length) throw new Error(`pods with ${selector} exist already`);
  const seen = new Map<string, Seen>();
  const abort = new AbortController();
  let applied = 0;
  const allReady = new Promise<void>((done, fail) => {
    (async () => {
      for await (const ev of client.watch<PodView>(R.pods, 'default', { labelSelector: selector, resourceVersion: start.metadata.resourceVersion }, abort.signal)) {
        const now = performance.now();
        if (ev.type === 'ERROR' || ev.type === 'BOOKMARK') continue;
        const p = ev.object as PodView;
        const name = p.metadata?.name ?? '';
        const s = seen.get(name) ?? { added: now };
        seen.set(name, s);
        if (ev.type === 'DELETED') continue;
        s.last = p;
        if (s.scheduled === undefined && p.spec?.nodeName) s.scheduled = now;
        if (s.running === undefined && isRunning(p)) s.running = now;
        if (s.ready === undefined && isReady(p)) s.ready = now;
        if ([...seen.values()].filter((x) => x.ready !== undefined).length >= REPLICAS) return done();
      }
    })().catch((err: unknown) => (abort.signal.aborted ? done() : fail(err)));
  });
  const timeout = setTimeout(() => abort.abort(), 300_000);
  applied = performance.now();
  await client.create(R.deployments, 'default', {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: NAME },
    spec: {
      replicas: REPLICAS, selector: { matchLabels: { app: NAME } },
      template: {
        metadata: { labels: { app: NAME } },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [{
            name: 'httpd', image, imagePullPolicy: 'IfNotPresent',
            command: ['sh', '-c', 'mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www'],
            ports: [{ containerPort: 8080 }],
            readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1 },
          }],
        },
      },
    },
  });
  log(`Deployment ${NAME} (${REPLICAS} replicas of ${image}) created; watching its pods`);
  await allReady;
  clearTimeout(timeout);
  abort.abort();
  const pods = [...seen.values()].filter((s) => s.ready !== undefined);
  if (pods.length < REPLICAS) throw new Error(`only ${pods.length} of ${REPLICAS} pods Ready in 300 s`);
  const lastReady = Math.max(...pods.map((s) => s.ready!));
  const scheduled = pods.map((s) => s.scheduled! - s.added);
  const running = pods.map((s) => s.running! - s.added);
  result('pod_startup.create_to_scheduled.p50', quantile(scheduled, 0.5), 'ms');
  result('pod_startup.create_to_scheduled.p99', quantile(scheduled, 0.99), 'ms');
  const ready = pods.map((s) => s.ready! - s.added);
  result('pod_startup.create_to_running.p50', quantile(running, 0.5), 'ms');
  result('pod_startup.create_to_running.p99', quantile(running, 0.99), 'ms');
  result('pod_startup.create_to_ready.p50', quantile(ready, 0.5), 'ms');
  result('pod_startup.create_to_ready.p99', quantile(ready, 0.99), 'ms');
  result('pod_startup.deployment_to_all_ready', lastReady - applied, 'ms');
  // the same from the pods' own timestamps (whole seconds: a figure under 1000 ms cannot be told apart from 0)
  const ts = (t: string | undefined) => (t ? Date.parse(t) : NaN);
  const apiRunning = pods.map((s) => Math.max(...(s.last!.status?.containerStatuses ?? []).map((c) => ts(c.state?.running?.startedAt))) - ts(s.last!.metadata?.creationTimestamp));
  const apiReady = pods.map((s) => ts(s.last!.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime) - ts(s.last!.metadata?.creationTimestamp));
  result('pod_startup.api_timestamps.create_to_running.p50', quantile(apiRunning, 0.5), 'ms');
  result('pod_startup.api_timestamps.create_to_running.p99', quantile(apiRunning, 0.99), 'ms');
  result('pod_startup.api_timestamps.create_to_ready.p50', quantile(apiReady, 0.5), 'ms');
  result('pod_startup.api_timestamps.create_to_ready.p99', quantile(apiReady, 0.99), 'ms');
  const perNode = new Map<string, number>();
  for (const s of pods) perNode.set(s.last!.spec?.nodeName ?? '?', (perNode.get(s.last!.spec?.nodeName ?? '?') ?? 0) + 1);
  process.stdout.write(`# pods per node: ${[...perNode].map(([n, c]) => `${n}=${c}`).join(' ')}\n`);
}

main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`pod-startup: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
