// Test harness for the workload controllers: a fake client, real shared informers and work queues, a recorder
// that keeps events in an array, and helpers that play the kubelet's part (bind a pod, mark it ready).
import type { ApiClient, Controller, ControllerContext } from '../../client/types.ts';
import { createFakeClient, createInformerFactory } from '../../client/index.ts';
import type { FakeClient, FakeOptions } from '../../client/index.ts';
import type { KObject } from '../../types/meta.ts';
import { R } from '../../types/gvr.ts';

export interface RecordedEvent {
  component: string;
  kind?: string;
  name?: string;
  type: string;
  reason: string;
  message: string;
}

export interface Harness {
  client: FakeClient;
  ctx: ControllerContext;
  events: RecordedEvent[];
  run(...controllers: Controller[]): void;
  stop(): Promise<void>;
}

export function createHarness(initial: KObject[] = [], opts: FakeOptions & { wrap?(c: FakeClient): ApiClient } = {}): Harness {
  const client = createFakeClient(initial, opts);
  const api = opts.wrap ? opts.wrap(client) : client;
  const events: RecordedEvent[] = [];
  const ac = new AbortController();
  const running: Promise<void>[] = [];
  const ctx: ControllerContext = {
    client: api,
    informers: createInformerFactory(api),
    recorder: (component) => ({
      event: (obj, type, reason, message) => void events.push({ component, kind: obj.kind, name: obj.metadata?.name, type, reason, message }),
    }),
    now: () => new Date(),
  };
  return {
    client, ctx, events,
    run: (...controllers) => { for (const c of controllers) running.push(c.run(ac.signal)); },
    async stop() {
      ac.abort();
      client.closeWatches();
      await Promise.allSettled(running);
    },
  };
}

/** polls until fn returns a truthy value (generous: a loaded 2-core machine) */
export async function waitFor<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** lets queued work run, then returns (for "nothing more happens" checks) */
export const settle = (ms = 300) => new Promise((r) => setTimeout(r, ms));

export const podsOf = (client: FakeClient, prefix: string) =>
  client.objects(R.pods).filter((p) => p.metadata?.name?.startsWith(`${prefix}-`) && !p.metadata?.deletionTimestamp);

/** what a kubelet reports: bound to a node, Running, Ready (or not) since readySince */
export async function markPod(client: ApiClient, pod: KObject, o: { node?: string; ready?: boolean; readySince?: Date; phase?: string } = {}) {
  const ns = pod.metadata?.namespace;
  const name = pod.metadata?.name ?? '';
  const cur = await client.get(R.pods, ns, name);
  if (o.node && !(cur.spec as { nodeName?: string } | undefined)?.nodeName) {
    await client.create(R.pods, ns, { apiVersion: 'v1', kind: 'Binding', metadata: { name }, target: { kind: 'Node', name: o.node } }, { subresource: 'binding', name });
  }
  const fresh = await client.get(R.pods, ns, name);
  const since = (o.readySince ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const status = { phase: o.phase ?? 'Running', conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True', lastTransitionTime: since }] };
  return client.update(R.pods, ns, { ...fresh, status }, { subresource: 'status' });
}
