// The kubelet end to end: a real `skiff server` and an in-process agent (real engine, runtime, crun, CNI)
// running busybox pods — Ready behind an httpGet readiness probe, CrashLoopBackOff with a growing restart
// count, ErrImagePull/ImagePullBackOff, CreateContainerConfigError until the key exists, configMap volumes
// updated in place, graceful deletion with preStop, and an agent restart that adopts the running pods.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startControlPlane, type ControlPlane } from './cluster-harness.ts';
import { waitFor } from './harness.ts';
import { startNode, loadBusybox, type TestNode } from './kubelet-harness.ts';
import { startRegistryProcess } from './registry-harness.ts';

let cp: ControlPlane;
let node: TestNode;
const IMAGE = 'busybox:kubelet-test';

async function httpGet(url: string): Promise<string | undefined> {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return r.ok ? await r.text() : undefined;
  } catch {
    return undefined;
  }
}

const pods = async (selector: string) => (await cp.kjson(['get', 'pods', '-l', selector])).items as any[];
const pod = (name: string) => cp.kjson(['get', 'pod', name]);
const apply = async (yaml: string) => {
  const r = await cp.kubectl(['apply', '-f', '-'], { input: yaml });
  assert.equal(r.code, 0, r.stderr);
};

before(async () => {
  cp = await startControlPlane();
  node = await startNode(cp.kubeconfig);
  await loadBusybox(node, IMAGE);
  // a Service made before the pods: their containers get its link variables
  const svc = await cp.kubectl(['create', 'service', 'clusterip', 'web', '--tcp=80:8080']);
  assert.equal(svc.code, 0, svc.stderr);
  await waitFor('the node Ready', async () => {
    const n = await cp.kjson(['get', 'node', node.name]).catch(() => undefined);
    return n?.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True');
  }, 60_000, 200);
});

after(async () => {
  await cp?.kubectl(['delete', 'pods,deployments,configmaps,secrets,services', '--all', '--wait=true', '--timeout=60s'], { timeoutMs: 90_000 }).catch(() => undefined);
  await node?.cleanup();
  await cp?.cleanup();
});

test('the node registers with capacity, addresses, node info, its podCIDR and a Lease', async () => {
  const n = await cp.kjson(['get', 'node', node.name]);
  assert.equal(n.status.capacity.pods, '110');
  assert.ok(Number(n.status.capacity.cpu) >= 1);
  assert.match(n.status.capacity.memory, /^\d+Ki$/);
  assert.deepEqual(n.status.addresses, [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: node.name }]);
  assert.match(n.status.nodeInfo.containerRuntimeVersion, /^skiff:\/\//);
  assert.equal(n.status.nodeInfo.kubeletVersion, 'v1.32.0-skiff');
  assert.equal(n.spec.podCIDR, node.podCIDR);
  assert.deepEqual(n.status.conditions.map((c: any) => `${c.type}=${c.status}`).sort(), ['DiskPressure=False', 'MemoryPressure=False', 'PIDPressure=False', 'Ready=True']);
  const lease = await cp.kjson(['get', 'lease', '-n', 'kube-node-lease', node.name]);
  assert.equal(lease.spec.holderIdentity, node.name);
});

test('a Deployment of busybox httpd with a readiness probe: Running and Ready, serving on the pod IPs', async () => {
  await apply(`apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
      - name: httpd
        image: ${IMAGE}
        command: ["sh", "-c", "mkdir -p /www && echo hello from $(POD_NAME) > /www/index.html && exec httpd -f -p 8080 -h /www"]
        env:
        - { name: POD_NAME, valueFrom: { fieldRef: { fieldPath: metadata.name } } }
        ports: [{ name: http, containerPort: 8080 }]
        readinessProbe: { httpGet: { path: /, port: http }, periodSeconds: 1 }
        resources: { requests: { cpu: 50m, memory: 16Mi }, limits: { memory: 64Mi } }
`);
  const ready: any[] = await waitFor('2 web pods Ready', async () => {
    const ps = await pods('app=web');
    return ps.length === 2 && ps.every((p) => p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True')) ? ps : undefined;
  }, 90_000, 500);
  for (const p of ready) {
    assert.equal(p.status.phase, 'Running');
    assert.equal(p.status.qosClass, 'Burstable');
    assert.equal(p.status.hostIP, '127.0.0.1');
    assert.ok(p.status.podIP.startsWith(node.podCIDR.replace(/0\/24$/, '')), `${p.status.podIP} in ${node.podCIDR}`);
    assert.equal(p.status.containerStatuses[0].ready, true);
    assert.equal(p.status.containerStatuses[0].started, true);
    assert.match(p.status.containerStatuses[0].containerID, /^skiff:\/\//);
    assert.equal(await httpGet(`http://${p.status.podIP}:8080/`), `hello from ${p.metadata.name}\n`);
  }
  // the agent's kubelet server answers the API server's streams
  const ex = await cp.kubectl(['exec', ready[0].metadata.name, '--', 'cat', '/www/index.html']);
  assert.equal(ex.stdout, `hello from ${ready[0].metadata.name}\n`, ex.stderr);
  const clusterIP = (await cp.kjson(['get', 'service', 'web'])).spec.clusterIP;
  const links = await cp.kubectl(['exec', ready[0].metadata.name, '--', 'sh', '-c', 'echo $WEB_SERVICE_HOST $WEB_SERVICE_PORT $WEB_PORT']);
  assert.equal(links.stdout, `${clusterIP} 80 tcp://${clusterIP}:80\n`, links.stderr);
  const table = await cp.kubectl(['get', 'pods', '-l', 'app=web', '-o', 'wide']);
  assert.match(table.stdout, /1\/1\s+Running\s+0/);
  const events = await cp.kubectl(['get', 'events', '--field-selector', `involvedObject.name=${ready[0].metadata.name}`]);
  for (const reason of ['Pulled', 'Created', 'Started']) assert.match(events.stdout, new RegExp(reason));
});

test('a crashing container: CrashLoopBackOff with the back-off message, restartCount growing', async () => {
  await apply(`apiVersion: v1
kind: Pod
metadata: { name: crash }
spec:
  containers: [{ name: c, image: ${IMAGE}, command: ["sh", "-c", "echo dying; echo out of cheese > /dev/termination-log; exit 3"] }]
`);
  const p = await waitFor('CrashLoopBackOff', async () => {
    const x = await pod('crash');
    const cs = x.status?.containerStatuses?.[0];
    return cs?.state?.waiting?.reason === 'CrashLoopBackOff' && x;
  }, 60_000, 300);
  const cs = p.status.containerStatuses[0];
  assert.ok(cs.restartCount >= 1);
  assert.match(cs.state.waiting.message, /^back-off (10|20)s restarting failed container=c pod=crash_default\(/);
  assert.equal(cs.lastState.terminated.exitCode, 3);
  assert.equal(cs.lastState.terminated.reason, 'Error');
  assert.equal(cs.lastState.terminated.message, 'out of cheese\n', 'the termination-log');
  await waitFor('a later restart', async () => (await pod('crash')).status.containerStatuses[0].restartCount > cs.restartCount, 45_000, 500);
  const logs = await cp.kubectl(['logs', 'crash', '--previous']);
  assert.equal(logs.stdout, 'dying\n', logs.stderr);
  const d = await cp.kubectl(['describe', 'pod', 'crash']);
  assert.match(d.stdout, /Back-off restarting failed container c in pod crash_default/);
  assert.match(d.stdout, /Last State:\s+Terminated\s+Reason:\s+Error\s+Message:\s+out of cheese\s+Exit Code:\s+3/);
});

test('a bad image: ErrImagePull with the registry\'s reason, then ImagePullBackOff that still carries it', async () => {
  const registry = await startRegistryProcess();
  try {
    const image = `${registry.host}/nope:1`;
    await apply(`apiVersion: v1
kind: Pod
metadata: { name: badimage }
spec:
  containers: [{ name: c, image: "${image}" }]
`);
    const seen = new Map<string, string>();
    await waitFor('ErrImagePull then ImagePullBackOff', async () => {
      const w = (await pod('badimage')).status?.containerStatuses?.[0]?.state?.waiting;
      if (w?.reason) seen.set(w.reason, w.message);
      return seen.has('ErrImagePull') && seen.has('ImagePullBackOff');
    }, 60_000, 300);
    // the registry answered 404 NAME_UNKNOWN: its words reach the status, in both states (Kubernetes 1.32's wording)
    assert.match(seen.get('ErrImagePull')!, new RegExp(`^Failed to pull image "${image}": .*(manifest|name) unknown`));
    assert.match(seen.get('ImagePullBackOff')!, new RegExp(`^Back-off pulling image "${image}": ErrImagePull: .*(manifest|name) unknown`));
    assert.equal((await pod('badimage')).status.phase, 'Pending');
    const d = await cp.kubectl(['describe', 'pod', 'badimage']);
    assert.match(d.stdout, new RegExp(`Warning\\s+Failed\\s+.*Failed to pull image "${image}": .*(manifest|name) unknown`));
    assert.match(d.stdout, /Back-off pulling image/);
  } finally {
    await registry.stop();
  }
});

test('a missing configMap key: CreateContainerConfigError until it exists; configMap volumes follow changes', async () => {
  await apply(`apiVersion: v1
kind: ConfigMap
metadata: { name: settings }
data: { page: "first" }
---
apiVersion: v1
kind: Pod
metadata: { name: needs-key }
spec:
  containers:
  - name: c
    image: ${IMAGE}
    command: ["sh", "-c", "echo \\"$MODE\\" > /tmp/env && exec httpd -f -p 8080 -h /"]
    env: [{ name: MODE, valueFrom: { configMapKeyRef: { name: settings, key: mode } } }]
    volumeMounts: [{ name: cfg, mountPath: /cfg }]
  volumes: [{ name: cfg, configMap: { name: settings } }]
`);
  const w = await waitFor('CreateContainerConfigError', async () => {
    const x = (await pod('needs-key')).status?.containerStatuses?.[0]?.state?.waiting;
    return x?.reason === 'CreateContainerConfigError' && x;
  }, 60_000, 300);
  assert.equal(w.message, "couldn't find key mode in ConfigMap default/settings");
  await apply(`apiVersion: v1
kind: ConfigMap
metadata: { name: settings }
data: { page: "first", mode: "fast" }
`);
  const ip = await waitFor('needs-key Running', async () => {
    const x = await pod('needs-key');
    return x.status?.phase === 'Running' && x.status.containerStatuses?.[0]?.state?.running && x.status.podIP;
  }, 60_000, 500);
  assert.equal(await waitFor('the env page', () => httpGet(`http://${ip}:8080/tmp/env`), 10_000, 200), 'fast\n');
  assert.equal(await httpGet(`http://${ip}:8080/cfg/page`), 'first');
  await apply(`apiVersion: v1
kind: ConfigMap
metadata: { name: settings }
data: { page: "second", mode: "fast" }
`);
  await waitFor('the volume updated in place', async () => (await httpGet(`http://${ip}:8080/cfg/page`)) === 'second', 60_000, 500);
});

test('probes (startup httpGet, readiness tcpSocket, liveness exec) and volumes (emptyDir Memory, downwardAPI, secret)', async () => {
  const r = await cp.kubectl(['create', 'secret', 'generic', 'creds', '--from-literal=password=hunter2']);
  assert.equal(r.code, 0, r.stderr);
  await apply(`apiVersion: v1
kind: Pod
metadata: { name: probed, labels: { app: probed } }
spec:
  terminationGracePeriodSeconds: 2
  containers:
  - name: app
    image: ${IMAGE}
    command: ["sh", "-c", "touch /tmp/healthy && exec httpd -f -p 8080 -h /"]
    startupProbe: { httpGet: { path: /tmp/healthy, port: 8080 }, periodSeconds: 1 }
    readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 }
    livenessProbe: { exec: { command: ["test", "-e", "/tmp/healthy"] }, periodSeconds: 1, failureThreshold: 2 }
    resources: { limits: { cpu: 200m, memory: 32Mi } }
    volumeMounts:
    - { name: mem, mountPath: /mem }
    - { name: info, mountPath: /info }
    - { name: sec, mountPath: /sec }
  volumes:
  - { name: mem, emptyDir: { medium: Memory, sizeLimit: 4Mi } }
  - name: info
    downwardAPI:
      items:
      - { path: labels, fieldRef: { fieldPath: metadata.labels } }
      - { path: cpu, resourceFieldRef: { containerName: app, resource: limits.cpu, divisor: 1m } }
  - { name: sec, secret: { secretName: creds } }
`);
  const p = await waitFor('probed Ready', async () => {
    const x = await pod('probed');
    return x.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True') && x;
  }, 60_000, 300);
  assert.equal(p.status.qosClass, 'Guaranteed');
  const ip = p.status.podIP;
  assert.equal(await httpGet(`http://${ip}:8080/info/labels`), 'app="probed"');
  assert.equal(await httpGet(`http://${ip}:8080/info/cpu`), '200');
  assert.equal(await httpGet(`http://${ip}:8080/sec/password`), 'hunter2');
  const dd = await cp.kubectl(['exec', 'probed', '--', 'sh', '-c', 'dd if=/dev/zero of=/mem/big bs=1M count=8 2>&1; echo rc=$?']);
  assert.match(dd.stdout, /No space left on device[\s\S]*rc=1/, 'the tmpfs holds sizeLimit');
  // liveness: the file goes, two failures, the container is killed and restarted
  await cp.kubectl(['exec', 'probed', '--', 'rm', '/tmp/healthy']);
  await waitFor('a liveness restart', async () => (await pod('probed')).status.containerStatuses[0].restartCount >= 1, 60_000, 500);
  const events = (await cp.kubectl(['get', 'events', '--field-selector', 'involvedObject.name=probed'])).stdout;
  assert.match(events, /Unhealthy.*Liveness probe failed/);
  assert.match(events, /Killing.*Container app failed liveness probe, will be restarted/);
  await waitFor('probed Ready again', async () => (await pod('probed')).status.conditions.some((c: any) => c.type === 'Ready' && c.status === 'True'), 60_000, 300);
});

test('delete: preStop runs, SIGTERM stops the container, then the pod object goes', async () => {
  const dir = join(node.root, 'host-share');
  mkdirSync(dir, { recursive: true });
  await apply(`apiVersion: v1
kind: Pod
metadata: { name: graceful }
spec:
  terminationGracePeriodSeconds: 30
  containers:
  - name: c
    image: ${IMAGE}
    command: ["sh", "-c", "trap 'echo term > /host/term; exit 0' TERM; while true; do sleep 0.2; done"]
    lifecycle: { preStop: { exec: { command: ["sh", "-c", "echo bye > /host/prestop"] } } }
    volumeMounts: [{ name: host, mountPath: /host }]
  volumes: [{ name: host, hostPath: { path: ${JSON.stringify(dir)}, type: Directory } }]
`);
  await waitFor('graceful Running', async () => (await pod('graceful')).status?.containerStatuses?.[0]?.state?.running, 60_000, 300);
  const t0 = Date.now();
  const r = await cp.kubectl(['delete', 'pod', 'graceful', '--wait=true', '--timeout=60s'], { timeoutMs: 90_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(Date.now() - t0 < 20_000, `deleted in ${Date.now() - t0} ms: SIGTERM ended it, not the 30 s grace`);
  assert.equal(readFileSync(join(dir, 'prestop'), 'utf8'), 'bye\n');
  assert.equal(readFileSync(join(dir, 'term'), 'utf8'), 'term\n');
  assert.equal((await cp.kubectl(['get', 'pod', 'graceful'])).code, 1);
});

test('restarting the agent leaves the pods running; the new one adopts them (same containers, no restarts)', async () => {
  const before = await pods('app=web');
  const ids = before.map((p) => p.status.containerStatuses[0].containerID).sort();
  await node.stop();
  for (const p of before) assert.equal(await httpGet(`http://${p.status.podIP}:8080/`), `hello from ${p.metadata.name}\n`, 'serving while no agent runs');
  node.start();
  // the new agent has written its own status (its probes have run) when the heartbeat is newer than its start
  const t0 = new Date(Date.now() - 1000).toISOString();
  await waitFor('the node heart-beating again', async () => {
    const n = await cp.kjson(['get', 'node', node.name]);
    return n.status.conditions.some((c: any) => c.type === 'Ready' && c.status === 'True' && c.lastHeartbeatTime >= t0.replace(/\.\d+Z$/, 'Z'));
  }, 60_000, 500);
  await new Promise((ok) => setTimeout(ok, 3000));
  const after = await pods('app=web');
  assert.deepEqual(after.map((p) => p.status.containerStatuses[0].containerID).sort(), ids);
  for (const p of after) {
    assert.equal(p.status.containerStatuses[0].restartCount, 0);
    assert.equal(p.status.containerStatuses[0].ready, true);
  }
  assert.ok(existsSync(node.socket), 'the Docker API socket is back');
});
