// The one client every cluster component uses (DESIGN.md "Client + informers"). Two implementations of
// ApiClient: the API server's own REST layer in-process (apiserver's `createRest`, for the controllers and
// scheduler inside `skiff server`), and HTTPS with a kubeconfig (`createHttpClient`, for sim nodes, agents, the
// CLI). Both throw StatusError (types/status-error.ts) with the Status the API server answers.
import type { GVR, KObject, KList, WatchEvent, Status } from '../types/meta.ts';

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  /** '' / absent: most recent (quorum read); '0': any (from the watch cache); 'N': not older than N */
  resourceVersion?: string;
  resourceVersionMatch?: 'NotOlderThan' | 'Exact';
}

export interface WatchOptions {
  labelSelector?: string;
  fieldSelector?: string;
  /** absent or '0': start with ADDED events for all current objects, then changes; 'N': changes after N */
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
  sendInitialEvents?: boolean;
}

export interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
  fieldValidation?: 'Ignore' | 'Warn' | 'Strict';
}

export interface DeleteOptions {
  dryRun?: boolean;
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
}

/** json = RFC 6902, merge = RFC 7386, strategic = Kubernetes strategic merge, apply = server-side apply (YAML or JSON) */
export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export const patchContentTypes: Record<PatchType, string> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

/**
 * namespace: the object's namespace for namespaced kinds, undefined for cluster-scoped ones; for list/watch
 * undefined on a namespaced kind means all namespaces. subresource: 'status', 'scale', 'binding', ….
 */
export interface ApiClient {
  get<T extends KObject = KObject>(r: GVR, namespace: string | undefined, name: string, opts?: { subresource?: string }): Promise<T>;
  list<T extends KObject = KObject>(r: GVR, namespace: string | undefined, opts?: ListOptions): Promise<KList<T>>;
  /** ends when signal aborts or the server ends the watch (timeout); an ERROR event carries a Status (410 → relist) */
  watch<T extends KObject = KObject>(r: GVR, namespace: string | undefined, opts: WatchOptions, signal: AbortSignal): AsyncIterable<WatchEvent<T>>;
  /** create; for a subresource (pods/binding, pods/eviction) name is the parent's name */
  create<T extends KObject = KObject>(r: GVR, namespace: string | undefined, obj: KObject, opts?: WriteOptions & { subresource?: string; name?: string }): Promise<T>;
  /** replace; obj.metadata.resourceVersion, when set, must match (409 Conflict otherwise) */
  update<T extends KObject = KObject>(r: GVR, namespace: string | undefined, obj: KObject, opts?: WriteOptions & { subresource?: string }): Promise<T>;
  patch<T extends KObject = KObject>(r: GVR, namespace: string | undefined, name: string, type: PatchType, patch: string | object, opts?: WriteOptions & { subresource?: string; force?: boolean }): Promise<T>;
  /** the object as it is after the call (with deletionTimestamp when finalizers hold it), or a Success Status when gone */
  delete(r: GVR, namespace: string | undefined, name: string, opts?: DeleteOptions): Promise<KObject | Status>;
  deleteCollection(r: GVR, namespace: string | undefined, opts?: ListOptions & DeleteOptions): Promise<KList>;
}

export interface InformerHandlers<T extends KObject> {
  add?(obj: T): void;
  update?(oldObj: T, newObj: T): void;
  /** obj is the last known state */
  delete?(obj: T): void;
}

/**
 * A list-watch cache of one resource (all namespaces), shared by every controller of a process
 * (client-go's SharedIndexInformer). Objects handed out are the cache's own: never mutate them; clone first.
 */
export interface Informer<T extends KObject = KObject> {
  readonly resource: GVR;
  /** by `ns/name` (or `name` for cluster-scoped) */
  get(key: string): T | undefined;
  /** all, or one namespace's; optional label selector string (`app=web,tier!=db`) */
  list(namespace?: string, labelSelector?: string): T[];
  /** objects whose index `name` yields `value` (indexes added before start) */
  byIndex(name: string, value: string): T[];
  addIndex(name: string, fn: (obj: T) => string[]): void;
  on(handlers: InformerHandlers<T>): void;
  hasSynced(): boolean;
}

export interface InformerFactory {
  informer<T extends KObject = KObject>(r: GVR): Informer<T>;
  /** starts every informer asked for so far (and any asked for later) */
  start(signal: AbortSignal): void;
  /** resolves when every started informer has its initial list */
  waitForSync(signal?: AbortSignal): Promise<void>;
}

/**
 * Keys to reconcile (client-go workqueue): a key is processed by one worker at a time; added again while
 * processing, it is processed again after. Rate-limited re-adds back off per key (5 ms doubling to 1000 s)
 * under a global bucket; forget() resets a key's back-off.
 */
export interface WorkQueue {
  add(key: string): void;
  addAfter(key: string, delayMs: number): void;
  addRateLimited(key: string): void;
  forget(key: string): void;
  len(): number;
  shutDown(): void;
}

/** What a reconcile asks next: nothing (done), or to run again after a delay. A throw = rate-limited retry. */
export type ReconcileResult = void | { requeueAfterMs: number };

export interface EventRecorder {
  /** records a core/v1 Event about obj (aggregated: the same reason+message bumps count); never throws */
  event(obj: KObject, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

/** A control loop. run() returns when signal aborts. */
export interface Controller {
  readonly name: string;
  run(signal: AbortSignal): Promise<void>;
}

/** What every controller/scheduler factory receives. */
export interface ControllerContext {
  client: ApiClient;
  informers: InformerFactory;
  /** events are recorded as coming from this component, e.g. 'deployment-controller' */
  recorder(component: string): EventRecorder;
  /** monotonic-enough clock, injectable for tests */
  now(): Date;
}
