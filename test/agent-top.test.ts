// kubectl top against a real agent (issue 12): a real `skiff server` and an in-process `skiff agent` (engine,
// runtime, kubelet and its HTTPS server with the stats routes) running a busybox pod whose cpu limit the
// kubelet turned into a cgroup quota; the server's metrics.k8s.io scrapes the agent's /stats/summary.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startControlPlane, type ControlPlane } from './cluster-harness.ts';
import { waitFor } from './harness.ts';
import { startNode, loadBusybox, type TestNode } from './kubelet-harness.ts';

let cp: ControlPlane;
let node: TestNode;
const IMAGE = 'busybox:top-test';

const millis = (q: string) => (q.endsWith('m') ? Number(q.slice(0, -1)) : Number(q) * 1000);

before(async () => {
  cp = await startControlPlane();
  node = await startNode(cp.kubeconfig);
  await loadBusybox(node, IMAGE);
  await waitFor('the node Ready', async () => {
    const n = await cp.kjson(['get', 'node', node.name]).catch(() => undefined);
    return n?.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');
  }, 60_000, 200);
});

after(async () => {
  await cp?.kubectl(['delete', 'pods', '--all', '--wait=true', '--timeout=60s'], { timeoutMs: 90_000 }).catch(() => undefined);
  await node?.cleanup();
  await cp?.cleanup();
});

test('kubectl top pod and top node against a real agent: a busy loop within its 150m limit', async () => {
  const r = await cp.kubectl(['apply', '-f', '-'], { input: JSON.stringify({
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'spin', labels: { app: 'spin' } },
    spec: { containers: [{ name: 'spin', image: IMAGE, imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', 'while :; do :; done'], resources: { limits: { cpu: '150m', memory: '32Mi' } } }] },
  }) });
  assert.equal(r.code, 0, r.stderr);
  await waitFor('the pod Running', async () => (await cp.kjson(['get', 'pod', 'spin'])).status?.phase === 'Running', 60_000, 300);
  const cells = await waitFor('kubectl top pod spin within its limit', async () => {
    const out = await cp.kubectl(['top', 'pod', '-l', 'app=spin', '--no-headers']);
    if (out.code !== 0) return undefined; // "metrics not available yet" until the first scrape sees it
    const c = out.stdout.trim().split(/\s+/);
    // never above its limit (+ rounding); the lower bound only says it is measured (a loaded machine gives less)
    return c[0] === 'spin' && millis(c[1]) >= 30 && millis(c[1]) <= 170 ? c : undefined;
  }, 60_000, 2_000);
  assert.match(cells[2], /^\d+Mi$/);
  const top = await cp.kubectl(['top', 'node', node.name, '--no-headers']);
  assert.equal(top.code, 0, top.stderr);
  const [name, cpu, cpuPct, mem, memPct] = top.stdout.trim().split(/\s+/);
  assert.equal(name, node.name);
  assert.ok(millis(cpu) >= 30, `the node's cpu includes the loop: ${cpu}`);
  assert.match(cpuPct, /^\d+%$/);
  assert.match(mem, /^\d+Mi$/);
  assert.match(memPct, /^\d+%$/);
});
