// Request latency of the API server, measured around the REST layer so it counts both kubectl's requests
// and the in-process controllers' calls. Served at /metrics in Prometheus text format: a histogram per
// verb (as kube-apiserver's apiserver_request_duration_seconds) and a summary of the last samples
// (p50/p90/p99) for mutating and list calls, which bench/control-plane reads.
import type { ApiClient } from '../client/types.ts';
import type { Rest } from '../apiserver/rest/types.ts';

const buckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const WINDOW = 100_000;

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

type Class = 'mutating' | 'list' | 'get';

export interface ApiMetrics {
  /** the Rest with every verb but watch timed */
  timed(rest: Rest): Rest;
  render(): string;
}

export function createApiMetrics(): ApiMetrics {
  const hist = new Map<string, Histogram>();
  const windows: Record<Class, { samples: Float64Array; next: number; filled: number }> = {
    mutating: { samples: new Float64Array(WINDOW), next: 0, filled: 0 },
    list: { samples: new Float64Array(WINDOW), next: 0, filled: 0 },
    get: { samples: new Float64Array(WINDOW), next: 0, filled: 0 },
  };
  const observe = (verb: string, resource: string, cls: Class, seconds: number) => {
    const key = `${verb}\u0000${resource}`;
    let h = hist.get(key);
    if (!h) hist.set(key, (h = { counts: buckets.map(() => 0), sum: 0, count: 0 }));
    for (let i = 0; i < buckets.length; i++) if (seconds <= buckets[i]) h.counts[i]++;
    h.sum += seconds;
    h.count++;
    const w = windows[cls];
    w.samples[w.next] = seconds;
    w.next = (w.next + 1) % WINDOW;
    w.filled = Math.min(w.filled + 1, WINDOW);
  };
  const time = <A extends unknown[], R>(verb: string, cls: Class, fn: (...a: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const t0 = performance.now();
      try {
        return await fn(...args);
      } finally {
        const r = args[0] as { resource: string };
        observe(verb, r.resource, cls, (performance.now() - t0) / 1000);
      }
    };
  return {
    timed(rest) {
      const c: ApiClient = rest;
      return {
        ...rest,
        start: rest.start,
        bootstrap: rest.bootstrap,
        currentRevision: rest.currentRevision,
        close: rest.close,
        watch: c.watch.bind(rest),
        get: time('GET', 'get', c.get.bind(rest)),
        list: time('LIST', 'list', c.list.bind(rest)),
        create: time('POST', 'mutating', c.create.bind(rest)),
        update: time('PUT', 'mutating', c.update.bind(rest)),
        patch: time('PATCH', 'mutating', c.patch.bind(rest)),
        delete: time('DELETE', 'mutating', c.delete.bind(rest)),
        deleteCollection: time('DELETECOLLECTION', 'mutating', c.deleteCollection.bind(rest)),
      } as Rest;
    },
    render() {
      const out: string[] = [
        '# HELP apiserver_request_duration_seconds Response latency distribution in seconds for each verb and resource.',
        '# TYPE apiserver_request_duration_seconds histogram',
      ];
      for (const [key, h] of [...hist].sort()) {
        const [verb, resource] = key.split('\u0000');
        const l = `verb="${verb}",resource="${resource}"`;
        buckets.forEach((b, i) => out.push(`apiserver_request_duration_seconds_bucket{${l},le="${b}"} ${h.counts[i]}`));
        out.push(`apiserver_request_duration_seconds_bucket{${l},le="+Inf"} ${h.count}`);
        out.push(`apiserver_request_duration_seconds_sum{${l}} ${h.sum}`);
        out.push(`apiserver_request_duration_seconds_count{${l}} ${h.count}`);
      }
      out.push('# HELP skiff_apiserver_request_latency_seconds Latency quantiles over the last 100000 calls of each class.');
      out.push('# TYPE skiff_apiserver_request_latency_seconds summary');
      for (const [cls, w] of Object.entries(windows)) {
        const sorted = Float64Array.from(w.samples.subarray(0, w.filled)).sort();
        for (const q of [0.5, 0.9, 0.99]) {
          const v = sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : 0;
          out.push(`skiff_apiserver_request_latency_seconds{class="${cls}",quantile="${q}"} ${v}`);
        }
        out.push(`skiff_apiserver_request_latency_seconds_count{class="${cls}"} ${w.filled}`);
      }
      out.push(`process_resident_memory_bytes ${process.memoryUsage.rss()}`);
      return out.join('\n') + '\n';
    },
  };
}
