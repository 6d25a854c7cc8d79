// Micro-benchmark: the scheduler alone over the in-memory fake client — 100 nodes, 3,000 pending pods of 10
// workloads — timing from start until the informer shows every pod bound. Prints `name: value unit` lines.
//   node src/cluster/scheduler/throughput.bench.ts [pods] [nodes]
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ControllerContext } from '../client/types.ts';
import { createFakeClient, createInformerFactory } from '../client/index.ts';
import type { KObject } from '../types/meta.ts';
import { R } from '../types/gvr.ts';
import { createScheduler } from './index.ts';
import { makeNode, makePod } from './testing.ts';

export async function benchScheduler(podCount = 3000, nodeCount = 100): Promise<{ podsPerSecond: number; seconds: number }> {
  const objects: KObject[] = [];
  for (let i = 0; i < nodeCount; i++) objects.push(makeNode(`node-${i}`, { cpu: '32', memory: '64Gi' }));
  for (let i = 0; i < podCount; i++) objects.push(makePod(`web-${i}`, { cpu: '100m', memory: '128Mi', owner: `rs-${i % 10}` }));
  const client = createFakeClient(objects);
  const informers = createInformerFactory(client);
  const ctx: ControllerContext = { client, informers, recorder: () => ({ event() {} }), now: () => new Date() };
  const ac = new AbortController();
  const scheduler = createScheduler(ctx);
  let bound = 0;
  let allBound!: () => void;
  const finished = new Promise<void>((resolve) => (allBound = resolve));
  informers.informer<Pod & KObject>(R.pods).on({
    update(old, pod) {
      if (!old.spec?.nodeName && pod.spec?.nodeName && ++bound === podCount) allBound();
    },
  });
  informers.start(ac.signal);
  await informers.waitForSync(ac.signal);
  const t0 = performance.now();
  const running = scheduler.run(ac.signal);
  await finished;
  const seconds = (performance.now() - t0) / 1000;
  ac.abort();
  await running;
  return { podsPerSecond: podCount / seconds, seconds };
}

if (import.meta.main) {
  const pods = Number(process.argv[2] ?? 3000);
  const nodes = Number(process.argv[3] ?? 100);
  const r = await benchScheduler(pods, nodes);
  console.log(`scheduler_fake_client_pods: ${pods} pods`);
  console.log(`scheduler_fake_client_nodes: ${nodes} nodes`);
  console.log(`scheduler_fake_client_seconds: ${r.seconds.toFixed(3)} s`);
  console.log(`scheduler_fake_client_throughput: ${Math.round(r.podsPerSecond)} pods/s`);
}
