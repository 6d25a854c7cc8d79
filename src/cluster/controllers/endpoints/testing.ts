// Test harness for the endpoint controllers: the fake client, real informers and queues, polling helpers.
import type { Controller, ControllerContext } from '../../client/types.ts';
import { createFakeClient, createInformerFactory } from '../../client/index.ts';
import type { FakeClient } from '../../client/index.ts';
import type { KObject } from '../../types/meta.ts';

export interface Harness {
  client: FakeClient;
  ctx: ControllerContext;
  run(c: Controller): void;
  stop(): Promise<void>;
}

export function createHarness(initial: KObject[] = []): Harness {
  const client = createFakeClient(initial);
  const ac = new AbortController();
  const running: Promise<void>[] = [];
  const ctx: ControllerContext = { client, informers: createInformerFactory(client), recorder: () => ({ event() {} }), now: () => new Date() };
  return {
    client, ctx,
    run: (c) => void running.push(c.run(ac.signal)),
    async stop() {
      ac.abort();
      client.closeWatches();
      await Promise.allSettled(running);
    },
  };
}

/** polls until fn returns a truthy value (generous for a loaded 2-core machine) */
export async function waitFor<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const settle = (ms = 300) => new Promise((r) => setTimeout(r, ms));

export const service = (name: string, spec: Record<string, unknown>, ns = 'default'): KObject => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns, labels: { app: name } }, spec,
});

export function pod(name: string, o: { labels?: Record<string, string>; ip?: string; ready?: boolean; node?: string; phase?: string; ports?: { name?: string; containerPort: number }[]; ns?: string } = {}): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: o.ns ?? 'default', labels: o.labels ?? { app: 'web' } },
    spec: { nodeName: o.node, containers: [{ name: 'c', image: 'x', ports: o.ports }] },
    status: {
      phase: o.phase ?? 'Running',
      podIP: o.ip,
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True', lastTransitionTime: '2024-01-01T00:00:00Z' }],
    },
  };
}
