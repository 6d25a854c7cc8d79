// get and list. A get reads the store (the newest state, as kube-apiserver reads etcd); a list is served by the
// watch cache when it can be (no limit, or resourceVersion=0, once the cache is at the asked revision) and by
// the store otherwise: pages (limit/continue) and resourceVersionMatch=Exact read the store at one revision.
import type { ListOptions } from '../../client/types.ts';
import { StoreError } from '../../store/types.ts';
import type { KList, KObject } from '../../types/meta.ts';
import { apiVersionOf } from '../../types/meta.ts';
import type { ResourceSpec } from '../../types/resource.ts';
import { badRequestError, goneError, notFoundError } from '../../types/status-error.ts';
import type { RestContext } from './context.ts';
import { asServed, decodeAs, decodeContinue, encodeContinue, expiredContinueMessage, keyOf, listPrefixOf, parseResourceVersion, storeFailure } from './keys.ts';
import { compileFilter, type Filter } from './selectors.ts';
import { objectOf } from './watch-cache.ts';

/** The stored object with its revision, or 404. */
export async function readObject(ctx: RestContext, spec: ResourceSpec, namespace: string | undefined, name: string): Promise<{ obj: KObject; rev: number }> {
  let kv;
  try {
    kv = await ctx.store.get(keyOf(spec, namespace, name));
  } catch (err) {
    throw storeFailure(err, spec, name);
  }
  if (!kv) throw notFoundError(spec, name);
  return { obj: decodeAs(spec, kv), rev: kv.modRevision };
}

export async function listObjects(ctx: RestContext, spec: ResourceSpec, namespace: string | undefined, opts: ListOptions = {}): Promise<KList> {
  const filter = compileFilter(spec, namespace, opts.labelSelector, opts.fieldSelector);
  const rv = parseResourceVersion(opts.resourceVersion);
  const limit = opts.limit && opts.limit > 0 ? opts.limit : undefined;
  const list = (items: KObject[], revision: number, extra: { continue?: string; remainingItemCount?: number } = {}): KList => ({
    apiVersion: apiVersionOf(spec), kind: spec.listKind, metadata: { resourceVersion: String(revision), ...extra }, items,
  });

  if (opts.continue) {
    if (rv !== undefined && rv !== 0) throw badRequestError('specifying resource version is not allowed when using continue');
    const token = decodeContinue(opts.continue);
    return fromStore(ctx, spec, filter, { revision: token.revision, after: token.after, limit, continued: true }, list);
  }
  if (opts.resourceVersionMatch === 'Exact') {
    if (rv === undefined || rv === 0) throw badRequestError(`resourceVersionMatch "Exact" is forbidden for resourceVersion "${opts.resourceVersion ?? ''}"`);
    return fromStore(ctx, spec, filter, { revision: rv, limit }, list);
  }
  if (opts.resourceVersionMatch && opts.resourceVersionMatch !== 'NotOlderThan') {
    throw badRequestError(`resourceVersionMatch: Unsupported value: "${opts.resourceVersionMatch}": supported values: "Exact", "NotOlderThan"`);
  }
  // rv=0: whatever the cache has (the limit is ignored, as the cacher does); rv=N: the cache once it is at N
  if (rv === 0 || (rv !== undefined && !limit)) {
    if (rv) await ctx.consistentRevision(rv);
    return fromCache(ctx, spec, filter, list);
  }
  if (limit) {
    if (rv !== undefined) await ctx.consistentRevision(rv); // "not older than": the store's newest is newer still
    return fromStore(ctx, spec, filter, { limit }, list);
  }
  return (await ctx.consistentRevision()) ? fromCache(ctx, spec, filter, list) : fromStore(ctx, spec, filter, {}, list);
}

type MakeList = (items: KObject[], revision: number, extra?: { continue?: string; remainingItemCount?: number }) => KList;

function fromCache(ctx: RestContext, spec: ResourceSpec, filter: Filter, list: MakeList): KList {
  const revision = ctx.cache.revision();
  return list(ctx.cache.list(spec, filter).map((e) => asServed(spec, objectOf(e))), revision);
}

/** Pages through the store at one revision, filtering as it goes, until `limit` objects matched. */
async function fromStore(ctx: RestContext, spec: ResourceSpec, filter: Filter, o: { revision?: number; after?: string; limit?: number; continued?: boolean }, list: MakeList): Promise<KList> {
  const prefix = listPrefixOf(spec, filter.namespace);
  const items: KObject[] = [];
  let revision = o.revision;
  let after = o.after;
  let more = false;
  try {
    while (true) {
      const want = o.limit ? o.limit - items.length : undefined;
      // with a selector, read a little more per round so that sparse matches need fewer rounds
      const page = await ctx.store.list(prefix, { revision, after, limit: want && filter.selective ? Math.max(want, 100) : want });
      revision = page.revision;
      let stoppedEarly = false;
      for (let i = 0; i < page.items.length; i++) {
        const kv = page.items[i];
        after = kv.key;
        const obj = decodeAs(spec, kv);
        if (!filter.matches(obj)) continue;
        items.push(obj);
        if (o.limit && items.length >= o.limit) {
          stoppedEarly = i < page.items.length - 1;
          break;
        }
      }
      more = stoppedEarly || page.more;
      if (!more || (o.limit && items.length >= o.limit)) break;
    }
  } catch (err) {
    if (err instanceof StoreError && err.code === 'compacted') {
      throw goneError(o.continued ? expiredContinueMessage : `too old resource version: ${o.revision} (${err.compactRevision ?? 0})`);
    }
    throw storeFailure(err, spec, '');
  }
  if (!more || !after) return list(items, revision ?? 0);
  const extra: { continue: string; remainingItemCount?: number } = { continue: encodeContinue(revision ?? 0, after) };
  if (!filter.selective && revision === ctx.cache.revision()) {
    // counted from the cache when it is at the list's revision (kube-apiserver counts the keys after the last one)
    let remaining = 0;
    for (const e of ctx.cache.list(spec, filter)) if (e.key > after) remaining++;
    extra.remainingItemCount = remaining;
  }
  return list(items, revision ?? 0, extra);
}
