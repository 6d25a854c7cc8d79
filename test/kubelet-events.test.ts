// The kubelet's evented PLEG with a real agent: the runtime's container events wake a pod the moment one of
// its containers exits, so its status follows at once even with the relist and the periodic resync turned
// (nearly) off — a container exiting on its own, and one killed behind the kubelet's back on the node.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startControlPlane, type ControlPlane } from './cluster-harness.ts';
import { waitFor } from './harness.ts';
import { startNode, loadBusybox, type TestNode } from './kubelet-harness.ts';

let cp: ControlPlane;
let node: TestNode;
const IMAGE = 'busybox:events-test';
const pod = (name: string) => cp.kjson(['get', 'pod', name]);

before(async () => {
  cp = await startControlPlane();
  // a relist and a resync every 10 minutes: only an event can wake a pod within the test
  node = await startNode(cp.kubeconfig, undefined, { relistIntervalMs: 600_000, resyncIntervalMs: 600_000 });
  await loadBusybox(node, IMAGE);
  await waitFor('the node Ready', async () => {
    const n = await cp.kjson(['get', 'node', node.name]).catch(() => undefined);
    return n?.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True');
  }, 60_000, 200);
});

after(async () => {
  await cp?.kubectl(['delete', 'pods', '--all', '--wait=true', '--timeout=60s'], { timeoutMs: 90_000 }).catch(() => undefined);
  await node?.cleanup();
  await cp?.cleanup();
});

const apply = async (yaml: string) => {
  const r = await cp.kubectl(['apply', '-f', '-'], { input: yaml });
  assert.equal(r.code, 0, r.stderr);
};

test('a container that exits: its pod is Failed within a moment of the exit, not at the next relist', async () => {
  await apply(`apiVersion: v1
kind: Pod
metadata: { name: brief }
spec:
  restartPolicy: Never
  nodeName: ${node.name}
  containers: [{ name: c, image: ${IMAGE}, imagePullPolicy: IfNotPresent, command: ["sh", "-c", "sleep 2; exit 3"] }]
`);
  await waitFor('brief Running', async () => (await pod('brief')).status?.phase === 'Running', 60_000, 100);
  const running = Date.now();
  const p = await waitFor('brief Failed', async () => {
    const x = await pod('brief');
    return x.status?.phase === 'Failed' && x;
  }, 30_000, 100);
  const took = Date.now() - running;
  assert.equal(p.status.containerStatuses[0].state.terminated.exitCode, 3);
  // the container ran ~2 s after Running was seen; a relist would have taken 10 minutes
  assert.ok(took < 6000, `Failed ${took} ms after Running`);
});

test('a container killed on the node behind the kubelet\'s back restarts at once', async () => {
  await apply(`apiVersion: v1
kind: Pod
metadata: { name: victim }
spec:
  nodeName: ${node.name}
  containers: [{ name: c, image: ${IMAGE}, imagePullPolicy: IfNotPresent, command: ["sleep", "3600"] }]
`);
  const id = await waitFor('victim Running', async () => {
    const x = await pod('victim');
    return x.status?.phase === 'Running' && x.status.containerStatuses?.[0]?.containerID?.replace(/^skiff:\/\//, '');
  }, 60_000, 100);
  const r = await node.skiff(['kill', id]);
  assert.equal(r.code, 0, r.stderr);
  const killed = Date.now();
  const p = await waitFor('victim restarted', async () => {
    const x = await pod('victim');
    return x.status?.containerStatuses?.[0]?.restartCount === 1 && x.status.containerStatuses[0].state?.running && x;
  }, 30_000, 100);
  assert.equal(p.status.containerStatuses[0].lastState.terminated.exitCode, 137);
  assert.ok(Date.now() - killed < 5000, `restarted ${Date.now() - killed} ms after the kill`);
});

test('a pod deleted while the agent was away: its containers go within a moment of the agent\'s return', async () => {
  await apply(`apiVersion: v1
kind: Pod
metadata: { name: gone }
spec:
  nodeName: ${node.name}
  terminationGracePeriodSeconds: 0
  containers: [{ name: c, image: ${IMAGE}, imagePullPolicy: IfNotPresent, command: ["sleep", "3600"] }]
`);
  await waitFor('gone Running', async () => (await pod('gone')).status?.phase === 'Running', 60_000, 100);
  // what the node's engine holds of the pod (undefined while its socket is down)
  const onNode = async () => {
    const r = await node.skiff(['ps', '-aq', '--filter', 'label=io.skiff.cri.label.io.kubernetes.pod.name=gone']);
    return r.code === 0 ? r.stdout.trim() : undefined;
  };
  assert.ok(await onNode(), 'the sandbox and container on the node');
  await node.stop();
  const del = await cp.kubectl(['delete', 'pod', 'gone', '--force', '--grace-period=0']);
  assert.equal(del.code, 0, del.stderr);
  node.start();
  const back = Date.now();
  // the first relist runs a second after the start (then every 10 minutes here): it sweeps the orphan
  await waitFor('gone swept from the node', async () => (await onNode()) === '', 30_000, 200);
  assert.ok(Date.now() - back < 15_000, `swept ${Date.now() - back} ms after the agent came back`);
});
