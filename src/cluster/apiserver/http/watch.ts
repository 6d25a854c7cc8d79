// A watch over HTTP, as kube-apiserver streams it: 200, chunked `application/json`, one WatchEvent per line,
// written as it happens. It ends at timeoutSeconds, when the ApiClient's watch ends, or when the client goes
// away (then the ApiClient watch is aborted). With a Table representation each event's object is a one-row
// Table, the first with column definitions and the rest without (kubectl reuses the first's).
import type { ServerResponse } from 'node:http';
import type { ApiClient, WatchOptions } from '../../client/types.ts';
import type { KObject, WatchEvent } from '../../types/meta.ts';
import { gvrOf } from '../../types/registry.ts';
import type { ResourceSpec } from '../../types/resource.ts';
import { toTable, type IncludeObject } from '../tables/index.ts';
import type { Representation } from './negotiate.ts';
import { contentTypeOf } from './negotiate.ts';
import { statusOf } from './respond.ts';
import { encodedLine, type CacheWatchEvent } from '../rest/index.ts';

export interface WatchRequest {
  client: ApiClient;
  spec: ResourceSpec;
  namespace: string | undefined;
  opts: WatchOptions;
  rep: Representation;
  includeObject: IncludeObject;
  now: () => Date;
}

export async function serveWatch(res: ServerResponse, w: WatchRequest): Promise<void> {
  const abort = new AbortController();
  const stop = () => abort.abort();
  // res 'close' means the client went away (or we ended); req 'close' only means the request body was read
  res.once('close', stop);
  const timer = w.opts.timeoutSeconds !== undefined && w.opts.timeoutSeconds > 0 ? setTimeout(stop, w.opts.timeoutSeconds * 1000) : undefined;
  res.writeHead(200, { 'Content-Type': contentTypeOf(w.rep), 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  let headersSent = false;
  const encode = (e: WatchEvent): WatchEvent => {
    if (w.rep.as !== 'table' || e.type === 'ERROR' || (e.object as KObject).kind === 'Status') return e;
    const table = toTable(w.spec, [e.object as KObject], { now: w.now, includeObject: w.includeObject, noHeaders: headersSent });
    headersSent = true;
    return { type: e.type, object: { ...table, apiVersion: `meta.k8s.io/${w.rep.version}` } as unknown as KObject };
  };
  // the events of one turn go out as one chunk (one TLS record, one writev) at the end of the turn
  let out: string[] = [];
  let flushing: NodeJS.Immediate | undefined;
  const flush = () => {
    flushing = undefined;
    if (out.length === 0 || res.destroyed) return;
    res.write(out.length === 1 ? out[0] : out.join(''));
    out = [];
  };
  try {
    for await (const event of w.client.watch(gvrOf(w.spec), w.namespace, w.opts, abort.signal)) {
      if (abort.signal.aborted) break;
      // a change's JSON line is encoded once by the watch cache and shared by every JSON watcher
      const shared = w.rep.as === 'json' ? (event as CacheWatchEvent)[encodedLine] : undefined;
      out.push(shared ? shared() : `${JSON.stringify(encode(event))}\n`);
      flushing ??= setImmediate(flush);
    }
  } catch (err) {
    if (!abort.signal.aborted) {
      const status = statusOf(err, { watch: w.spec.resource });
      out.push(`${JSON.stringify({ type: 'ERROR', object: status })}\n`);
    }
  } finally {
    if (flushing) clearImmediate(flushing);
    flush();
    if (timer) clearTimeout(timer);
    res.off('close', stop);
    abort.abort();
    res.end();
  }
}
