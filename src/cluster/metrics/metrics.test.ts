import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFakeClient } from '../client/fake.ts';
import { resources } from '../types/registry.ts';
import { createApiHandler } from '../apiserver/http/index.ts';
import type { Summary } from '../kubelet/stats/index.ts';
import { createMetricsApi, createMetricsScraper, formatNanoCores, formatWindow, kubeletTargetOf, usageOf, type KubeletTarget } from './index.ts';

const summary = (node: string, time: string, pods: Array<{ ns: string; name: string; containers: Array<[string, number | undefined, number]> }>, nodeCpu?: number): Summary => ({
  node: { nodeName: node, startTime: '2026-12-05T00:00:00Z', cpu: { time, usageCoreNanoSeconds: 1e12, ...(nodeCpu !== undefined ? { usageNanoCores: nodeCpu } : {}) }, memory: { time, workingSetBytes: 512 * 1024 * 1024 } },
  pods: pods.map((p) => ({
    podRef: { name: p.name, namespace: p.ns, uid: `uid-${p.name}` }, startTime: '2026-12-05T01:59:50Z',
    cpu: { time, usageCoreNanoSeconds: 1 }, memory: { time, workingSetBytes: 1 },
    containers: p.containers.map(([name, cpu, mem]) => ({ name, startTime: '2026-12-05T01:59:50Z', cpu: { time, usageCoreNanoSeconds: 5e9, ...(cpu !== undefined ? { usageNanoCores: cpu } : {}) }, memory: { time, workingSetBytes: mem } })),
  })),
});

test('quantities and windows as metrics-server writes them', () => {
  assert.deepEqual([0, 1500, 2000, 250e6, 2e9, 1234567].map(formatNanoCores), ['0', '1500n', '2u', '250m', '2', '1234567n']);
  assert.deepEqual([15020, 500, 61500].map(formatWindow), ['15.02s', '0.5s', '1m1.5s']);
});

test('usageOf: the rates and working sets; a pod without a rate yet is left out; the window since the last scrape', () => {
  const s = summary('n1', '2026-12-05T02:00:00Z', [
    { ns: 'default', name: 'web', containers: [['httpd', 3e6, 4096], ['side', 0, 8192]] },
    { ns: 'default', name: 'fresh', containers: [['c', undefined, 1]] },
  ], 250e6);
  const first = usageOf(s, undefined);
  assert.deepEqual(first.node, { timestamp: '2026-12-05T02:00:00Z', windowMs: 2 * 3600e3, cpuNanoCores: 250e6, memoryBytes: 512 * 1024 * 1024 });
  assert.deepEqual(first.pods.map((p) => [p.name, p.windowMs, p.containers]), [['web', 10e3, [{ name: 'httpd', cpuNanoCores: 3e6, memoryBytes: 4096 }, { name: 'side', cpuNanoCores: 0, memoryBytes: 8192 }]]]);
  const next = usageOf(s, Date.parse('2026-12-05T01:59:45Z'));
  assert.equal(next.node?.windowMs, 15e3);
  assert.equal(usageOf(summary('n1', '2026-12-05T02:00:00Z', []), undefined).node, undefined, 'no node rate, no node metrics');
});

test('kubeletTargetOf: Ready nodes with an address and a kubelet port only', () => {
  const node = (ready: string, port: number) => ({ metadata: { name: 'n' }, status: { conditions: [{ type: 'Ready', status: ready }], addresses: [{ type: 'Hostname', address: 'n' }, { type: 'InternalIP', address: '10.0.0.2' }], daemonEndpoints: { kubeletEndpoint: { Port: port } } } });
  assert.deepEqual(kubeletTargetOf(node('True', 10250)), { host: '10.0.0.2', port: 10250 });
  assert.equal(kubeletTargetOf(node('Unknown', 10250)), undefined);
  assert.equal(kubeletTargetOf(node('True', 0)), undefined, 'a simulated node');
});

// the metrics API through the API server's HTTP face, over a fake client and summaries handed to the scraper
let server: Server;
let base = '';
const scraped: KubeletTarget[] = [];
const clock = { n: 0 };

before(async () => {
  const nodeObj = (name: string, ip: string, port: number, labels: Record<string, string>) => ({
    apiVersion: 'v1', kind: 'Node', metadata: { name, labels },
    status: { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: ip }], daemonEndpoints: { kubeletEndpoint: { Port: port } } },
  });
  const podObj = (ns: string, name: string, labels: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: ns, name, labels }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
  const client = createFakeClient([
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } }, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } },
    nodeObj('n1', '10.0.0.1', 10250, { zone: 'a' }), nodeObj('n2', '10.0.0.2', 10250, { zone: 'b' }), nodeObj('sim', '10.0.0.3', 0, { zone: 'a' }),
    podObj('default', 'web', { app: 'web' }), podObj('default', 'db', { app: 'db' }), podObj('other', 'web', { app: 'web' }), podObj('default', 'nometrics', { app: 'web' }),
  ]);
  const summaries: Record<string, () => Summary> = {
    '10.0.0.1': () => summary('n1', `2026-12-05T02:00:${String(10 + clock.n).padStart(2, '0')}Z`, [
      { ns: 'default', name: 'web', containers: [['httpd', 2e6, 4 * 1024 * 1024], ['side', 1e6, 1024 * 1024]] },
      { ns: 'other', name: 'web', containers: [['c', 5e8, 2048]] },
    ], 1.5e9),
    '10.0.0.2': () => summary('n2', '2026-12-05T02:00:10Z', [{ ns: 'default', name: 'db', containers: [['c', 1e9, 10 * 1024 * 1024]] }], 0.25e9),
  };
  const scraper = createMetricsScraper({ client, fetchSummary: async (t) => (scraped.push(t), summaries[t.host]()) });
  const handler = createApiHandler({ rest: client, resources, authenticate: () => ({ name: 'admin', groups: ['system:masters'] }), metrics: createMetricsApi({ client, scraper }), now: () => new Date('2026-12-05T02:01:00Z') });
  server = createServer(handler);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => { server.closeAllConnections(); server.close(); });

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test bodies are read field by field
const get = async (path: string, accept = 'application/json'): Promise<{ code: number; body: any; type: string | null }> => {
  const res = await fetch(`${base}${path}`, { headers: { accept } });
  return { code: res.status, body: await res.json(), type: res.headers.get('content-type') };
};

test('discovery lists metrics.k8s.io/v1beta1 nodes and pods (legacy and aggregated)', async () => {
  const group = await get('/apis/metrics.k8s.io');
  assert.equal(group.body.preferredVersion.groupVersion, 'metrics.k8s.io/v1beta1');
  const list = await get('/apis/metrics.k8s.io/v1beta1');
  assert.deepEqual(list.body.resources.map((r: { name: string; kind: string; namespaced: boolean; verbs: string[] }) => [r.name, r.kind, r.namespaced, r.verbs]), [['nodes', 'NodeMetrics', false, ['get', 'list']], ['pods', 'PodMetrics', true, ['get', 'list']]]);
  const agg = await get('/apis', 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
  assert.ok(agg.body.items.some((g: { metadata: { name: string } }) => g.metadata.name === 'metrics.k8s.io'));
});

test('NodeMetrics: list (Ready nodes with a kubelet), label selector, get, NotFound', async () => {
  const all = await get('/apis/metrics.k8s.io/v1beta1/nodes');
  assert.equal(all.code, 200);
  assert.equal(all.body.kind, 'NodeMetricsList');
  assert.deepEqual(all.body.items.map((n: { metadata: { name: string }; usage: object }) => [n.metadata.name, n.usage]), [['n1', { cpu: '1500m', memory: '512Mi' }], ['n2', { cpu: '250m', memory: '512Mi' }]]);
  assert.deepEqual(scraped.map((t) => t.host).sort(), ['10.0.0.1', '10.0.0.2'], 'the simulated node (port 0) is not dialled');
  const a = await get('/apis/metrics.k8s.io/v1beta1/nodes?labelSelector=zone%3Da');
  assert.deepEqual(a.body.items.map((n: { metadata: { name: string; labels: object } }) => [n.metadata.name, n.metadata.labels]), [['n1', { zone: 'a' }]]);
  const one = await get('/apis/metrics.k8s.io/v1beta1/nodes/n2');
  assert.equal(one.body.kind, 'NodeMetrics');
  assert.equal(one.body.apiVersion, 'metrics.k8s.io/v1beta1');
  assert.equal(one.body.timestamp, '2026-12-05T02:00:10Z');
  const sim = await get('/apis/metrics.k8s.io/v1beta1/nodes/sim');
  assert.equal(sim.code, 404);
  assert.equal(sim.body.message, 'nodemetrics.metrics.k8s.io "sim" not found');
  assert.equal((await get('/apis/metrics.k8s.io/v1beta1/nodes/nope')).body.message, 'nodemetrics.metrics.k8s.io "nope" not found');
});

test('PodMetrics: one namespace, all namespaces, selectors, get, and a Table', async () => {
  const ns = await get('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods');
  assert.equal(ns.body.kind, 'PodMetricsList');
  assert.deepEqual(ns.body.items.map((p: { metadata: { name: string } }) => p.metadata.name).sort(), ['db', 'web']);
  const web = ns.body.items.find((p: { metadata: { name: string } }) => p.metadata.name === 'web');
  assert.deepEqual(web.containers, [{ name: 'httpd', usage: { cpu: '2m', memory: '4Mi' } }, { name: 'side', usage: { cpu: '1m', memory: '1Mi' } }]);
  assert.equal(web.metadata.namespace, 'default');
  assert.deepEqual(web.metadata.labels, { app: 'web' });
  const all = await get('/apis/metrics.k8s.io/v1beta1/pods?labelSelector=app%3Dweb');
  assert.deepEqual(all.body.items.map((p: { metadata: { namespace: string; name: string } }) => `${p.metadata.namespace}/${p.metadata.name}`).sort(), ['default/web', 'other/web']);
  const field = await get('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?fieldSelector=metadata.name%3Ddb');
  assert.deepEqual(field.body.items.map((p: { metadata: { name: string } }) => p.metadata.name), ['db']);
  assert.equal((await get('/apis/metrics.k8s.io/v1beta1/namespaces/other/pods/web')).body.containers[0].usage.cpu, '500m');
  const missing = await get('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/nometrics');
  assert.equal(missing.code, 404);
  assert.equal(missing.body.message, 'podmetrics.metrics.k8s.io "nometrics" not found');
  const table = await get('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods', 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json');
  assert.equal(table.type, 'application/json;as=Table;v=v1;g=meta.k8s.io');
  assert.deepEqual(table.body.columnDefinitions.map((c: { name: string }) => c.name), ['Name', 'CPU', 'Memory', 'Window']);
  const row = table.body.rows.find((r: { cells: string[] }) => r.cells[0] === 'web');
  assert.deepEqual(row.cells.slice(0, 3), ['web', '3m', '5Mi']);
  assert.equal(row.object.metadata.name, 'web');
});

test('metrics are read-only and other paths under the group are 404', async () => {
  const res = await fetch(`${base}/apis/metrics.k8s.io/v1beta1/nodes`, { method: 'POST', body: '{}' });
  assert.equal(res.status, 405);
  assert.equal((await get('/apis/metrics.k8s.io/v1beta1/namespaces/default/deployments')).code, 404);
});

test('the scraper answers from its cache while it is fresh, and scrapes again when it is older than asked', async () => {
  const scraper = createMetricsScraper({
    client: createFakeClient([{ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, status: { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: '10.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: 1 } } } }]),
    fetchSummary: async () => (clock.n++, summary('n1', `2026-12-05T02:00:${String(10 + clock.n * 15).padStart(2, '0')}Z`, [], 1e9)),
  });
  const before = clock.n;
  await scraper.current(60_000);
  await scraper.current(60_000);
  assert.equal(clock.n, before + 1, 'one scrape for two fresh reads');
  const again = await scraper.current(-1);
  assert.equal(clock.n, before + 2);
  assert.equal(again.get('n1')?.node?.windowMs, 15_000, 'the window is the time since the previous scrape of the node');
});
