// API discovery, built once from the resources table: the legacy documents (/api, /api/v1, /apis, /apis/<g>,
// /apis/<g>/<v>) and the aggregated apidiscovery.k8s.io/v2 (and v2beta1) APIGroupDiscoveryList that kubectl
// 1.32 asks /api and /apis for first. Answers are pre-encoded with an ETag, as kube-apiserver serves them.
import { createHash } from 'node:crypto';
import type { ResourceSpec, Subresource } from '../types/resource.ts';

export interface DiscoveryDoc {
  json: Buffer;
  etag: string;
}

export type AggregatedVersion = 'v2' | 'v2beta1';

export interface Discovery {
  /** the document for a legacy discovery path ('/api', '/api/v1', '/apis', '/apis/apps', '/apis/apps/v1'), or undefined */
  legacy(path: string): DiscoveryDoc | undefined;
  /** APIGroupDiscoveryList for '/api' (the core group) or '/apis' (every named group) */
  aggregated(root: '/api' | '/apis', version: AggregatedVersion): DiscoveryDoc;
}

interface Gvk { group: string; version: string; kind: string }

/** What each subresource answers and allows, as kube-apiserver's discovery lists them. */
function subresourceInfo(spec: ResourceSpec, sub: Subresource): { kind: Gvk; verbs: string[] } {
  const self = { group: spec.group, version: spec.version, kind: spec.kind };
  const core = (kind: string) => ({ group: '', version: 'v1', kind });
  switch (sub) {
    case 'status': return { kind: self, verbs: ['get', 'patch', 'update'] };
    case 'scale': return { kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: ['get', 'patch', 'update'] };
    case 'binding': return { kind: core('Binding'), verbs: ['create'] };
    case 'eviction': return { kind: { group: 'policy', version: 'v1', kind: 'Eviction' }, verbs: ['create'] };
    case 'finalize': return { kind: self, verbs: ['update'] };
    case 'approval': return { kind: self, verbs: ['get', 'patch', 'update'] };
    case 'ephemeralcontainers': return { kind: self, verbs: ['get', 'patch', 'update'] };
    case 'token': return { kind: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' }, verbs: ['create'] };
    case 'log': return { kind: core('Pod'), verbs: ['get'] };
    case 'exec': return { kind: core('PodExecOptions'), verbs: ['create', 'get'] };
    case 'attach': return { kind: core('PodAttachOptions'), verbs: ['create', 'get'] };
    case 'portforward': return { kind: core('PodPortForwardOptions'), verbs: ['create', 'get'] };
    case 'proxy': return { kind: core(`${spec.kind}ProxyOptions`), verbs: ['create', 'delete', 'get', 'patch', 'update'] };
  }
}

const encode = (doc: object): DiscoveryDoc => {
  const json = Buffer.from(JSON.stringify(doc));
  return { json, etag: `"${createHash('sha256').update(json).digest('hex').toUpperCase()}"` };
};

/** Groups in table order (core first), each with its versions in table order. */
function groupsOf(resources: readonly ResourceSpec[]): Map<string, Map<string, ResourceSpec[]>> {
  const groups = new Map<string, Map<string, ResourceSpec[]>>();
  for (const r of resources) {
    const versions = groups.get(r.group) ?? new Map<string, ResourceSpec[]>();
    groups.set(r.group, versions);
    versions.set(r.version, [...(versions.get(r.version) ?? []), r]);
  }
  return groups;
}

/** every served version of a kind names the stored one's hash (clients compare it to see the storage move) */
const storageVersionHash = (r: ResourceSpec) =>
  createHash('sha256').update(`${r.group}/${r.conversion?.storageVersion ?? r.version}/${r.kind}`).digest('base64').slice(0, 11);

function apiResourceList(group: string, version: string, specs: ResourceSpec[]): object {
  const resources: object[] = [];
  for (const r of specs) {
    resources.push({
      name: r.resource, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: r.verbs,
      ...(r.shortNames?.length ? { shortNames: r.shortNames } : {}),
      ...(r.categories?.length ? { categories: r.categories } : {}),
      storageVersionHash: storageVersionHash(r),
    });
    for (const sub of r.subresources) {
      const info = subresourceInfo(r, sub);
      resources.push({
        name: `${r.resource}/${sub}`, singularName: '', namespaced: r.namespaced,
        ...(info.kind.group !== r.group || info.kind.version !== r.version ? { group: info.kind.group, version: info.kind.version } : {}),
        kind: info.kind.kind, verbs: info.verbs,
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}

function groupDoc(name: string, versions: string[]): object {
  const list = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { name, versions: list, preferredVersion: list[0] };
}

function aggregatedResource(r: ResourceSpec): object {
  return {
    resource: r.resource,
    responseKind: { group: r.group, version: r.version, kind: r.kind },
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.singular,
    verbs: r.verbs,
    ...(r.shortNames?.length ? { shortNames: r.shortNames } : {}),
    ...(r.categories?.length ? { categories: r.categories } : {}),
    ...(r.subresources.length
      ? { subresources: r.subresources.map((sub) => { const info = subresourceInfo(r, sub); return { subresource: sub, responseKind: info.kind, verbs: info.verbs }; }) }
      : {}),
  };
}

function aggregatedList(groups: Map<string, Map<string, ResourceSpec[]>>, core: boolean, version: AggregatedVersion): object {
  const items: object[] = [];
  for (const [group, versions] of groups) {
    if ((group === '') !== core) continue;
    items.push({
      metadata: group ? { name: group, creationTimestamp: null } : { creationTimestamp: null },
      versions: [...versions].map(([v, specs]) => ({ version: v, resources: specs.map(aggregatedResource), freshness: 'Current' })),
    });
  }
  return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
}

export function createDiscovery(resources: readonly ResourceSpec[]): Discovery {
  const groups = groupsOf(resources);
  const legacy = new Map<string, DiscoveryDoc>();
  const named = [...groups].filter(([g]) => g !== '');
  legacy.set('/api', encode({ kind: 'APIVersions', versions: [...(groups.get('')?.keys() ?? [])], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '' }] }));
  legacy.set('/apis', encode({ kind: 'APIGroupList', apiVersion: 'v1', groups: named.map(([g, vs]) => groupDoc(g, [...vs.keys()])) }));
  for (const [v, specs] of groups.get('') ?? []) legacy.set(`/api/${v}`, encode(apiResourceList('', v, specs)));
  for (const [g, versions] of named) {
    legacy.set(`/apis/${g}`, encode({ kind: 'APIGroup', apiVersion: 'v1', ...groupDoc(g, [...versions.keys()]) }));
    for (const [v, specs] of versions) legacy.set(`/apis/${g}/${v}`, encode(apiResourceList(g, v, specs)));
  }
  const aggregated = new Map<string, DiscoveryDoc>();
  for (const version of ['v2', 'v2beta1'] as const) {
    aggregated.set(`/api ${version}`, encode(aggregatedList(groups, true, version)));
    aggregated.set(`/apis ${version}`, encode(aggregatedList(groups, false, version)));
  }
  return {
    legacy: (path) => legacy.get(path.replace(/\/+$/, '') || '/'),
    aggregated: (root, version) => aggregated.get(`${root} ${version}`)!,
  };
}
