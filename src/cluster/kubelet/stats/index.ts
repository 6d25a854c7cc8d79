// The kubelet's stats endpoints: GET /stats/summary (the Summary API, JSON) and GET /metrics/resource
// (Prometheus text), read from the host's /proc and the RuntimeService's sandbox stats (cgroups). The
// kubelet's HTTPS server mounts them: startKubeletServer({ …, extraRoutes: stats.routes }).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RuntimeService } from '../../../engine/types/runtime.ts';
import { readHost } from './host.ts';
import { buildSummary, type CpuHistory, type PodReading } from './summary.ts';
import { renderResourceMetrics } from './resource-metrics.ts';
import type { Summary } from './types.ts';

export type * from './types.ts';
export { buildSummary, cpuRate, type CpuHistory, type PodReading } from './summary.ts';
export { renderResourceMetrics } from './resource-metrics.ts';

export interface KubeletStatsOptions {
  runtime: RuntimeService;
  nodeName: string;
  /** the filesystem the node's fs figures describe (default /) */
  fsPath?: string;
}

export interface KubeletStats {
  summary(): Promise<Summary>;
  /** the kubelet server's extraRoutes: serves /stats/summary and /metrics/resource, false for anything else */
  routes(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
}

export function createKubeletStats(opts: KubeletStatsOptions): KubeletStats {
  const history: CpuHistory = new Map();
  let inflight: Promise<Summary> | undefined;
  const read = async (): Promise<Summary> => {
    const [host, sandboxes, containers] = await Promise.all([
      readHost(opts.fsPath),
      opts.runtime.listPodSandbox({ state: 'SANDBOX_READY' }),
      opts.runtime.listContainers({ state: 'CONTAINER_RUNNING' }),
    ]);
    const readings = await Promise.all(sandboxes.map(async (sandbox): Promise<PodReading | undefined> => {
      // a sandbox removed between the list and its stats is simply not in this pass
      const stats = await opts.runtime.podSandboxStats(sandbox.id).catch(() => undefined);
      return stats ? { sandbox, stats } : undefined;
    }));
    const starts = new Map(containers.map((c) => [c.id, c.createdAt]));
    return buildSummary(opts.nodeName, host, readings.filter((r): r is PodReading => r !== undefined), starts, history);
  };
  // one pass at a time: concurrent callers share it, and the cpu history sees readings in order
  const summary = () => (inflight ??= read().finally(() => (inflight = undefined)));
  return {
    summary,
    async routes(req, res, url) {
      if (url.pathname !== '/stats/summary' && url.pathname !== '/metrics/resource') return false;
      if (req.method !== 'GET') {
        res.writeHead(405, { 'Content-Type': 'text/plain' }).end('method not allowed');
        return true;
      }
      const s = await summary();
      if (url.pathname === '/stats/summary') {
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(s));
      } else {
        res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' }).end(renderResourceMetrics(s));
      }
      return true;
    },
  };
}
