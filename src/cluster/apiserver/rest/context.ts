// What every verb of the REST layer shares: the store, the watch cache, the patcher, the allocators, the clock,
// and the lookup of a GVR's ResourceSpec.
import type { Store } from '../../store/types.ts';
import type { GVR } from '../../types/meta.ts';
import type { ResourceSpec } from '../../types/resource.ts';
import type { ResourceSet } from '../../types/resource-set.ts';
import { StatusError } from '../../types/status-error.ts';
import type { Patcher } from '../patch/types.ts';
import type { ServiceAllocators } from './allocators.ts';
import type { WatchCache } from './watch-cache.ts';
import type { AdmissionPlugin } from '../admission/index.ts';

export interface RestContext {
  store: Store;
  cache: WatchCache;
  patcher: Patcher;
  allocators: ServiceAllocators;
  /** the admission chain (../admission), made once the REST layer exists (the plugins hold it as their client) */
  admission: AdmissionPlugin[];
  now(): Date;
  /** the live set of served kinds (built-ins + installed CRD versions) */
  resources: ResourceSet;
  specOf(r: GVR): ResourceSpec;
  specByKind(group: string, kind: string): ResourceSpec | undefined;
  /**
   * Waits until the cache holds every change up to `min` (or, without min, up to the store's current revision).
   * Without min: false when it did not catch up soon (the caller reads the store instead). With min: 504
   * "Too large resource version" after 3 s, as kube-apiserver.
   */
  consistentRevision(min?: number): Promise<boolean>;
}

export function createContext(parts: Omit<RestContext, 'specOf' | 'specByKind' | 'consistentRevision' | 'resources'>, resources: ResourceSet): RestContext {
  return {
    ...parts,
    resources,
    specOf(r) {
      const spec = resources.find(r);
      if (!spec) throw new StatusError({ code: 404, reason: 'NotFound', message: 'the server could not find the requested resource', details: { group: r.group, kind: r.resource } });
      return spec;
    },
    specByKind: (group, kind) => resources.byKind(group, kind),
    async consistentRevision(min) {
      if (min !== undefined) {
        if (await parts.cache.waitFor(min, 3_000)) return true;
        throw new StatusError({
          code: 504, reason: 'Timeout', message: `Timeout: Too large resource version: ${min}, current: ${parts.cache.revision()}`,
          details: { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }], retryAfterSeconds: 1 },
        });
      }
      const current = await parts.store.currentRevision();
      return parts.cache.waitFor(current, 1_000);
    },
  };
}
