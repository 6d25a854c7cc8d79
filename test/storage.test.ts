// PersistentVolumeClaims on a real node, with the real kubectl: the default `local-path` class provisions a
// hostPath volume on the node the scheduler picked (WaitForFirstConsumer), a pod writes to it, a second pod
// (after the first is deleted) reads the data back; deleting the claim releases the volume and its Delete
// reclaim removes the data and the PV. A static PV with Retain binds by class and stays Released.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { startControlPlane, type ControlPlane } from './cluster-harness.ts';
import { waitFor } from './harness.ts';
import { startNode, loadBusybox, type TestNode } from './kubelet-harness.ts';

let cp: ControlPlane;
let node: TestNode;
const image = 'busybox:storage-test';

before(async () => {
  cp = await startControlPlane();
  node = await startNode(cp.kubeconfig);
  await waitFor('the node Ready', async () => {
    const n = await cp.kjson(['get', 'node', node.name]).catch(() => undefined);
    return n?.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True');
  }, 60_000, 200);
  await loadBusybox(node, image);
});

after(async () => {
  await cp?.kubectl(['delete', 'pods', '--all', '--wait=true', '--timeout=60s'], { timeoutMs: 90_000 }).catch(() => undefined);
  await node?.cleanup();
  await cp?.cleanup();
});

const pod = (name: string, claim: string, script: string) => JSON.stringify({
  apiVersion: 'v1', kind: 'Pod', metadata: { name },
  spec: {
    restartPolicy: 'Never', terminationGracePeriodSeconds: 1,
    containers: [{ name: 'c', image, imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', script], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
    volumes: [{ name: 'data', persistentVolumeClaim: { claimName: claim } }],
  },
});

async function finished(name: string): Promise<any> {
  return waitFor(`${name} Succeeded`, async () => {
    const p = await cp.kjson(['get', 'pod', name]);
    if (p.status?.phase === 'Failed') throw new Error(`${name} failed: ${JSON.stringify(p.status)}`);
    return p.status?.phase === 'Succeeded' ? p : undefined;
  }, 90_000, 300);
}

test('a local-path claim is provisioned on the pod\'s node; its data outlives the pod; Delete reclaim removes it', async () => {
  const claim = JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '64Mi' } } } });
  assert.equal((await cp.kubectl(['apply', '-f', '-'], { input: claim })).code, 0);
  const pending = await cp.kjson(['get', 'pvc', 'data']);
  assert.equal(pending.spec.storageClassName, 'local-path', 'the default class was filled in');
  await waitFor('the WaitForFirstConsumer event', async () => (await cp.kubectl(['get', 'events', '--field-selector', 'involvedObject.name=data'])).stdout.includes('WaitForFirstConsumer'), 30_000, 300);
  assert.equal((await cp.kjson(['get', 'pvc', 'data'])).status.phase, 'Pending', 'no volume before a pod uses the claim');

  const w = await cp.kubectl(['apply', '-f', '-'], { input: pod('writer', 'data', 'echo kept-across-pods > /data/file && sync') });
  assert.equal(w.code, 0, w.stderr);
  const writer = await finished('writer');
  assert.equal(writer.spec.nodeName, node.name);
  const pvc = await cp.kjson(['get', 'pvc', 'data']);
  assert.equal(pvc.status.phase, 'Bound');
  assert.equal(pvc.metadata.annotations['volume.kubernetes.io/selected-node'], node.name);
  const pv = await cp.kjson(['get', 'pv', pvc.spec.volumeName]);
  assert.equal(pv.status.phase, 'Bound');
  assert.equal(pv.spec.claimRef.uid, pvc.metadata.uid);
  assert.deepEqual(pv.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values, [node.name]);
  const path: string = pv.spec.hostPath.path;
  assert.ok(path.startsWith(`${node.root}/storage/pvc-`), path);
  assert.equal(readFileSync(`${path}/file`, 'utf8'), 'kept-across-pods\n', 'the data is on the node\'s disk');
  const table = await cp.kubectl(['get', 'pvc', 'data']);
  assert.match(table.stdout, /^NAME\s+STATUS\s+VOLUME\s+CAPACITY\s+ACCESS MODES\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+AGE\n/);
  assert.match(table.stdout, new RegExp(`data\\s+Bound\\s+${pvc.spec.volumeName}\\s+64Mi\\s+RWO\\s+local-path\\s+<unset>`));

  assert.equal((await cp.kubectl(['delete', 'pod', 'writer', '--wait=true'])).code, 0);
  assert.equal((await cp.kubectl(['apply', '-f', '-'], { input: pod('reader', 'data', 'cat /data/file; exec sleep 3600') })).code, 0);
  await waitFor('reader printed the file', async () => (await cp.kubectl(['logs', 'reader'])).stdout === 'kept-across-pods\n', 90_000, 300);

  // pvc-protection: a claim in use is only marked; the volume and its data stay until the pod is gone
  assert.equal((await cp.kubectl(['delete', 'pvc', 'data', '--wait=false'])).code, 0);
  await waitFor('the claim Terminating', async () => /data\s+Terminating\s/.test((await cp.kubectl(['get', 'pvc', 'data'])).stdout), 30_000, 300);
  await new Promise((ok) => setTimeout(ok, 1000));
  assert.equal((await cp.kjson(['get', 'pvc', 'data'])).metadata.finalizers?.[0], 'kubernetes.io/pvc-protection');
  assert.equal((await cp.kjson(['get', 'pv', pv.metadata.name])).status.phase, 'Bound');
  assert.ok(existsSync(`${path}/file`));
  assert.equal((await cp.kubectl(['delete', 'pod', 'reader', '--wait=true', '--grace-period=1'])).code, 0);
  await waitFor('the released volume deleted', async () => (await cp.kubectl(['get', 'pv', pv.metadata.name])).code !== 0, 60_000, 300);
  assert.equal(existsSync(path), false, 'the Delete reclaim removed the data');
});

test('a static PV with Retain binds a claim of its class and stays Released after the claim goes', async () => {
  const pvObj = JSON.stringify({
    apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: `static-${node.name}` },
    spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'manual', hostPath: { path: `${node.root}/static`, type: 'DirectoryOrCreate' } },
  });
  assert.equal((await cp.kubectl(['apply', '-f', '-'], { input: pvObj })).code, 0);
  await waitFor('the PV Available', async () => (await cp.kjson(['get', 'pv', `static-${node.name}`])).status?.phase === 'Available', 30_000, 200);
  const claim = JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'manual' }, spec: { storageClassName: 'manual', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '100Mi' } } } });
  assert.equal((await cp.kubectl(['apply', '-f', '-'], { input: claim })).code, 0);
  await waitFor('the claim Bound (Immediate binding: no pod needed)', async () => (await cp.kjson(['get', 'pvc', 'manual'])).status?.phase === 'Bound', 30_000, 200);
  const pvTable = await cp.kubectl(['get', 'pv', `static-${node.name}`]);
  assert.match(pvTable.stdout, new RegExp(`static-${node.name}\\s+1Gi\\s+RWO\\s+Retain\\s+Bound\\s+default/manual\\s+manual\\s+<unset>`), pvTable.stdout);
  assert.equal((await cp.kubectl(['apply', '-f', '-'], { input: pod('static', 'manual', 'echo retained > /data/f') })).code, 0);
  await finished('static');
  assert.equal((await cp.kubectl(['delete', 'pod', 'static', '--wait=true'])).code, 0);
  assert.equal((await cp.kubectl(['delete', 'pvc', 'manual', '--wait=true'])).code, 0);
  await waitFor('the PV Released', async () => (await cp.kjson(['get', 'pv', `static-${node.name}`])).status?.phase === 'Released', 30_000, 200);
  assert.equal(readFileSync(`${node.root}/static/f`, 'utf8'), 'retained\n', 'Retain keeps the data');
  assert.equal((await cp.kubectl(['delete', 'pv', `static-${node.name}`])).code, 0);
});

test('a pod placed by hand on a node its volume\'s node affinity excludes is not given an empty directory (FailedMount)', async () => {
  const pvName = `far-${node.name}`;
  const pvObj = JSON.stringify({
    apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: pvName },
    spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'far', hostPath: { path: `${node.root}/far`, type: 'DirectoryOrCreate' },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['elsewhere'] }] }] } } },
  });
  assert.equal((await cp.kubectl(['apply', '-f', '-'], { input: pvObj })).code, 0);
  const claim = JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'far' }, spec: { storageClassName: 'far', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
  assert.equal((await cp.kubectl(['apply', '-f', '-'], { input: claim })).code, 0);
  await waitFor('the claim Bound', async () => (await cp.kjson(['get', 'pvc', 'far'])).status?.phase === 'Bound', 30_000, 200);
  const pinned = JSON.parse(pod('pinned', 'far', 'true'));
  pinned.spec.nodeName = node.name;
  assert.equal((await cp.kubectl(['apply', '-f', '-'], { input: JSON.stringify(pinned) })).code, 0);
  await waitFor('the FailedMount event', async () => (await cp.kubectl(['get', 'events', '--field-selector', 'involvedObject.name=pinned,reason=FailedMount', '-o', 'jsonpath={.items[*].message}'])).stdout
    .includes(`NodeAffinity check failed for volume "${pvName}" : no matching NodeSelectorTerms`), 60_000, 300);
  assert.equal((await cp.kjson(['get', 'pod', 'pinned'])).status.phase, 'Pending');
  assert.equal(existsSync(`${node.root}/far`), false, 'no directory made on the wrong node');
  assert.equal((await cp.kubectl(['delete', 'pod', 'pinned', '--wait=true'])).code, 0);
  assert.equal((await cp.kubectl(['delete', 'pvc', 'far', '--wait=true'])).code, 0);
  assert.equal((await cp.kubectl(['delete', 'pv', pvName, '--wait=true'])).code, 0);
});

test('a pod whose claim does not exist stays Pending with the scheduler\'s reason', async () => {
  assert.equal((await cp.kubectl(['apply', '-f', '-'], { input: pod('orphan', 'nope', 'true') })).code, 0);
  const cond = await waitFor('PodScheduled=False', async () => (await cp.kjson(['get', 'pod', 'orphan'])).status?.conditions?.find((c: any) => c.type === 'PodScheduled' && c.status === 'False'), 30_000, 200);
  assert.match(cond.message, /^0\/\d+ nodes are available: persistentvolumeclaim "nope" not found\./);
  assert.equal((await cp.kubectl(['delete', 'pod', 'orphan', '--wait=true'])).code, 0);
});
