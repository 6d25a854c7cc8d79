// The in-process metrics-server's scraper: every Ready node that advertises a kubelet (status.addresses +
// daemonEndpoints.kubeletEndpoint.Port) is asked for its /stats/summary with the API server's kubelet-client
// certificate, in the background every ~15 s and on request when the last pass is older than asked.
import { request as httpsRequest } from 'node:https';
import type { ApiClient } from '../client/types.ts';
import type { KObject } from '../types/meta.ts';
import type { Summary } from '../kubelet/stats/index.ts';
import { usageOf } from './convert.ts';
import type { NodeScrape } from './types.ts';
import { logger } from '../../lib/log.ts';

const log = logger('metrics');

export const DEFAULT_SCRAPE_INTERVAL_MS = 15_000;
const SCRAPE_TIMEOUT_MS = 5_000;

export interface KubeletTarget {
  host: string;
  port: number;
}

/** reads one kubelet's Summary (tests and other transports may bring their own) */
export type SummaryFetcher = (target: KubeletTarget) => Promise<Summary>;

export interface MetricsScraper {
  /** each scraped node's usage by node name; scrapes again first when the last pass is older than maxAgeMs */
  current(maxAgeMs: number): Promise<ReadonlyMap<string, NodeScrape>>;
  /** scrapes every intervalMs until signal aborts */
  run(signal: AbortSignal): Promise<void>;
}

interface NodeShape {
  status?: {
    conditions?: Array<{ type: string; status: string }>;
    addresses?: Array<{ type: string; address: string }>;
    daemonEndpoints?: { kubeletEndpoint?: { Port?: number } };
  };
}

/** the node's kubelet when the node is Ready and has one (simulated nodes advertise port 0) */
export function kubeletTargetOf(node: KObject & NodeShape): KubeletTarget | undefined {
  const st = node.status ?? {};
  if (!st.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) return undefined;
  const a = st.addresses ?? [];
  const host = (a.find((x) => x.type === 'InternalIP') ?? a.find((x) => x.type === 'ExternalIP') ?? a.find((x) => x.type === 'Hostname'))?.address;
  const port = st.daemonEndpoints?.kubeletEndpoint?.Port;
  return host && port ? { host, port } : undefined;
}

/** GET /stats/summary over HTTPS with a client certificate (the kubelet's own certificate is not checked, as kube-apiserver without --kubelet-certificate-authority) */
export function httpsSummaryFetcher(tls: { cert: string; key: string }): SummaryFetcher {
  return (t) => new Promise((resolve, reject) => {
    const req = httpsRequest({ host: t.host, port: t.port, path: '/stats/summary?only_cpu_and_memory=true', cert: tls.cert, key: tls.key, rejectUnauthorized: false, timeout: SCRAPE_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) return reject(new Error(`kubelet ${t.host}:${t.port} answered ${res.statusCode}: ${text.trim()}`));
        try {
          resolve(JSON.parse(text) as Summary);
        } catch (err) {
          reject(new Error(`kubelet ${t.host}:${t.port}: a summary that is not JSON`, { cause: err }));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`kubelet ${t.host}:${t.port}: no answer in ${SCRAPE_TIMEOUT_MS / 1000} s`)));
    req.on('error', reject);
    req.end();
  });
}

export function createMetricsScraper(opts: { client: ApiClient; fetchSummary: SummaryFetcher; intervalMs?: number }): MetricsScraper {
  const interval = opts.intervalMs ?? DEFAULT_SCRAPE_INTERVAL_MS;
  let byNode = new Map<string, NodeScrape & { readAt: number }>();
  let passAt = 0;
  let inflight: Promise<void> | undefined;

  const scrapeNode = async (name: string, target: KubeletTarget): Promise<[string, NodeScrape & { readAt: number }] | undefined> => {
    try {
      const summary = await opts.fetchSummary(target);
      const readAt = Date.parse(summary.node.cpu.time);
      return [name, { ...usageOf(summary, byNode.get(name)?.readAt), readAt }];
    } catch (err) {
      // a node that does not answer has no metrics this pass (kubectl top says so), as with metrics-server
      log.debug('scrape failed', { node: name, err: String(err) });
      return undefined;
    }
  };
  const pass = async () => {
    const started = Date.now();
    const nodes = await opts.client.list<KObject & NodeShape>({ group: '', version: 'v1', resource: 'nodes' }, undefined);
    const results = await Promise.all(nodes.items.map((n) => {
      const target = kubeletTargetOf(n);
      return target ? scrapeNode(n.metadata!.name!, target) : undefined;
    }));
    byNode = new Map(results.filter((r) => r !== undefined));
    passAt = started;
  };
  const refresh = () => (inflight ??= pass().finally(() => (inflight = undefined)));

  return {
    async current(maxAgeMs) {
      if (Date.now() - passAt > maxAgeMs) await refresh();
      return byNode;
    },
    async run(signal) {
      while (!signal.aborted) {
        await refresh().catch((err: unknown) => log.warn('metrics scrape failed', { err: String(err) }));
        await new Promise<void>((done) => {
          const t = setTimeout(done, interval);
          signal.addEventListener('abort', () => (clearTimeout(t), done()), { once: true });
        });
      }
    },
  };
}
