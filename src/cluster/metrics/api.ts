// metrics.k8s.io/v1beta1 served by the API server itself (an in-process metrics-server): nodes and pods,
// list (labelSelector, fieldSelector, all namespaces or one) and get, as JSON or as a Table. The objects are
// joined from two sources: the API's own Nodes/Pods (names, labels, selectors) and the scraper's usage; an
// object the kubelets have no usage for yet is left out of lists and is NotFound on get, as metrics-server does.
import type { ApiClient } from '../client/types.ts';
import type { KObject } from '../types/meta.ts';
import type { ResourceSpec } from '../types/resource.ts';
import { notFoundError, isStatusError } from '../types/status-error.ts';
import { nodeMetricsOf, podMetricsOf } from './convert.ts';
import { metricsTable } from './table.ts';
import type { MetricsScraper } from './scraper.ts';
import { METRICS_API_VERSION, METRICS_GROUP, METRICS_VERSION, type NodeMetrics, type PodMetrics, type PodUsage } from './types.ts';

/** how old the scraped usage may be when a request comes (a fresher pass is made first) */
const MAX_AGE_MS = 5_000;

const noChecks = { statusSubresource: false, generation: false, subresources: [], defaults() {}, validate: () => [], validateUpdate: () => [] } as const;

/** what discovery lists for the group (read-only kinds; nothing is stored) */
export const metricsResources: ResourceSpec[] = [
  { group: METRICS_GROUP, version: METRICS_VERSION, kind: 'NodeMetrics', listKind: 'NodeMetricsList', resource: 'nodes', singular: '', namespaced: false, verbs: ['get', 'list'], ...noChecks, subresources: [] },
  { group: METRICS_GROUP, version: METRICS_VERSION, kind: 'PodMetrics', listKind: 'PodMetricsList', resource: 'pods', singular: '', namespaced: true, verbs: ['get', 'list'], ...noChecks, subresources: [] },
];

export const METRICS_PREFIX = `/apis/${METRICS_API_VERSION}/`;

export interface MetricsRequest {
  /** the path after /apis/metrics.k8s.io/v1beta1/ */
  path: string;
  query: URLSearchParams;
  table: boolean;
  now: Date;
}

export interface MetricsApi {
  resources: ResourceSpec[];
  /** the answer's body for a GET under METRICS_PREFIX, or undefined when the path names nothing here */
  get(r: MetricsRequest): Promise<object | undefined>;
}

const nodesGvr = { group: '', version: 'v1', resource: 'nodes' };
const podsGvr = { group: '', version: 'v1', resource: 'pods' };

type Target = { resource: 'nodes' | 'pods'; namespace?: string; name?: string };

/** nodes[/name] | pods | namespaces/{ns}/pods[/name] */
function parsePath(path: string): Target | undefined {
  const s = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (s[0] === 'nodes' && s.length <= 2) return { resource: 'nodes', name: s[1] };
  if (s[0] === 'pods' && s.length === 1) return { resource: 'pods' };
  if (s[0] === 'namespaces' && s[2] === 'pods' && s.length >= 3 && s.length <= 4) return { resource: 'pods', namespace: s[1], name: s[3] };
  return undefined;
}

/** the API object, or the metrics kind's NotFound when it is not there */
async function getOr404(client: ApiClient, gvr: typeof nodesGvr, namespace: string | undefined, name: string, resource: string): Promise<KObject> {
  try {
    return await client.get(gvr, namespace, name);
  } catch (err) {
    if (isStatusError(err, 'NotFound')) throw notFoundError({ group: METRICS_GROUP, resource }, name);
    throw err;
  }
}

export function createMetricsApi(opts: { client: ApiClient; scraper: MetricsScraper }): MetricsApi {
  const { client, scraper } = opts;
  const podUsages = async () => {
    const byKey = new Map<string, PodUsage>();
    for (const s of (await scraper.current(MAX_AGE_MS)).values()) for (const p of s.pods) byKey.set(`${p.namespace}/${p.name}`, p);
    return byKey;
  };
  const listOpts = (q: URLSearchParams) => ({ labelSelector: q.get('labelSelector') ?? undefined, fieldSelector: q.get('fieldSelector') ?? undefined });

  async function nodes(t: Target, r: MetricsRequest): Promise<object> {
    const usage = await scraper.current(MAX_AGE_MS);
    if (t.name) {
      const node = await getOr404(client, nodesGvr, undefined, t.name, 'nodemetrics');
      const u = usage.get(t.name)?.node;
      if (!u) throw notFoundError({ group: METRICS_GROUP, resource: 'nodemetrics' }, t.name);
      const m = nodeMetricsOf(node, u, r.now);
      return r.table ? metricsTable([m]) : m;
    }
    const list = await client.list(nodesGvr, undefined, listOpts(r.query));
    const items: NodeMetrics[] = [];
    for (const n of list.items) {
      const u = usage.get(n.metadata?.name ?? '')?.node;
      if (u) items.push(nodeMetricsOf(n, u, r.now));
    }
    return r.table ? metricsTable(items) : { kind: 'NodeMetricsList', apiVersion: METRICS_API_VERSION, metadata: {}, items };
  }

  async function pods(t: Target, r: MetricsRequest): Promise<object> {
    const usage = await podUsages();
    if (t.name) {
      const pod = await getOr404(client, podsGvr, t.namespace, t.name, 'podmetrics');
      const u = usage.get(`${t.namespace}/${t.name}`);
      if (!u) throw notFoundError({ group: METRICS_GROUP, resource: 'podmetrics' }, t.name);
      const m = podMetricsOf(pod, u, r.now);
      return r.table ? metricsTable([m]) : m;
    }
    const list = await client.list(podsGvr, t.namespace, listOpts(r.query));
    const items: PodMetrics[] = [];
    for (const p of list.items) {
      const u = usage.get(`${p.metadata?.namespace}/${p.metadata?.name}`);
      if (u) items.push(podMetricsOf(p, u, r.now));
    }
    return r.table ? metricsTable(items) : { kind: 'PodMetricsList', apiVersion: METRICS_API_VERSION, metadata: {}, items };
  }

  return {
    resources: metricsResources,
    async get(r) {
      const t = parsePath(r.path);
      if (!t) return undefined;
      return t.resource === 'nodes' ? nodes(t, r) : pods(t, r);
    },
  };
}
