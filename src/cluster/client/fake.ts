// An in-memory ApiClient for controller tests (client-go's fake clientset): one global resourceVersion,
// uid/creationTimestamp/generation, selectors, optimistic locking, generateName, watch (replay from a
// resourceVersion, then live), approximate patches, status/scale/binding/eviction, finalizers. It records
// every call in `actions` so a test asserts on what a controller did.
import { randomUUID, randomInt } from 'node:crypto';
import type { GVR, KObject, KList, WatchEvent, WatchEventType, Status } from '../types/meta.ts';
import type { ResourceSpec } from '../types/resource.ts';
import { apiVersionOf, parseApiVersion } from '../types/meta.ts';
import { findResource, findByKind, gvrOf } from '../types/registry.ts';
import { alreadyExistsError, badRequestError, conflictError, goneError, invalidError, notFoundError, required } from '../types/status-error.ts';
import type { ApiClient, DeleteOptions, ListOptions, PatchType, WatchOptions, WriteOptions } from './types.ts';
import { applyPatchBody, decodePatchBody, selectorPredicate } from './fake-patch.ts';

export interface FakeAction {
  verb: 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';
  resource: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  /** the request body: the object sent (create/update) or the decoded patch (patch) */
  object?: KObject;
  patchType?: PatchType;
}

export interface FakeClient extends ApiClient {
  actions: FakeAction[];
  /** stored objects of one resource (copies), ordered by namespace/name */
  objects(r: GVR): KObject[];
  clearActions(): void;
  /** ends every open watch cleanly, as a server-side watch timeout does */
  closeWatches(): void;
  /** forgets the watch history: watches from an older resourceVersion get ERROR 410 Expired */
  compact(): void;
}

export interface FakeOptions {
  now?: () => Date;
  /** pods bound to a node are only marked on delete (deletionTimestamp), as the API server does; a kubelet deletes them with grace 0 */
  gracefulPodDeletion?: boolean;
  /** watch history kept (events); older resourceVersions answer 410 */
  historyLimit?: number;
}

/** ObjectMeta as kubernetes-types declares it is read-only; the fake is the server, so it writes it */
type Meta = { -readonly [K in keyof NonNullable<KObject['metadata']>]: NonNullable<KObject['metadata']>[K] };
interface HistoryEntry { rv: number; gk: string; type: WatchEventType; obj: KObject; old?: KObject }
interface Watcher { gk: string; deliver(e: HistoryEntry): void; close(): void }

const gkOf = (r: { group: string; resource: string }) => `${r.group}/${r.resource}`;
const keyOf = (ns: string | undefined, name: string) => (ns ? `${ns}/${name}` : name);
const clone = <T>(o: T): T => structuredClone(o);
const nameChars = 'bcdfghjklmnpqrstvwxz2456789';
const randomSuffix = () => Array.from({ length: 5 }, () => nameChars[randomInt(nameChars.length)]).join('');

/** The kind's table entry, or a guess for kinds the registry does not serve (CRD-like test kinds). */
function specOf(r: GVR, namespace: string | undefined): Pick<ResourceSpec, 'kind' | 'listKind' | 'namespaced' | 'statusSubresource' | 'generation' | 'group' | 'version'> {
  const spec = findResource(r);
  if (spec) return spec;
  const singular = r.resource.replace(/s$/, '');
  const kind = singular.charAt(0).toUpperCase() + singular.slice(1);
  return { kind, listKind: `${kind}List`, namespaced: namespace !== undefined, statusSubresource: false, generation: false, group: r.group, version: r.version };
}

/** everything but metadata and status: what metadata.generation counts */
const specPart = (o: KObject) => JSON.stringify({ ...o, metadata: undefined, status: undefined });

export function createFakeClient(initial: KObject[] = [], opts: FakeOptions = {}): FakeClient {
  const now = opts.now ?? (() => new Date());
  const historyLimit = opts.historyLimit ?? 20_000;
  const timestamp = (d = now()) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const tables = new Map<string, Map<string, KObject>>();
  let history: HistoryEntry[] = [];
  let compactedBefore = 0;
  let rv = 0;
  const watchers = new Set<Watcher>();
  const actions: FakeAction[] = [];

  const table = (r: { group: string; resource: string }) => {
    let t = tables.get(gkOf(r));
    if (!t) tables.set(gkOf(r), (t = new Map()));
    return t;
  };

  const record = (a: FakeAction) => actions.push(a.object ? { ...a, object: clone(a.object) } : a);

  /** writes obj (or removes it for DELETED), bumps the revision and tells the watchers */
  function commit(r: GVR, type: WatchEventType, obj: KObject, old?: KObject): KObject {
    rv++;
    (obj.metadata as Meta).resourceVersion = String(rv);
    const key = keyOf(obj.metadata?.namespace, obj.metadata?.name ?? '');
    if (type === 'DELETED') table(r).delete(key);
    else table(r).set(key, obj);
    const entry: HistoryEntry = { rv, gk: gkOf(r), type, obj, old };
    history.push(entry);
    if (history.length > historyLimit) {
      const drop = history.length - historyLimit;
      compactedBefore = history[drop - 1].rv;
      history = history.slice(drop);
    }
    for (const w of watchers) if (w.gk === entry.gk) w.deliver(entry);
    return clone(obj);
  }

  function current(r: GVR, namespace: string | undefined, name: string): KObject {
    const spec = specOf(r, namespace);
    const obj = table(r).get(keyOf(spec.namespaced ? namespace : undefined, name));
    if (!obj) throw notFoundError(r, name);
    return obj;
  }

  function checkVersion(r: GVR, cur: KObject, wanted: string | undefined) {
    if (wanted && wanted !== cur.metadata?.resourceVersion) throw conflictError(r, cur.metadata?.name ?? '');
  }

  function insert(r: GVR, namespace: string | undefined, input: KObject, dryRun?: boolean): KObject {
    const spec = specOf(r, namespace);
    const obj = clone(input);
    const meta: Meta = (obj.metadata ??= {});
    if (spec.namespaced) {
      const ns = namespace ?? meta.namespace ?? 'default';
      if (meta.namespace && meta.namespace !== ns) throw badRequestError('the namespace of the provided object does not match the namespace sent on the request');
      meta.namespace = ns;
    } else delete meta.namespace;
    if (!meta.name && meta.generateName) meta.name = meta.generateName + randomSuffix();
    if (!meta.name) throw invalidError({ group: spec.group, kind: spec.kind }, '', [required('metadata.name', 'name or generateName is required')]);
    if (table(r).has(keyOf(meta.namespace, meta.name))) throw alreadyExistsError(r, meta.name);
    obj.apiVersion = apiVersionOf(spec);
    obj.kind = spec.kind;
    meta.uid = randomUUID();
    meta.creationTimestamp = timestamp();
    delete meta.deletionTimestamp;
    delete meta.resourceVersion;
    if (spec.generation) meta.generation = 1;
    if (dryRun) return obj;
    return commit(r, 'ADDED', obj);
  }

  const successStatus = (r: GVR, name: string, uid?: string): Status & KObject =>
    ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, group: r.group, kind: r.resource, uid } });

  /** the common path of update and patch: keeps what the client may not change, bumps generation, honours finalizers */
  function replace(r: GVR, cur: KObject, next: KObject, subresource: string | undefined, dryRun?: boolean): KObject {
    const spec = specOf(r, cur.metadata?.namespace);
    let obj: KObject;
    if (subresource === 'status') obj = { ...clone(cur), status: clone(next.status) };
    else {
      obj = clone(next);
      if (spec.statusSubresource) obj.status = clone(cur.status);
    }
    const meta: Meta = (obj.metadata ??= {});
    const old = cur.metadata as Meta;
    Object.assign(meta, { name: old.name, namespace: old.namespace, uid: old.uid, creationTimestamp: old.creationTimestamp, resourceVersion: old.resourceVersion });
    if (old.deletionTimestamp) Object.assign(meta, { deletionTimestamp: old.deletionTimestamp, deletionGracePeriodSeconds: old.deletionGracePeriodSeconds });
    else delete meta.deletionTimestamp;
    obj.apiVersion = cur.apiVersion;
    obj.kind = cur.kind;
    meta.generation = old.generation;
    if (spec.generation && specPart(obj) !== specPart(cur)) meta.generation = (old.generation ?? 0) + 1;
    if (meta.generation === undefined) delete meta.generation;
    if (dryRun) return obj;
    if (meta.deletionTimestamp && !(meta.finalizers?.length)) return commit(r, 'DELETED', obj, cur);
    if (JSON.stringify(obj) === JSON.stringify(cur)) return clone(cur); // a no-op write keeps the resourceVersion
    return commit(r, 'MODIFIED', obj, cur);
  }

  const scaleOf = (r: GVR, obj: KObject): KObject => {
    const s = (obj.spec ?? {}) as { replicas?: number; selector?: unknown };
    const st = (obj.status ?? {}) as { replicas?: number; selector?: string };
    return {
      apiVersion: 'autoscaling/v1', kind: 'Scale',
      metadata: { name: obj.metadata?.name, namespace: obj.metadata?.namespace, uid: obj.metadata?.uid, resourceVersion: obj.metadata?.resourceVersion, creationTimestamp: obj.metadata?.creationTimestamp },
      spec: { replicas: s.replicas ?? 0 }, status: { replicas: st.replicas ?? 0, selector: st.selector },
    };
  };

  function scaleTo(r: GVR, cur: KObject, scale: KObject, dryRun?: boolean): KObject {
    checkVersion(r, cur, scale.metadata?.resourceVersion);
    const next = clone(cur);
    next.spec = { ...(next.spec as object), replicas: (scale.spec as { replicas?: number } | undefined)?.replicas ?? 0 };
    return scaleOf(r, replace(r, cur, next, undefined, dryRun));
  }

  function remove(r: GVR, cur: KObject, o: DeleteOptions = {}): KObject | Status {
    const meta = cur.metadata as Meta;
    if (o.preconditions?.uid && o.preconditions.uid !== meta.uid) throw conflictError(r, meta.name ?? '', `Precondition failed: UID in precondition: ${o.preconditions.uid}, UID in object meta: ${meta.uid}`);
    checkVersion(r, cur, o.preconditions?.resourceVersion);
    if (o.dryRun) return clone(cur);
    const pod = cur as KObject & { spec?: { nodeName?: string; terminationGracePeriodSeconds?: number }; status?: { phase?: string } };
    const grace = o.gracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
    const graceful = opts.gracefulPodDeletion && gkOf(r) === '/pods' && pod.spec?.nodeName && grace > 0 &&
      pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed';
    if (meta.finalizers?.length || (graceful && !meta.deletionTimestamp)) {
      if (meta.deletionTimestamp) return clone(cur);
      const next = clone(cur);
      const seconds = graceful ? grace : 0;
      Object.assign(next.metadata as Meta, { deletionTimestamp: timestamp(new Date(now().getTime() + seconds * 1000)), deletionGracePeriodSeconds: seconds });
      return commit(r, 'MODIFIED', next, cur);
    }
    commit(r, 'DELETED', clone(cur), cur);
    return successStatus(r, meta.name ?? '', meta.uid);
  }

  function selectAll(r: GVR, namespace: string | undefined, o: ListOptions = {}): KObject[] {
    const match = selectorPredicate(o.labelSelector, o.fieldSelector);
    const spec = specOf(r, namespace);
    const out: KObject[] = [];
    for (const obj of table(r).values()) {
      if (spec.namespaced && namespace && obj.metadata?.namespace !== namespace) continue;
      if (match(obj)) out.push(obj);
    }
    return out.sort((a, b) => keyOf(a.metadata?.namespace, a.metadata?.name ?? '').localeCompare(keyOf(b.metadata?.namespace, b.metadata?.name ?? '')));
  }

  async function* watchEvents(r: GVR, namespace: string | undefined, o: WatchOptions, signal: AbortSignal): AsyncGenerator<WatchEvent> {
    const match = selectorPredicate(o.labelSelector, o.fieldSelector);
    const inNs = (obj: KObject) => !namespace || !specOf(r, namespace).namespaced || obj.metadata?.namespace === namespace;
    const queue: WatchEvent[] = [];
    let ended = false;
    let wake: (() => void) | undefined;
    const push = (e: WatchEvent) => { queue.push(e); wake?.(); };
    const watcher: Watcher = {
      gk: gkOf(r),
      deliver(e) {
        if (!inNs(e.obj)) return;
        const now = e.type !== 'DELETED' && match(e.obj);
        const before = e.type === 'DELETED' ? match(e.obj) : e.old !== undefined && match(e.old);
        if (e.type === 'DELETED') { if (before) push({ type: 'DELETED', object: clone(e.obj) }); return; }
        if (now) push({ type: before ? 'MODIFIED' : 'ADDED', object: clone(e.obj) });
        else if (before) push({ type: 'DELETED', object: clone(e.obj) });
      },
      close() { ended = true; watchers.delete(watcher); wake?.(); },
    };
    if (!o.resourceVersion || o.resourceVersion === '0') {
      for (const obj of selectAll(r, namespace, o)) queue.push({ type: 'ADDED', object: clone(obj) });
      if (o.sendInitialEvents && o.allowWatchBookmarks) {
        queue.push({ type: 'BOOKMARK', object: { kind: specOf(r, namespace).kind, apiVersion: apiVersionOf(r), metadata: { resourceVersion: String(rv), annotations: { 'k8s.io/initial-events-end': 'true' } } } });
      }
    } else {
      const from = Number(o.resourceVersion);
      if (!Number.isFinite(from) || from < compactedBefore) {
        yield { type: 'ERROR', object: goneError(`too old resource version: ${o.resourceVersion} (${compactedBefore})`).status as Status & KObject };
        return;
      }
      for (const e of history) if (e.rv > from && e.gk === watcher.gk) watcher.deliver(e);
    }
    watchers.add(watcher);
    const onAbort = () => watcher.close();
    signal.addEventListener('abort', onAbort);
    const timer = o.timeoutSeconds ? setTimeout(onAbort, o.timeoutSeconds * 1000).unref() : undefined;
    try {
      while (!signal.aborted) {
        if (queue.length > 0) { yield queue.shift()!; continue; }
        if (ended) return;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    } finally {
      watchers.delete(watcher);
      signal.removeEventListener('abort', onAbort);
      clearTimeout(timer);
    }
  }

  for (const obj of initial) {
    const { group, version } = parseApiVersion(obj.apiVersion ?? 'v1');
    const found = findByKind(group, obj.kind ?? '');
    const r: GVR = found ? gvrOf(found) : { group, version, resource: `${(obj.kind ?? '').toLowerCase()}s` };
    const ns = (found?.namespaced ?? obj.metadata?.namespace !== undefined) ? (obj.metadata?.namespace ?? 'default') : undefined;
    insert(r, ns, obj);
  }

  const client: FakeClient = {
    actions,
    objects: (r) => selectAll(r, undefined).map(clone),
    clearActions: () => void actions.splice(0),
    closeWatches: () => { for (const w of [...watchers]) w.close(); },
    compact: () => { compactedBefore = rv; history = []; },

    async get<T extends KObject>(r: GVR, namespace: string | undefined, name: string, o: { subresource?: string } = {}) {
      record({ verb: 'get', resource: r.resource, namespace, name, subresource: o.subresource });
      const cur = current(r, namespace, name);
      return (o.subresource === 'scale' ? scaleOf(r, cur) : clone(cur)) as T;
    },

    async list<T extends KObject>(r: GVR, namespace: string | undefined, o: ListOptions = {}) {
      record({ verb: 'list', resource: r.resource, namespace });
      let items = selectAll(r, namespace, o);
      const start = o.continue ? Number(Buffer.from(o.continue, 'base64url').toString()) : 0;
      if (!Number.isInteger(start) || start < 0) throw badRequestError('continue key is not valid');
      const end = o.limit && o.limit > 0 ? start + o.limit : items.length;
      const more = end < items.length;
      items = items.slice(start, end);
      const spec = specOf(r, namespace);
      return {
        apiVersion: apiVersionOf(r), kind: spec.listKind,
        metadata: { resourceVersion: String(rv), ...(more ? { continue: Buffer.from(String(end)).toString('base64url') } : {}) },
        items: items.map(clone) as T[],
      } satisfies KList<T>;
    },

    watch<T extends KObject>(r: GVR, namespace: string | undefined, o: WatchOptions, signal: AbortSignal) {
      record({ verb: 'watch', resource: r.resource, namespace });
      return watchEvents(r, namespace, o, signal) as AsyncIterable<WatchEvent<T>>;
    },

    async create<T extends KObject>(r: GVR, namespace: string | undefined, obj: KObject, o: WriteOptions & { subresource?: string; name?: string } = {}) {
      const name = o.name ?? obj.metadata?.name;
      record({ verb: 'create', resource: r.resource, namespace, name, subresource: o.subresource, object: obj });
      if (o.subresource === 'binding') {
        const pod = current(r, namespace, name ?? '');
        const nodeName = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
        if (nodeName) throw conflictError(r, name ?? '', `pod ${name} is already assigned to node "${nodeName}"`);
        const target = (obj as { target?: { name?: string } }).target?.name;
        if (!target) throw invalidError({ group: '', kind: 'Binding' }, name ?? '', [required('target.name')]);
        replace(r, pod, { ...clone(pod), spec: { ...(pod.spec as object), nodeName: target } }, undefined, o.dryRun);
        return successStatus(r, name ?? '') as unknown as T;
      }
      if (o.subresource === 'eviction') {
        return remove(r, current(r, namespace, name ?? ''), { dryRun: o.dryRun }) as unknown as T;
      }
      if (o.subresource) throw badRequestError(`create is not supported on subresource ${o.subresource}`);
      return insert(r, namespace, obj, o.dryRun) as T;
    },

    async update<T extends KObject>(r: GVR, namespace: string | undefined, obj: KObject, o: WriteOptions & { subresource?: string } = {}) {
      const name = obj.metadata?.name ?? '';
      record({ verb: 'update', resource: r.resource, namespace, name, subresource: o.subresource, object: obj });
      const cur = current(r, namespace, name);
      if (o.subresource === 'scale') return scaleTo(r, cur, obj, o.dryRun) as T;
      checkVersion(r, cur, obj.metadata?.resourceVersion);
      return replace(r, cur, obj, o.subresource, o.dryRun) as T;
    },

    async patch<T extends KObject>(r: GVR, namespace: string | undefined, name: string, type: PatchType, body: string | object, o: WriteOptions & { subresource?: string; force?: boolean } = {}) {
      const decoded = decodePatchBody(type, body);
      record({ verb: 'patch', resource: r.resource, namespace, name, subresource: o.subresource, object: decoded as KObject, patchType: type });
      const cur = table(r).get(keyOf(specOf(r, namespace).namespaced ? namespace : undefined, name));
      if (!cur) {
        if (type === 'apply' && !o.subresource) return insert(r, namespace, { ...(decoded as KObject), metadata: { ...(decoded as KObject).metadata, name } }, o.dryRun) as T;
        throw notFoundError(r, name);
      }
      if (o.subresource === 'scale') return scaleTo(r, cur, applyPatchBody(type, scaleOf(r, cur), decoded), o.dryRun) as T;
      const patched = applyPatchBody(type, cur, decoded);
      if (type !== 'json') checkVersion(r, cur, (decoded as KObject).metadata?.resourceVersion);
      else checkVersion(r, cur, patched.metadata?.resourceVersion);
      return replace(r, cur, patched, o.subresource, o.dryRun) as T;
    },

    async delete(r: GVR, namespace: string | undefined, name: string, o: DeleteOptions = {}) {
      record({ verb: 'delete', resource: r.resource, namespace, name });
      return remove(r, current(r, namespace, name), o);
    },

    async deleteCollection(r: GVR, namespace: string | undefined, o: ListOptions & DeleteOptions = {}) {
      record({ verb: 'deletecollection', resource: r.resource, namespace });
      const items: KObject[] = [];
      for (const obj of selectAll(r, namespace, o)) {
        const after = remove(r, obj, o);
        items.push(after.kind === 'Status' ? clone(obj) : (after as KObject));
      }
      return { apiVersion: apiVersionOf(r), kind: specOf(r, namespace).listKind, metadata: { resourceVersion: String(rv) }, items };
    },
  };
  return client;
}
