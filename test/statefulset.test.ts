// Must-show 4a: a StatefulSet on a real node with the real kubectl. Three replicas come up as web-0, web-1, web-2
// strictly in order (no pod exists before every lower ordinal is Running and Ready), each with its own claim
// `www-web-<n>` bound through the local-path provisioner, its own hostname and DNS name `web-<n>.nginx`; scaling
// down removes the highest ordinal and keeps its claim (Retain); a template change rolls out highest ordinal first,
// `kubectl rollout status/history/undo sts` work and the history shows each revision's change-cause.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { randomInt } from 'node:crypto';
import { startControlPlane, type ControlPlane } from './cluster-harness.ts';
import { waitFor } from './harness.ts';
import { startNode, loadBusybox, type TestNode } from './kubelet-harness.ts';

let cp: ControlPlane;
let node: TestNode;
const image = 'busybox:sts-test';

before(async () => {
  // a service range of this test's own: node-1 of every test shares the host's netns, where 10.43.0.10 is contested
  cp = await startControlPlane({ args: ['--service-cidr', `10.43.${randomInt(1, 255)}.0/24`] });
  node = await startNode(cp.kubeconfig);
  await waitFor('the node Ready', async () => {
    const n = await cp.kjson(['get', 'node', node.name]).catch(() => undefined);
    return n?.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True');
  }, 60_000, 200);
  await loadBusybox(node, image);
});

after(async () => {
  await cp?.kubectl(['delete', 'statefulset', 'web', '--wait=true', '--timeout=60s'], { timeoutMs: 90_000 }).catch(() => undefined);
  await cp?.kubectl(['delete', 'pods', '--all', '--wait=true', '--timeout=60s'], { timeoutMs: 90_000 }).catch(() => undefined);
  await cp?.kubectl(['delete', 'pvc', '--all', '--wait=true', '--timeout=60s'], { timeoutMs: 90_000 }).catch(() => undefined);
  await node?.cleanup();
  await cp?.cleanup();
});

const manifests = JSON.stringify({
  apiVersion: 'v1', kind: 'List', items: [
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'nginx' }, spec: { clusterIP: 'None', selector: { app: 'web' }, ports: [{ port: 80 }] } },
    {
      apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web', annotations: { 'kubernetes.io/change-cause': 'the first web' } },
      spec: {
        serviceName: 'nginx', replicas: 3, selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            terminationGracePeriodSeconds: 1,
            containers: [{ name: 'c', image, imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', 'hostname > /data/id; exec sleep 3600'], volumeMounts: [{ name: 'www', mountPath: '/data' }] }],
          },
        },
        volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '16Mi' } } } }],
      },
    },
  ],
});

type Seen = { name: string; ready: boolean };
const isReady = (p: any) => p.status?.phase === 'Running' && p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True');

async function webPods(): Promise<Seen[]> {
  const list = await cp.kjson(['get', 'pods', '-l', 'app=web']);
  return list.items.filter((p: any) => !p.metadata.deletionTimestamp).map((p: any) => ({ name: p.metadata.name, ready: isReady(p) }))
    .sort((a: Seen, b: Seen) => a.name.localeCompare(b.name));
}

test('web-0, web-1, web-2 come up in order, each with its own Bound claim; scale down removes web-2; rollout, history and undo', { timeout: 600_000 }, async () => {
  const started = Date.now();
  const a = await cp.kubectl(['apply', '-f', '-'], { input: manifests });
  assert.equal(a.code, 0, a.stderr);
  // OrderedReady: whenever web-k exists, every lower ordinal exists and is Running and Ready
  const firstSeen: string[] = [];
  await waitFor('three ready pods, in order', async () => {
    const pods = await webPods();
    for (const p of pods) if (!firstSeen.includes(p.name)) firstSeen.push(p.name);
    pods.forEach((p, k) => {
      assert.equal(p.name, `web-${k}`, `pods so far: ${pods.map((x) => x.name)}`);
      if (k < pods.length - 1) assert.ok(p.ready, `${p.name} not ready while ${pods[k + 1].name} exists`);
    });
    return pods.length === 3 && pods.every((p) => p.ready);
  }, 180_000, 250);
  const upMs = Date.now() - started;
  assert.deepEqual(firstSeen, ['web-0', 'web-1', 'web-2']);

  const volumes = new Set<string>();
  for (const k of [0, 1, 2]) {
    const pvc = await cp.kjson(['get', 'pvc', `www-web-${k}`]);
    assert.equal(pvc.status.phase, 'Bound', `www-web-${k}`);
    assert.equal(pvc.metadata.labels.app, 'web');
    volumes.add(pvc.spec.volumeName);
    const pod = await cp.kjson(['get', 'pod', `web-${k}`]);
    assert.equal(pod.spec.hostname, `web-${k}`);
    assert.equal(pod.spec.subdomain, 'nginx');
    assert.equal(pod.metadata.labels['statefulset.kubernetes.io/pod-name'], `web-${k}`);
    assert.deepEqual(pod.spec.volumes.find((v: any) => v.name === 'www').persistentVolumeClaim, { claimName: `www-web-${k}` });
    const host = await cp.kubectl(['exec', `web-${k}`, '--', 'hostname']);
    assert.equal(host.stdout.trim(), `web-${k}`);
    const pv = await cp.kjson(['get', 'pv', pvc.spec.volumeName]);
    await waitFor(`web-${k} wrote its id`, async () => readFileSync(`${pv.spec.hostPath.path}/id`, 'utf8').trim() === `web-${k}` || undefined, 30_000, 250).catch(() => assert.fail(`no id file on the volume of web-${k}`));
  }
  assert.equal(volumes.size, 3, 'three distinct volumes');
  // the stable network name: <pod>.<serviceName> through the cluster DNS (the headless Service's endpoint hostnames)
  const ip0 = (await cp.kjson(['get', 'pod', 'web-0'])).status.podIP;
  await waitFor('web-0.nginx resolves from web-1', async () => {
    const r = await cp.kubectl(['exec', 'web-1', '--', 'nslookup', 'web-0.nginx.default.svc.cluster.local']);
    return r.code === 0 && r.stdout.includes(`Address: ${ip0}`) ? r : undefined;
  }, 30_000, 500);
  const table = await cp.kubectl(['get', 'sts', 'web']);
  assert.match(table.stdout, /^NAME\s+READY\s+AGE\nweb\s+3\/3\s+/, table.stdout);
  const describe = await cp.kubectl(['describe', 'sts', 'web']);
  assert.equal(describe.code, 0, describe.stderr);
  assert.match(describe.stdout, /Pods Status:\s+3 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed/);
  assert.match(describe.stdout, /Volume Claims:\n\s+Name:\s+www\n/);
  assert.match(describe.stdout, /SuccessfulCreate\s+.*create Claim www-web-2 Pod web-2 in StatefulSet web success/);
  assert.match(describe.stdout, /SuccessfulCreate\s+.*create Pod web-2 in StatefulSet web successful/);
  const status = await cp.kubectl(['rollout', 'status', 'sts/web', '--timeout=60s'], { timeoutMs: 90_000 });
  assert.equal(status.code, 0, status.stderr);
  assert.equal(status.stdout, 'partitioned roll out complete: 3 new pods have been updated...\n', 'kubectl words it so: the partition is defaulted to 0');

  // scale down: the highest ordinal goes, its claim stays (whenScaled: Retain)
  assert.equal((await cp.kubectl(['scale', 'sts', 'web', '--replicas=2'])).code, 0);
  await waitFor('web-2 gone', async () => (await webPods()).map((p) => p.name).join() === 'web-0,web-1' || undefined, 60_000, 250);
  assert.equal((await cp.kjson(['get', 'pvc', 'www-web-2'])).status.phase, 'Bound', 'the claim of a scaled-away ordinal is kept');

  // a template change rolls out (highest first), with its change-cause on the new revision
  const patch = { metadata: { annotations: { 'kubernetes.io/change-cause': 'env V=2' } }, spec: { template: { spec: { containers: [{ name: 'c', env: [{ name: 'V', value: '2' }] }] } } } };
  assert.equal((await cp.kubectl(['patch', 'sts', 'web', '-p', JSON.stringify(patch)])).code, 0);
  const rolled = await cp.kubectl(['rollout', 'status', 'sts/web', '--timeout=180s'], { timeoutMs: 200_000 });
  assert.equal(rolled.code, 0, rolled.stderr + rolled.stdout);
  for (const k of [0, 1]) assert.equal((await cp.kubectl(['exec', `web-${k}`, '--', 'sh', '-c', 'echo $V'])).stdout.trim(), '2');
  const history = await cp.kubectl(['rollout', 'history', 'sts/web']);
  assert.equal(history.code, 0, history.stderr);
  assert.match(history.stdout, /REVISION\s+CHANGE-CAUSE\n1\s+the first web\n2\s+env V=2\n/, history.stdout);

  // undo: back to revision 1's template, which becomes revision 3
  const undo = await cp.kubectl(['rollout', 'undo', 'sts/web']);
  assert.equal(undo.code, 0, undo.stderr);
  assert.match(undo.stdout, /statefulset.apps\/web rolled back/);
  assert.equal((await cp.kubectl(['rollout', 'status', 'sts/web', '--timeout=180s'], { timeoutMs: 200_000 })).code, 0);
  for (const k of [0, 1]) assert.equal((await cp.kubectl(['exec', `web-${k}`, '--', 'sh', '-c', 'echo "[$V]"'])).stdout.trim(), '[]');
  const after = await cp.kubectl(['rollout', 'history', 'sts/web']);
  assert.match(after.stdout, /REVISION\s+CHANGE-CAUSE\n2\s+env V=2\n3\s+the first web\n/, after.stdout);
  process.stdout.write(`statefulset: 3 ordered pods with bound claims in ${upMs} ms\n`);
});

test('Parallel with the Delete retention policy: all ordinals at once; scaled-away and deleted sets take their claims along', { timeout: 300_000 }, async () => {
  const db = {
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db' },
    spec: {
      serviceName: 'db', replicas: 2, podManagementPolicy: 'Parallel', selector: { matchLabels: { app: 'db' } },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Delete' },
      template: {
        metadata: { labels: { app: 'db' } },
        spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image, imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'], volumeMounts: [{ name: 'data', mountPath: '/data' }] }] },
      },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '16Mi' } } } }],
    },
  };
  assert.equal((await cp.kubectl(['apply', '-f', '-'], { input: JSON.stringify(db) })).code, 0);
  let bothBeforeReady = false;
  await waitFor('db-0 and db-1 Running and Ready', async () => {
    const pods = (await cp.kjson(['get', 'pods', '-l', 'app=db'])).items;
    if (pods.length === 2 && !isReady(pods.find((p: any) => p.metadata.name === 'db-0'))) bothBeforeReady = true;
    return pods.length === 2 && pods.every(isReady);
  }, 120_000, 100);
  assert.ok(bothBeforeReady, 'db-1 existed while db-0 was not yet ready (OrderedReady would wait)');
  const owners = (await cp.kjson(['get', 'pvc', 'data-db-0'])).metadata.ownerReferences.map((r: any) => `${r.kind}/${r.name}`);
  assert.deepEqual(owners, ['StatefulSet/db']);
  assert.equal((await cp.kubectl(['scale', 'sts', 'db', '--replicas=1'])).code, 0);
  await waitFor('the claim of db-1 deleted with it', async () => (await cp.kubectl(['get', 'pvc', 'data-db-1'])).code !== 0 || undefined, 90_000, 300);
  assert.equal((await cp.kjson(['get', 'pvc', 'data-db-0'])).status.phase, 'Bound');
  assert.equal((await cp.kubectl(['delete', 'sts', 'db', '--wait=true'])).code, 0);
  await waitFor('the claim of db-0 deleted with the set', async () => (await cp.kubectl(['get', 'pvc', 'data-db-0'])).code !== 0 || undefined, 90_000, 300);
});

test('a DaemonSet\'s revisions carry the change-cause too: kubectl rollout history and undo ds', { timeout: 300_000 }, async () => {
  const ds = (cause: string, v: string) => JSON.stringify({
    apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', annotations: { 'kubernetes.io/change-cause': cause } },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: { metadata: { labels: { app: 'agent' } }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image, imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'], env: [{ name: 'V', value: v }] }] } },
    },
  });
  assert.equal((await cp.kubectl(['apply', '-f', '-'], { input: ds('agent v1', '1') })).code, 0);
  assert.equal((await cp.kubectl(['rollout', 'status', 'ds/agent', '--timeout=120s'], { timeoutMs: 150_000 })).code, 0);
  assert.equal((await cp.kubectl(['apply', '-f', '-'], { input: ds('agent v2', '2') })).code, 0);
  assert.equal((await cp.kubectl(['rollout', 'status', 'ds/agent', '--timeout=120s'], { timeoutMs: 150_000 })).code, 0);
  const history = await cp.kubectl(['rollout', 'history', 'ds/agent']);
  assert.match(history.stdout, /REVISION\s+CHANGE-CAUSE\n1\s+agent v1\n2\s+agent v2\n/, history.stdout);
  const undo = await cp.kubectl(['rollout', 'undo', 'ds/agent']);
  assert.equal(undo.code, 0, undo.stderr);
  assert.equal((await cp.kubectl(['rollout', 'status', 'ds/agent', '--timeout=120s'], { timeoutMs: 150_000 })).code, 0);
  const pod = await waitFor('the pod back at V=1', async () => {
    const list = await cp.kjson(['get', 'pods', '-l', 'app=agent']);
    const live = list.items.filter((p: any) => !p.metadata.deletionTimestamp);
    return live.length === 1 && live[0].spec.containers[0].env[0].value === '1' ? live[0] : undefined;
  }, 60_000, 250);
  assert.ok(pod);
  assert.equal((await cp.kubectl(['delete', 'ds', 'agent', '--wait=true'])).code, 0);
});
