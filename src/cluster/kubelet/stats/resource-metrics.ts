// GET /metrics/resource: the Summary's cumulative cpu and working sets in Prometheus text, the names and
// labels the kubelet's resource metrics endpoint uses (what metrics-server scrapes), each sample stamped
// with its reading's time in ms.
import type { Summary } from './types.ts';

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const labels = (l: Record<string, string>) => `{${Object.entries(l).map(([k, v]) => `${k}="${esc(v)}"`).join(',')}}`;
const ms = (t: string) => Date.parse(t);

const help: Array<[string, string, string]> = [
  ['container_cpu_usage_seconds_total', 'counter', 'Cumulative cpu time consumed by the container in core-seconds'],
  ['container_memory_working_set_bytes', 'gauge', 'Current working set of the container in bytes'],
  ['container_start_time_seconds', 'gauge', 'Start time of the container since unix epoch in seconds'],
  ['node_cpu_usage_seconds_total', 'counter', 'Cumulative cpu time consumed by the node in core-seconds'],
  ['node_memory_working_set_bytes', 'gauge', 'Current working set of the node in bytes'],
  ['pod_cpu_usage_seconds_total', 'counter', 'Cumulative cpu time consumed by the pod in core-seconds'],
  ['pod_memory_working_set_bytes', 'gauge', 'Current working set of the pod in bytes'],
  ['resource_scrape_error', 'gauge', '1 if there was an error while getting container metrics, 0 otherwise'],
];

export function renderResourceMetrics(s: Summary, scrapeError = false): string {
  const samples = new Map<string, string[]>(help.map(([name]) => [name, []]));
  const add = (name: string, l: Record<string, string> | undefined, value: number, time?: string) =>
    samples.get(name)!.push(`${name}${l ? labels(l) : ''} ${value}${time ? ` ${ms(time)}` : ''}`);
  for (const p of s.pods) {
    const pod = { namespace: p.podRef.namespace, pod: p.podRef.name };
    for (const c of p.containers) {
      const l = { container: c.name, ...pod };
      add('container_cpu_usage_seconds_total', l, c.cpu.usageCoreNanoSeconds / 1e9, c.cpu.time);
      add('container_memory_working_set_bytes', l, c.memory.workingSetBytes, c.memory.time);
      add('container_start_time_seconds', l, ms(c.startTime) / 1000, c.cpu.time);
    }
    add('pod_cpu_usage_seconds_total', pod, p.cpu.usageCoreNanoSeconds / 1e9, p.cpu.time);
    add('pod_memory_working_set_bytes', pod, p.memory.workingSetBytes, p.memory.time);
  }
  add('node_cpu_usage_seconds_total', undefined, s.node.cpu.usageCoreNanoSeconds / 1e9, s.node.cpu.time);
  add('node_memory_working_set_bytes', undefined, s.node.memory.workingSetBytes, s.node.memory.time);
  add('resource_scrape_error', undefined, scrapeError ? 1 : 0);
  return help.map(([name, type, text]) => `# HELP ${name} [STABLE] ${text}\n# TYPE ${name} ${type}\n${samples.get(name)!.map((l) => `${l}\n`).join('')}`).join('');
}
