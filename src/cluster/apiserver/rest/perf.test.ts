// Perf smoke (figures printed, not asserted): 100 nodes and 3,000 pods created 50 at a time while three
// watchers follow, then lists from the cache and paged from the store.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { R } from '../../types/gvr.ts';
import type { KObject } from '../../types/meta.ts';
import { startTestRest, pod, type TestRest } from './testing.ts';

let t: TestRest | undefined;
after(async () => { await t?.cleanup(); });

const PODS = 3_000;
const NODES = 100;

async function inParallel(n: number, width: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < n) await fn(next++);
  }));
}

test(`perf smoke: ${NODES} nodes, ${PODS} pods with three watchers`, { timeout: 300_000 }, async () => {
  t = await startTestRest();
  const rest = t.rest;
  await inParallel(NODES, 20, (i) => rest.create(R.nodes, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: `node-${i}` }, status: { capacity: { cpu: '4', memory: '8Gi', pods: '110' } } }));

  const ac = new AbortController();
  const counts = [0, 0, 0];
  const watchers = [
    rest.watch(R.pods, undefined, { resourceVersion: String(await rest.currentRevision()) }, ac.signal),
    rest.watch(R.pods, 'default', { resourceVersion: String(await rest.currentRevision()), labelSelector: 'shard=0' }, ac.signal),
    rest.watch(R.pods, undefined, { resourceVersion: String(await rest.currentRevision()), fieldSelector: 'spec.nodeName=node-1' }, ac.signal),
  ].map(async (w, i) => { for await (const e of w) if (e.type === 'ADDED') counts[i]++; });

  const latencies: number[] = [];
  const t0 = performance.now();
  await inParallel(PODS, 50, async (i) => {
    const s = performance.now();
    await rest.create(R.pods, 'default', pod(`pod-${String(i).padStart(5, '0')}`, { labels: { app: 'bench', shard: String(i % 10) }, nodeName: `node-${i % NODES}` }));
    latencies.push(performance.now() - s);
  });
  const seconds = (performance.now() - t0) / 1000;

  const deadline = Date.now() + 60_000;
  while ((counts[0] < PODS || counts[1] < PODS / 10 || counts[2] < PODS / NODES) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  ac.abort();
  await Promise.allSettled(watchers);
  assert.deepEqual(counts, [PODS, PODS / 10, PODS / NODES], 'every watcher saw its pods');

  const timeList = async (fn: () => Promise<{ items: KObject[] }>) => {
    const s = performance.now();
    const l = await fn();
    return { ms: performance.now() - s, n: l.items.length };
  };
  const full = await timeList(() => rest.list(R.pods, undefined));
  const cached = await timeList(() => rest.list(R.pods, undefined, { resourceVersion: '0' }));
  const selected = await timeList(() => rest.list(R.pods, undefined, { fieldSelector: 'spec.nodeName=node-7' }));
  const paged = await timeList(() => rest.list(R.pods, undefined, { limit: 500 }));
  assert.equal(full.n, PODS);
  assert.equal(selected.n, PODS / NODES);
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))].toFixed(1);
  console.log(`rest-perf: pod creates: ${(PODS / seconds).toFixed(0)} /s (p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms, 50 in flight)`);
  console.log(`rest-perf: list ${PODS} pods (consistent, from cache): ${full.ms.toFixed(1)} ms; rv=0: ${cached.ms.toFixed(1)} ms; field selector: ${selected.ms.toFixed(1)} ms; page of 500 from store: ${paged.ms.toFixed(1)} ms`);
  console.log(`rest-perf: heap used ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB, rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`);
});
