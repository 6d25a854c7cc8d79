// Zero-downtime rolling updates (issue 13, must-show 4): a 3-replica busybox httpd Deployment with a readiness
// probe behind a ClusterIP Service on `skiff up --nodes 1`; a client on the host keeps sending requests (a new
// connection each) through the ClusterIP while the real kubectl rolls it with `set image`, `rollout restart`
// and `rollout undo`: at least 300 requests each time, answered by old and new pods, none failing; a client
// pod on node-2 (wget in a loop: that node's proxy) sees none fail either. The pods' httpd stops at once on
// SIGTERM, so a pod signalled while some proxy still sends it connections would show. Then a readiness gate:
// a pod stays out of its Service (refused at once) until another writer sets the gate's condition True.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ok, waitFor } from './harness.ts';
import { getOnce, startLoad, upCluster, type LoadResult, type UpCluster } from './service-harness.ts';

const MIN_REQUESTS = 300;

interface PodView { metadata: { name: string; deletionTimestamp?: string; labels?: Record<string, string> }; status: { conditions?: Array<{ type: string; status: string }> } }

let cl: UpCluster;
before(async () => { cl = await upCluster(1, ['busybox:v1', 'busybox:v2']); }, { timeout: 600_000 });
after(async () => { await cl?.down(); }, { timeout: 300_000 });

test('300 requests through the ClusterIP during set image, rollout restart and rollout undo: none fails', { timeout: 900_000 }, async (t) => {
  const manifest = join(cl.root, 'web.yaml');
  await writeFile(manifest, manifests());
  ok(await cl.kubectl(['apply', '-f', manifest]));
  ok(await cl.kubectl(['rollout', 'status', 'deployment/web', '--timeout=180s'], 200_000));
  const ip = (await cl.kjson(['get', 'service', 'web'])).spec.clusterIP as string;
  const url = `http://${ip}/`;
  await waitFor('the ClusterIP answering', async () => (await getOnce(url, 2000).catch(() => '')) !== '', 60_000, 250);
  // a second client inside the cluster: a pod on node-2 (its proxy, the pod path) logging every answer
  await writeFile(join(cl.root, 'client.yaml'), clientPod(ip));
  ok(await cl.kubectl(['apply', '-f', join(cl.root, 'client.yaml')]));
  ok(await cl.kubectl(['wait', '--for=condition=Ready', 'pod/client', '--timeout=120s'], 150_000));
  const clientLog = async () => { const r = await cl.kubectl(['logs', 'client']); ok(r); return r.stdout.split('\n').filter(Boolean); };

  const pods = async () => (await cl.kjson<{ items: PodView[] }>(['get', 'pods', '-l', 'app=web'])).items;
  const settled = async () => {
    const ps = await pods();
    return ps.length === 3 && ps.every((p) => !p.metadata.deletionTimestamp && p.status.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'));
  };
  let last: LoadResult;
  for (const step of [['set', 'image', 'deployment/web', 'httpd=busybox:v2'], ['rollout', 'restart', 'deployment/web'], ['rollout', 'undo', 'deployment/web']]) {
    const before = new Set((await pods()).map((p) => p.metadata.labels?.['pod-template-hash']));
    const seen = (await clientLog()).length;
    const load = startLoad(url, { workers: 2, gapMs: 25, timeoutMs: 3000 });
    try {
      await sleep(500);
      ok(await cl.kubectl(step));
      ok(await cl.kubectl(['rollout', 'status', 'deployment/web', '--timeout=180s'], 200_000));
      // the old pods finish terminating after the rollout counts as done: keep sending until they are gone
      await waitFor('3 Ready pods and none terminating', settled, 120_000, 500);
      await waitFor(`${MIN_REQUESTS} requests sent`, () => load.sent() >= MIN_REQUESTS, 120_000, 100);
    } finally {
      last = await load.stop();
    }
    const r = last;
    const hashes = new Set([...r.bodies.keys()].map((b) => /^web-([a-z0-9]+)-/.exec(b)?.[1]));
    t.diagnostic(`${step.join(' ')}: ${r.sent} requests in ${(r.durationMs / 1000).toFixed(1)} s, ${r.failures.length} failed${r.failures.length ? ` (${r.failures.slice(0, 5).map((f) => `${f.atMs} ms: ${f.error}`).join('; ')})` : ''}; answered by ${[...r.bodies].map(([b, n]) => `${b}×${n}`).join(' ')}`);
    const inPod = (await clientLog()).slice(seen);
    const podFailures = inPod.filter((l) => !l.startsWith('ok '));
    t.diagnostic(`${step.join(' ')}: the client pod on node-2: ${inPod.length} requests, ${podFailures.length} failed${podFailures.length ? ` (${podFailures.slice(0, 3).join('; ')})` : ''}`);
    assert.deepEqual(r.failures, [], `${step.join(' ')}: ${r.failures.length} of ${r.sent} requests failed`);
    assert.deepEqual(podFailures, [], `${step.join(' ')}: requests from the client pod failed`);
    assert.ok(inPod.length >= 50, `the client pod kept sending (${inPod.length})`);
    assert.ok(r.sent >= MIN_REQUESTS);
    assert.ok([...before].some((h) => hashes.has(h)) && [...hashes].some((h) => !before.has(h)), `${step.join(' ')}: old and new pods answered (${[...hashes]})`);
  }
  // every old pod (3 per step) waited for its endpoint to leave the proxies before SIGTERM
  const drains = drainLines(cl.root);
  const waited = drains.filter((d) => d.outcome === 'removed').map((d) => d.waitedMs).sort((a, b) => a - b);
  t.diagnostic(`endpoint drains: ${drains.length}, outcomes ${[...new Set(drains.map((d) => d.outcome))]}, waited ms min/median/max ${waited[0]}/${waited[Math.floor(waited.length / 2)]}/${waited.at(-1)}`);
  assert.ok(waited.length >= 9, `9 old pods drained: ${JSON.stringify(drains)}`);
  assert.deepEqual(drains.filter((d) => d.outcome !== 'removed'), []);
});

test('a readiness gate holds a pod out of its Service until its condition is True', { timeout: 300_000 }, async () => {
  await writeFile(join(cl.root, 'gated.yaml'), gatedPod());
  ok(await cl.kubectl(['apply', '-f', join(cl.root, 'gated.yaml')]));
  const pod = () => cl.kjson(['get', 'pod', 'gated']);
  const cond = (p: any, type: string) => p.status?.conditions?.find((c: { type: string }) => c.type === type);
  const held = await waitFor('gated: containers ready, Ready held by the gate', async () => {
    const p = await pod();
    return cond(p, 'ContainersReady')?.status === 'True' ? p : undefined;
  }, 120_000, 500);
  assert.deepEqual([cond(held, 'Ready')?.status, cond(held, 'Ready')?.reason, cond(held, 'Ready')?.message],
    ['False', 'ReadinessGatesNotReady', 'corresponding condition of pod readiness gate "example.com/lb-ready" does not exist.']);
  const ip = (await cl.kjson(['get', 'service', 'gated'])).spec.clusterIP as string;
  // no ready endpoint: the proxy refuses at once
  await assert.rejects(getOnce(`http://${ip}/`, 3000), /ECONNREFUSED/);
  const slice = async () => (await cl.kjson(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=gated'])).items[0]?.endpoints?.[0];
  assert.equal((await slice())?.conditions?.ready, false);
  // another controller (here: kubectl) opens the gate through the status subresource
  ok(await cl.kubectl(['patch', 'pod', 'gated', '--subresource=status', '--type=json', '-p',
    JSON.stringify([{ op: 'add', path: '/status/conditions/-', value: { type: 'example.com/lb-ready', status: 'True', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') } }])]));
  await waitFor('gated Ready', async () => cond(await pod(), 'Ready')?.status === 'True', 60_000, 300);
  assert.equal(cond(await pod(), 'example.com/lb-ready')?.status, 'True', "the kubelet keeps the gate's condition");
  assert.equal(await waitFor('the ClusterIP answering', () => getOnce(`http://${ip}/`, 3000).catch(() => ''), 60_000, 250), 'gated');
});

/** the agents' 'endpoint drained' lines (kubelet/pod-worker.ts) from the cluster's logs */
function drainLines(root: string): Array<{ pod: string; outcome: string; waitedMs: number }> {
  const dir = join(root, 'logs');
  return readdirSync(dir).flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n'))
    .filter((l) => l.includes('endpoint drained before stopping'))
    .map((l) => ({ pod: /pod="([^"]+)"/.exec(l)?.[1] ?? '', outcome: /outcome="([^"]+)"/.exec(l)?.[1] ?? '', waitedMs: Number(/waitedMs=(\d+)/.exec(l)?.[1]) }));
}

/** a pod on node-2 that GETs the ClusterIP in a loop, a line per answer: `ok <pod>` or `fail <n> <why>` (busybox 1.35's wget -T segfaults: timeout does it) */
function clientPod(ip: string): string {
  const script = `i=0; while true; do i=$((i+1)); if r=$(timeout 5 wget -q -O - http://${ip}/ 2>&1); then echo "ok $r"; else echo "fail $i $r"; fi; usleep 20000; done`;
  return `apiVersion: v1
kind: Pod
metadata: { name: client }
spec:
  nodeName: node-2
  terminationGracePeriodSeconds: 0
  containers:
  - name: client
    image: busybox:v1
    imagePullPolicy: Never
    command: ["sh", "-c", ${JSON.stringify(script)}]
`;
}

/** one busybox httpd pod with a readiness gate no one has opened yet, and its Service */
function gatedPod(): string {
  return `apiVersion: v1
kind: Pod
metadata: { name: gated, labels: { app: gated } }
spec:
  readinessGates: [{ conditionType: example.com/lb-ready }]
  terminationGracePeriodSeconds: 1
  containers:
  - name: httpd
    image: busybox:v1
    imagePullPolicy: Never
    command: ["sh", "-c", "mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www"]
    readinessProbe: { httpGet: { path: /, port: 8080 }, periodSeconds: 1 }
---
apiVersion: v1
kind: Service
metadata: { name: gated }
spec:
  selector: { app: gated }
  ports: [{ port: 80, targetPort: 8080 }]
`;
}

function manifests(): string {
  // the page names the pod; on SIGTERM httpd is killed at once (busybox httpd as PID 1 would ignore it)
  const script = 'mkdir -p /www && hostname > /www/index.html && trap \'kill $p; exit 0\' TERM && { httpd -f -p 8080 -h /www & p=$!; wait $p; }';
  return `apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  replicas: 3
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      terminationGracePeriodSeconds: 10
      containers:
      - name: httpd
        image: busybox:v1
        imagePullPolicy: Never
        command: ["sh", "-c", ${JSON.stringify(script)}]
        ports: [{ name: http, containerPort: 8080 }]
        readinessProbe: { httpGet: { path: /, port: http }, periodSeconds: 1 }
---
apiVersion: v1
kind: Service
metadata: { name: web }
spec:
  selector: { app: web }
  ports: [{ port: 80, targetPort: http }]
`;
}
