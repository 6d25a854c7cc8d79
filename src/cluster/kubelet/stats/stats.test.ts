import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerStats, PodSandbox, PodSandboxStats } from '../../../engine/types/runtime.ts';
import { memoryOf, parseMeminfo, parseProcStatCpu, readHost, type HostReading } from './host.ts';
import { buildSummary, cpuRate, type CpuHistory } from './summary.ts';
import { renderResourceMetrics } from './resource-metrics.ts';

const S = 1e9; // ns per second
const T0 = Date.parse('2026-12-05T02:00:00Z') * 1e6; // unix ns

test('cpuRate: the first reading is the average since start, the next ones the change over the window', () => {
  const h: CpuHistory = new Map();
  // 2 s of cpu over the 10 s since it started: 0.2 cores
  assert.equal(cpuRate(h, 'c', T0 + 10 * S, 2 * S, T0), 0.2e9);
  // 1.5 cpu-seconds more in the next 5 s: 0.3 cores
  assert.equal(cpuRate(h, 'c', T0 + 15 * S, 3.5 * S, T0), 0.3e9);
  // a reading 100 ms later is too close to measure: the last rate again, and the window stays
  assert.equal(cpuRate(h, 'c', T0 + 15.1 * S, 3.6 * S, T0), 0.3e9);
  assert.equal(cpuRate(h, 'c', T0 + 20 * S, 3.5 * S + 0.5e9, T0), 0.1e9);
  // the counter went back (a new container with the same key): its average since start again
  assert.equal(cpuRate(h, 'c', T0 + 30 * S, 1 * S, T0 + 28 * S), 0.5e9);
  // no start time and no history: no rate
  assert.equal(cpuRate(h, 'new', T0, 5, 0), undefined);
});

test('host figures: /proc/stat busy time in ns, memory usage and working set from /proc/meminfo', async () => {
  // user nice system idle iowait irq softirq steal: busy = 100+2+50+3+4+1 ticks = 160 ticks = 1.6 s
  assert.equal(parseProcStatCpu('cpu  100 2 50 9999 77 3 4 1 0 0\ncpu0 100 2 50 9999 77 3 4 1 0 0\n'), 1.6e9);
  const mem = memoryOf(parseMeminfo('MemTotal:  1000 kB\nMemFree:  200 kB\nInactive(file):  300 kB\nAnonPages:  100 kB\nHugePages_Total:  0\n'), new Map([['pgfault', 7], ['pgmajfault', 2]]));
  assert.deepEqual(mem, { totalBytes: 1024000, usageBytes: 819200, workingSetBytes: 512000, rssBytes: 102400, pageFaults: 7, majorPageFaults: 2 });
  // this machine's own: plausible values
  const h = await readHost();
  assert.ok(h.cpuNs > 0 && h.memory.totalBytes > h.memory.workingSetBytes && h.memory.workingSetBytes > 0);
  assert.ok(h.bootTime > 0 && h.bootTime < Date.now());
  assert.ok(h.fs && h.fs.capacityBytes >= h.fs.usedBytes);
});

const sandbox = (id: string, name: string, createdAt: number): PodSandbox => ({
  id, metadata: { name, uid: `uid-${name}`, namespace: 'default', attempt: 0 }, state: 'SANDBOX_READY', createdAt, labels: {}, annotations: {},
} as PodSandbox);

const ctr = (id: string, name: string, at: number, cpuNs: number, ws: number): ContainerStats => ({
  id, metadata: { name, attempt: 0 }, labels: {}, annotations: {}, timestamp: at,
  cpu: { usageCoreNanoSeconds: cpuNs }, memory: { workingSetBytes: ws, usageBytes: ws + 100, rssBytes: ws - 100, pageFaults: 3 }, writableLayer: { usedBytes: 4096 },
});

const podStats = (id: string, at: number, containers: ContainerStats[], pauseNs: number, pauseWs: number): PodSandboxStats => ({
  id, metadata: { name: 'x', uid: 'u', namespace: 'default', attempt: 0 }, timestamp: at,
  cpu: { usageCoreNanoSeconds: containers.reduce((a, c) => a + c.cpu.usageCoreNanoSeconds, pauseNs) },
  memory: { workingSetBytes: containers.reduce((a, c) => a + c.memory.workingSetBytes, pauseWs) },
  network: { interfaces: [{ name: 'eth0', rxBytes: 10, txBytes: 20 }] },
  containers,
});

const host = (atNs: number, cpuNs: number): HostReading => ({
  at: atNs / 1e6, bootTime: (T0 - 3600 * S) / 1e6, cpuNs,
  memory: { totalBytes: 8e9, usageBytes: 3e9, workingSetBytes: 2e9, rssBytes: 1e9, pageFaults: 5, majorPageFaults: 1 },
});

test('buildSummary: the Summary API shape, rates between two passes, forgotten containers', () => {
  const h: CpuHistory = new Map();
  const starts = new Map([['c1', T0], ['c2', T0]]);
  const sb = sandbox('sb1', 'web', T0);
  const first = buildSummary('node-a', host(T0 + 10 * S, 1000 * S), [{ sandbox: sb, stats: podStats('sb1', T0 + 10 * S, [ctr('c1', 'httpd', T0 + 10 * S, 1 * S, 5000), ctr('c2', 'side', T0 + 10 * S, 5 * S, 1000)], 0.1 * S, 200) }], starts, h);
  assert.equal(first.node.nodeName, 'node-a');
  assert.equal(first.node.startTime, '2026-12-05T01:00:00Z');
  // the node's first rate: busy time since boot
  assert.equal(first.node.cpu.usageNanoCores, Math.round(1000 / 3610 * 1e9));
  assert.deepEqual(first.node.memory, { time: '2026-12-05T02:00:10Z', availableBytes: 6e9, usageBytes: 3e9, workingSetBytes: 2e9, rssBytes: 1e9, pageFaults: 5, majorPageFaults: 1 });
  const pod = first.pods[0];
  assert.deepEqual(pod.podRef, { name: 'web', namespace: 'default', uid: 'uid-web' });
  assert.equal(pod.startTime, '2026-12-05T02:00:00Z');
  assert.deepEqual(pod.containers.map((c) => [c.name, c.cpu.usageNanoCores, c.memory.workingSetBytes]), [['httpd', 0.1e9, 5000], ['side', 0.5e9, 1000]]);
  assert.deepEqual(pod.containers[0].rootfs, { time: '2026-12-05T02:00:10Z', usedBytes: 4096 });
  assert.deepEqual(pod.memory, { time: '2026-12-05T02:00:10Z', workingSetBytes: 6200 });
  assert.equal(pod.cpu.usageNanoCores, 0.61e9);
  assert.equal(pod.network?.name, 'eth0');

  // 15 s later: httpd used 3 more cpu-seconds (0.2 cores), side is gone
  const second = buildSummary('node-a', host(T0 + 25 * S, 1006 * S), [{ sandbox: sb, stats: podStats('sb1', T0 + 25 * S, [ctr('c1', 'httpd', T0 + 25 * S, 4 * S, 6000)], 0.1 * S, 200) }], starts, h);
  assert.equal(second.node.cpu.usageNanoCores, 0.4e9);
  assert.deepEqual(second.pods[0].containers.map((c) => [c.name, c.cpu.usageNanoCores, c.cpu.usageCoreNanoSeconds]), [['httpd', 0.2e9, 4 * S]]);
  assert.ok(!h.has('ctr/c2'), 'a container that is gone is forgotten');
  // the pod's own counter dropped (side's cpu left the sum): its average since the sandbox began
  assert.equal(second.pods[0].cpu.usageNanoCores, Math.round(4.1 / 25 * 1e9));
});

test('/metrics/resource: the kubelet resource metrics names, labels and ms timestamps', () => {
  const h: CpuHistory = new Map();
  const s = buildSummary('node-a', host(T0 + 10 * S, 1000 * S), [{ sandbox: sandbox('sb1', 'web', T0), stats: podStats('sb1', T0 + 10 * S, [ctr('c1', 'httpd', T0 + 10 * S, 1.5 * S, 5000)], 0, 200) }], new Map([['c1', T0]]), h);
  const text = renderResourceMetrics(s);
  const ms = (T0 + 10 * S) / 1e6;
  assert.match(text, /^# HELP container_cpu_usage_seconds_total /m);
  assert.match(text, /^# TYPE container_cpu_usage_seconds_total counter$/m);
  assert.ok(text.includes(`container_cpu_usage_seconds_total{container="httpd",namespace="default",pod="web"} 1.5 ${ms}\n`), text);
  assert.ok(text.includes(`container_memory_working_set_bytes{container="httpd",namespace="default",pod="web"} 5000 ${ms}\n`));
  assert.ok(text.includes(`container_start_time_seconds{container="httpd",namespace="default",pod="web"} ${T0 / 1e9} ${ms}\n`));
  assert.ok(text.includes(`pod_memory_working_set_bytes{namespace="default",pod="web"} 5200 ${ms}\n`));
  assert.ok(text.includes(`node_cpu_usage_seconds_total 1000 ${ms}\n`));
  assert.ok(text.includes(`node_memory_working_set_bytes 2000000000 ${ms}\n`));
  assert.match(text, /^resource_scrape_error 0$/m);
});
