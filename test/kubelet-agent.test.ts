// `skiff agent` as the nodes helper runs it: a process joining with --server/--token/--ca-file, its engine's
// Docker API on ROOT/docker.sock (images loaded through it), a pod pinned to it Running; SIGTERM stops the
// agent cleanly (exit 0) and the pod keeps running.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { startControlPlane, type ControlPlane } from './cluster-harness.ts';
import { waitFor } from './harness.ts';
import { startNode, loadBusybox, type TestNode } from './kubelet-harness.ts';

let cp: ControlPlane;
let node: TestNode;
/** pod uids whose cgroups (kubepods/pod<uid>) the tests made: removed in after() whatever happened */
const podUids: string[] = [];
const cgroupDirs = (uid: string) => readdirSync('/sys/fs/cgroup').map((h) => `/sys/fs/cgroup/${h}/kubepods/pod${uid}`).filter((d) => existsSync(d));

before(async () => {
  cp = await startControlPlane();
  const token = /token: (\S+)/.exec(readFileSync(cp.kubeconfig, 'utf8'))![1];
  node = await startNode(cp.kubeconfig, { server: `https://127.0.0.1:${cp.port}`, token, caFile: join(cp.root, 'tls', 'ca.crt') });
});

after(async () => {
  await cp?.kubectl(['delete', 'pods', '--all', '--wait=true', '--timeout=60s'], { timeoutMs: 90_000 }).catch(() => undefined);
  await node?.cleanup();
  for (const d of podUids.flatMap(cgroupDirs)) try { rmdirSync(d); } catch (err) { process.stderr.write(`cleanup: ${(err as Error).message}\n`); }
  await cp?.cleanup();
});

test('skiff agent --server --token --ca-file joins; a pod runs on it; SIGTERM leaves the pod running', async () => {
  await waitFor('the node Ready', async () => {
    const n = await cp.kjson(['get', 'node', node.name]).catch(() => undefined);
    return n?.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True');
  }, 60_000, 200);
  await loadBusybox(node, 'busybox:agent-test');
  const r = await cp.kubectl(['run', 'one', '--image=busybox:agent-test', '--image-pull-policy=IfNotPresent', `--overrides={"spec":{"nodeName":"${node.name}"}}`, '--', 'sleep', '3600']);
  assert.equal(r.code, 0, r.stderr);
  const ip = await waitFor('one Running', async () => {
    const p = await cp.kjson(['get', 'pod', 'one']);
    return p.status?.phase === 'Running' && p.status.podIP;
  }, 60_000, 300);
  assert.ok(ip.startsWith(node.podCIDR.replace(/0\/24$/, '')));
  const nodeObj = await cp.kjson(['get', 'node', node.name]);
  assert.ok(nodeObj.status.daemonEndpoints.kubeletEndpoint.Port > 0, 'the kubelet server port is published');
  const ex = await cp.kubectl(['exec', 'one', '--', 'hostname']);
  assert.equal(ex.stdout.trim(), 'one', ex.stderr);
  await node.stop(); // rejects when the agent did not exit 0
  node.start();
  // the new agent's kubelet server listens on another port: the Node says so once it has registered
  const oldPort = nodeObj.status.daemonEndpoints.kubeletEndpoint.Port;
  await waitFor('the new kubelet port published', async () => (await cp.kjson(['get', 'node', node.name])).status.daemonEndpoints.kubeletEndpoint.Port !== oldPort, 60_000, 200);
  await waitFor('one still Running after the agent came back', async () => {
    const p = await cp.kjson(['get', 'pod', 'one']);
    return p.status?.phase === 'Running' && p.status.containerStatuses?.[0]?.restartCount === 0 && p.status.containerStatuses[0].state?.running;
  }, 60_000, 300);
  const again = await cp.kubectl(['exec', 'one', '--', 'hostname']);
  assert.equal(again.stdout.trim(), 'one', again.stderr);
});

test('a finished pod deleted (at once, grace 0) loses its sandbox and its pod cgroup', async () => {
  // the first test leaves the agent running again with busybox:agent-test loaded
  const r = await cp.kubectl(['run', 'done', '--restart=Never', '--image=busybox:agent-test', '--image-pull-policy=IfNotPresent', `--overrides={"spec":{"nodeName":"${node.name}"}}`, '--', 'true']);
  assert.equal(r.code, 0, r.stderr);
  const uid = await waitFor('done Succeeded', async () => {
    const p = await cp.kjson(['get', 'pod', 'done']);
    return p.status?.phase === 'Succeeded' && p.metadata.uid;
  }, 60_000, 300);
  podUids.push(uid);
  assert.ok(existsSync(`/sys/fs/cgroup/pids/kubepods/pod${uid}`) || existsSync(`/sys/fs/cgroup/kubepods/pod${uid}`), 'the pod has its cgroup');
  // its sandbox stopped, and a relist (every 10 s with the engine's events) has seen that: from now on
  // nothing of the pod changes in the runtime, so only its object's deletion can tell the kubelet
  await waitFor('the finished pod\'s sandbox stopped', async () => {
    const ps = await node.skiff(['ps', '-a', '--format', '{{.Names}} {{.State}}']);
    return ps.stdout.split('\n').some((l) => l.startsWith('k8s_POD_') && l.includes(uid) && l.endsWith(' exited'));
  }, 30_000, 300);
  await new Promise((ok) => setTimeout(ok, 11_000));
  const del = await cp.kubectl(['delete', 'pod', 'done', '--wait=true']);
  assert.equal(del.code, 0, del.stderr);
  // the agent's relist (every 10 s with the engine's events) sweeps what no pod object owns any more
  await waitFor('the finished pod\'s cgroup removed', async () => cgroupDirs(uid).length === 0, 45_000, 500);
  const left = await node.skiff(['ps', '-a', '--format', '{{.Names}}']);
  assert.equal(left.code, 0, left.stderr);
  assert.deepEqual(left.stdout.split('\n').filter((n) => n.includes(uid)), [], 'no container of the deleted pod is left');
});
