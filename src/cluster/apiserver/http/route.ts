// Resource URLs → what they address:
//   /api/v1/[namespaces/{ns}/]{resource}[/{name}[/{subresource}]]   /apis/{group}/{version}/…   /api/v1/watch/…
// /api/v1/namespaces/{name}[/status|/finalize] is the Namespace itself. Anything the table does not serve → undefined (404).
import type { ResourceSpec, Subresource } from '../../types/resource.ts';
import type { ResourceSet } from '../../types/resource-set.ts';

export interface ResourceTarget {
  spec: ResourceSpec;
  /** set for a namespaced kind under /namespaces/{ns}; undefined for cluster-scoped kinds and all-namespaces lists */
  namespace?: string;
  name?: string;
  subresource?: Subresource;
  /** the legacy /watch/ prefix */
  watchPrefix: boolean;
}

/** `<group>/<version>/<resource>` → the spec served there */
export type ResourceIndex = Pick<Map<string, ResourceSpec>, 'get'>;

/** An index over a fixed list, or a live one over the served set (kinds installed later route at once) */
export function indexResources(resources: readonly ResourceSpec[] | ResourceSet): ResourceIndex {
  if ('replace' in resources) {
    return {
      get(key) {
        const [group, version, resource] = key.split('/');
        return resources.find({ group, version, resource });
      },
    };
  }
  return new Map(resources.map((r) => [`${r.group}/${r.version}/${r.resource}`, r]));
}

/** The group, version and the segments after them, for /api/v1/… and /apis/{g}/{v}/… paths with at least one segment more */
function splitApiPath(pathname: string): { group: string; version: string; rest: string[] } | undefined {
  const segs = pathname.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
  if (segs[0] === 'api' && segs.length >= 3) return { group: '', version: segs[1], rest: segs.slice(2) };
  if (segs[0] === 'apis' && segs.length >= 4) return { group: segs[1], version: segs[2], rest: segs.slice(3) };
  return undefined;
}

export function parseResourcePath(pathname: string, index: ResourceIndex): ResourceTarget | undefined {
  const api = splitApiPath(pathname);
  if (!api) return undefined;
  let rest = api.rest;
  const watchPrefix = rest[0] === 'watch';
  if (watchPrefix) rest = rest.slice(1);
  const find = (resource: string) => index.get(`${api.group}/${api.version}/${resource}`);

  // namespaces/{ns}/{resource}/… unless it is the Namespace's own subresource (namespaces/{name}/status)
  if (rest[0] === 'namespaces' && rest.length >= 3 && find('namespaces')?.subresources.includes(rest[2] as Subresource) !== true) {
    const spec = find(rest[2]);
    if (!spec || !spec.namespaced || rest.length > 5) return undefined;
    return withSubresource({ spec, namespace: rest[1], name: rest[3], watchPrefix }, rest[4]);
  }
  const spec = rest[0] === undefined ? undefined : find(rest[0]);
  if (!spec || rest.length > 3) return undefined;
  // a namespaced kind outside a namespace: only its all-namespaces collection
  if (spec.namespaced && rest.length > 1) return undefined;
  return withSubresource({ spec, name: rest[1], watchPrefix }, rest[2]);
}

function withSubresource(t: ResourceTarget, sub: string | undefined): ResourceTarget | undefined {
  if (sub === undefined) return t;
  if (t.watchPrefix || !t.spec.subresources.includes(sub as Subresource)) return undefined;
  return { ...t, subresource: sub as Subresource };
}
