// The REST layer's front door: createRest builds the ApiClient that the HTTP face and the in-process
// controllers call — every verb over the Store with admission, MVCC, finalizers, subresources, Service
// allocation and a watch cache. Write options may carry `warnings: string[]` (see RestWriteOptions): the
// REST layer pushes client warnings there (unknown fields under fieldValidation=Warn).
import type { DeleteOptions, ListOptions, PatchType, WatchOptions } from '../../client/types.ts';
import type { GVR, KObject, KList, Status, WatchEvent } from '../../types/meta.ts';
import type { ResourceSpec } from '../../types/resource.ts';
import { badRequestError, methodNotAllowedError, notFoundError, unsupportedMediaTypeError } from '../../types/status-error.ts';
import type { Rest, RestOptions } from './types.ts';
import type { RestWriteOptions } from './admission.ts';
import { createServiceAllocators } from './allocators.ts';
import { bootstrapCluster, reconcileApiServerEndpoints } from './bootstrap.ts';
import { createContext } from './context.ts';
import { createObject } from './create.ts';
import { deleteCollection, deleteObject } from './delete.ts';
import { listObjects, readObject } from './list.ts';
import { bindPod, patchScale, scaleOf, updateScale } from './subresources.ts';
import { evictPod } from './eviction.ts';
import { patchObject, updateObject } from './update.ts';
import { watchResource } from './watch.ts';
import { createWatchCache, objectOf } from './watch-cache.ts';
import { logger } from '../../../lib/log.ts';
import { admissionPlugins } from '../admission/index.ts';
import { asResourceSet } from '../../types/resource-set.ts';

export type { Rest, RestOptions, RequestUser } from './types.ts';
export type { RestWriteOptions } from './admission.ts';
export { SYSTEM_NAMESPACES } from './bootstrap.ts';
export { firstServiceIP } from './allocators.ts';
/** k3s's service range */
export const DEFAULT_SERVICE_CIDR = '10.43.0.0/16';
export { podQOSClass } from './admission.ts';
export { encodedLine, eventRevision, type CacheWatchEvent } from './watch-cache.ts';

const log = logger('rest');

/** Tuning for tests: a small watch history, fast bookmarks. */
export interface RestTuning {
  historySize?: number;
  bookmarkIntervalMs?: number;
}

export function createRest(opts: RestOptions & RestTuning): Rest {
  const resources = asResourceSet(opts.resources);
  const cache = createWatchCache(opts.store, resources.list(), {
    historySize: opts.historySize,
    bookmarkIntervalMs: opts.bookmarkIntervalMs,
    onError: (err) => log.warn(`watch cache: ${(err as Error).message ?? err}; re-listing`),
  });
  const allocators = createServiceAllocators(opts.serviceCIDR ?? DEFAULT_SERVICE_CIDR, opts.nodePortRange ?? [30000, 32767]);
  const ctx = createContext({ store: opts.store, cache, patcher: opts.patcher, allocators, admission: [], now: opts.now ?? (() => new Date()) }, resources);
  // kinds installed at run time (CRD versions) get their watch cache; ones no longer served lose it
  let syncing: Promise<void> = Promise.resolve();
  const unsubscribe = resources.onChange(() => {
    syncing = cache.sync(resources.list()).catch((err: unknown) => log.warn(`watch cache: ${(err as Error).message ?? err}`));
  });

  /** a subresource this kind does not have is a 404, as an unknown path is */
  const subresourceOf = (spec: ResourceSpec, sub: string | undefined, verb: string): string | undefined => {
    if (sub === undefined || sub === '') return undefined;
    if (!spec.subresources.includes(sub as never)) throw notFoundError({ group: spec.group, resource: `${spec.resource}/${sub}` }, '');
    const allowed: Record<string, string[]> = {
      status: ['get', 'update', 'patch'], scale: ['get', 'update', 'patch'], finalize: ['update'], binding: ['create'], eviction: ['create'], token: ['create'],
      ephemeralcontainers: ['get', 'update', 'patch'], approval: ['get', 'update', 'patch'],
    };
    if (!allowed[sub]?.includes(verb)) throw methodNotAllowedError(`the server does not allow this method on the requested resource`);
    return sub;
  };

  const rest: Rest = {
    resources,
    cacheSynced: () => syncing,
    async get<T extends KObject>(r: GVR, namespace: string | undefined, name: string, o: { subresource?: string } = {}): Promise<T> {
      const spec = ctx.specOf(r);
      const sub = subresourceOf(spec, o.subresource, 'get');
      const { obj } = await readObject(ctx, spec, namespace, name);
      return (sub === 'scale' ? scaleOf(spec, obj) : obj) as T;
    },

    async list<T extends KObject>(r: GVR, namespace: string | undefined, o?: ListOptions): Promise<KList<T>> {
      return (await listObjects(ctx, ctx.specOf(r), namespace, o)) as KList<T>;
    },

    watch<T extends KObject>(r: GVR, namespace: string | undefined, o: WatchOptions, signal: AbortSignal): AsyncIterable<WatchEvent<T>> {
      return watchResource(ctx, ctx.specOf(r), namespace, o, signal) as AsyncIterable<WatchEvent<T>>;
    },

    async create<T extends KObject>(r: GVR, namespace: string | undefined, obj: KObject, o: RestWriteOptions & { name?: string } = {}): Promise<T> {
      const spec = ctx.specOf(r);
      const sub = subresourceOf(spec, o.subresource, 'create');
      const name = o.name ?? obj.metadata?.name ?? '';
      if (sub === 'binding') return (await bindPod(ctx, spec, namespace, name, obj, o)) as unknown as T;
      if (sub === 'eviction') return (await evictPod(ctx, spec, namespace, name, obj, o)) as unknown as T;
      if (sub === 'token') {
        if (!opts.tokenRequest) throw notFoundError({ group: spec.group, resource: `${spec.resource}/${sub}` }, '');
        return (await opts.tokenRequest(rest, namespace ?? 'default', name, obj, { dryRun: !!o.dryRun })) as T;
      }
      if (spec.terminating) throw methodNotAllowedError('create not allowed while custom resource definition is terminating');
      return (await createObject(ctx, spec, namespace, obj, o)) as T;
    },

    async update<T extends KObject>(r: GVR, namespace: string | undefined, obj: KObject, o: RestWriteOptions = {}): Promise<T> {
      const spec = ctx.specOf(r);
      const sub = subresourceOf(spec, o.subresource, 'update');
      if (sub === 'scale') return (await updateScale(ctx, spec, namespace, obj.metadata?.name ?? '', obj, o)) as T;
      return (await updateObject(ctx, spec, namespace, obj, o)) as T;
    },

    async patch<T extends KObject>(r: GVR, namespace: string | undefined, name: string, type: PatchType, body: string | object, o: RestWriteOptions & { force?: boolean } = {}): Promise<T> {
      const spec = ctx.specOf(r);
      const sub = subresourceOf(spec, o.subresource, 'patch');
      if (!['json', 'merge', 'strategic', 'apply'].includes(type)) throw badRequestError(`unknown patch type ${type}`);
      // custom resources have no patch strategies to merge by (kube answers 415 the same way)
      if (spec.custom && type === 'strategic') throw unsupportedMediaTypeError('the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml');
      if (sub === 'scale') return (await patchScale(ctx, spec, namespace, name, type, body, o)) as T;
      return (await patchObject(ctx, spec, namespace, name, type, body, o)) as T;
    },

    async delete(r: GVR, namespace: string | undefined, name: string, o?: DeleteOptions): Promise<KObject | Status> {
      return deleteObject(ctx, ctx.specOf(r), namespace, name, o);
    },

    async deleteCollection(r: GVR, namespace: string | undefined, o?: ListOptions & DeleteOptions): Promise<KList> {
      const spec = ctx.specOf(r);
      if (!spec.verbs.includes('deletecollection')) throw methodNotAllowedError('the server does not allow this method on the requested resource');
      return deleteCollection(ctx, spec, namespace, o);
    },

    async start() {
      await cache.start();
      const services = ctx.specByKind('', 'Service');
      if (services) allocators.rebuild([...cache.all(services)].map((e) => e.obj ?? objectOf(e)));
    },

    bootstrap: (apiServer) => bootstrapCluster(ctx, apiServer),
    apiServerEndpoints: (addresses, port) => reconcileApiServerEndpoints(ctx, addresses, port),
    currentRevision: () => opts.store.currentRevision(),
    async close() {
      unsubscribe();
      cache.close();
    },
  };
  ctx.admission = (opts.admission ?? admissionPlugins).map((make) => make({ client: rest, now: ctx.now, options: opts.admissionOptions }));
  return rest;
}
