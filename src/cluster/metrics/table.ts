// NodeMetrics/PodMetrics as a Table (kubectl get nodes.metrics.k8s.io): metrics-server's columns Name, CPU,
// Memory, Window; a pod's CPU and Memory are its containers' sums.
import { formatMemory, memoryBytes } from '../types/quantity.ts';
import { formatNanoCores } from './convert.ts';
import type { NodeMetrics, PodMetrics } from './types.ts';

const column = (name: string, type: string, description: string, format = '') => ({ name, type, format, description, priority: 0 });

const columns = [
  column('Name', 'string', 'Name must be unique within a namespace.', 'name'),
  column('CPU', 'string', 'CPU usage'),
  column('Memory', 'string', 'Memory usage'),
  column('Window', 'string', 'Interval over which the usage was measured'),
];

/** nano-cores of a cpu Quantity as formatNanoCores writes them (n, u, m or whole cores) */
function nanoCoresOf(q: string): number {
  const r = /^(\d+)([num]?)$/.exec(q);
  if (!r) return 0;
  return Number(r[1]) * ({ n: 1, u: 1e3, m: 1e6, '': 1e9 } as Record<string, number>)[r[2]];
}

export function metricsTable(items: Array<NodeMetrics | PodMetrics>): object {
  return {
    kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: {}, columnDefinitions: columns,
    rows: items.map((m) => {
      const usages = m.kind === 'NodeMetrics' ? [m.usage] : m.containers.map((c) => c.usage);
      const cpu = usages.reduce((a, u) => a + nanoCoresOf(u.cpu), 0);
      const mem = usages.reduce((a, u) => a + memoryBytes(u.memory), 0);
      return {
        cells: [m.metadata?.name ?? '', formatNanoCores(cpu), formatMemory(mem), m.window],
        object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: m.metadata },
      };
    }),
  };
}
