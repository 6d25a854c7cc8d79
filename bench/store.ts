// Store benchmark: creates/s, updates/s (one at a time, as the API server issues them) and the time to list
// 5,000 keys, for SQLite and for a real etcd. Prints `name: value unit` lines.
//   node bench/store.ts            (both)    node bench/store.ts sqlite
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createEtcdStore, createSqliteStore, type Store } from '../src/cluster/store/index.ts';
import { startEtcd } from '../src/cluster/store/etcd/testing.ts';

const N = 5000;
// a value about the size of a small pod object
const VALUE = JSON.stringify({ kind: 'Pod', apiVersion: 'v1', metadata: { name: 'x', namespace: 'default', labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'] }], nodeName: 'node-1' }, pad: 'x'.repeat(1200) });

async function bench(name: string, store: Store): Promise<void> {
  const key = (i: number): string => `/registry/pods/default/pod-${String(i).padStart(6, '0')}`;
  let t = performance.now();
  const revs: number[] = [];
  for (let i = 0; i < N; i++) revs.push((await store.create(key(i), VALUE)).modRevision);
  let ms = performance.now() - t;
  console.log(`${name} create: ${Math.round((N / ms) * 1000)} ops/s`);
  console.log(`${name} create mean: ${(ms / N).toFixed(3)} ms`);
  t = performance.now();
  for (let i = 0; i < N; i++) await store.update(key(i), VALUE, revs[i]);
  ms = performance.now() - t;
  console.log(`${name} update: ${Math.round((N / ms) * 1000)} ops/s`);
  const runs: number[] = [];
  for (let r = 0; r < 5; r++) {
    t = performance.now();
    const res = await store.list('/registry/pods/');
    runs.push(performance.now() - t);
    if (res.items.length !== N) throw new Error(`listed ${res.items.length}`);
  }
  runs.sort((a, b) => a - b);
  console.log(`${name} list-5000: ${runs[2].toFixed(1)} ms`);
  t = performance.now();
  await store.count('/registry/pods/');
  console.log(`${name} count-5000: ${(performance.now() - t).toFixed(2)} ms`);
}

const which = process.argv[2];
if (!which || which === 'sqlite') {
  const dir = mkdtempSync(join('/var/tmp', 'skiff-bench-store-'));
  const store = createSqliteStore(join(dir, 'state.db'));
  try { await bench('sqlite', store); } finally { await store.close(); rmSync(dir, { recursive: true, force: true }); }
}
if (!which || which === 'etcd') {
  const etcd = await startEtcd();
  const store = createEtcdStore({ endpoints: [etcd.endpoint] });
  try { await bench('etcd', store); } finally { await store.close(); await etcd.stop(); }
}
