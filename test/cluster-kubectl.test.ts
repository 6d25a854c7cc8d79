// The control plane as kubectl sees it (issue 4): a real `skiff server` process, simulated nodes as real
// `skiff sim nodes` processes, and the real kubectl v1.32 with the admin kubeconfig.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from './harness.ts';
import { startControlPlane, KUBECTL, type ControlPlane, type Proc } from './cluster-harness.ts';

const app = (image: string, replicas = 3) => `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: { app: web }
spec:
  replicas: ${replicas}
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
      - name: web
        image: ${image}
        ports:
        - containerPort: 80
        resources:
          requests: { cpu: 100m, memory: 64Mi }
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: { app: web }
  ports:
  - port: 80
    targetPort: 80
`;

async function runningPods(cp: ControlPlane, selector = 'app=web'): Promise<any[]> {
  const list = await cp.kjson(['get', 'pods', '-l', selector]);
  return list.items.filter((p: any) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp);
}

describe('skiff server with kubectl (sqlite)', { timeout: 600_000 }, () => {
  let cp: ControlPlane;
  const sims: Proc[] = [];

  before(async () => {
    cp = await startControlPlane({ grace: '15s' });
    for (const prefix of ['n1', 'n2', 'n3']) sims.push(await cp.sim(1, prefix));
  });
  after(async () => {
    await cp?.cleanup();
  });

  it('starts with the default namespaces and the kubernetes Service', async () => {
    const ns = await cp.kjson(['get', 'namespaces']);
    const names = ns.items.map((n: any) => n.metadata.name).sort();
    assert.deepEqual(names, ['default', 'kube-node-lease', 'kube-public', 'kube-system']);
    const svc = await cp.kjson(['get', 'svc', 'kubernetes']);
    assert.equal(svc.spec.clusterIP, '10.43.0.1');
    const ep = await cp.kjson(['get', 'endpoints', 'kubernetes']);
    assert.equal(ep.subsets[0].ports[0].port, cp.port);
  });

  it('applies a Deployment and Service; pods are scheduled and Running', async () => {
    const r = await cp.kubectl(['apply', '-f', '-'], { input: app('busybox:1') });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /deployment.apps\/web created/);
    assert.match(r.stdout, /service\/web created/);
    const st = await cp.kubectl(['rollout', 'status', 'deployment/web', '--timeout=60s']);
    assert.equal(st.code, 0, st.stderr + st.stdout);
    assert.match(st.stdout, /successfully rolled out/);
    const pods = await runningPods(cp);
    assert.equal(pods.length, 3);
    // spread over the three nodes
    assert.equal(new Set(pods.map((p) => p.spec.nodeName)).size, 3);
    const wide = await cp.kubectl(['get', 'pods', '-o', 'wide']);
    assert.match(wide.stdout.split('\n')[0], /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES/);
    assert.match(wide.stdout, /web-[a-z0-9]+-[a-z0-9]{5}\s+1\/1\s+Running\s+0\s+\S+\s+10\.42\.\d+\.\d+\s+n[123]-0/);
  });

  it('shows deploy,rs,svc,ep, describe and events as a real cluster does', async () => {
    const g = await cp.kubectl(['get', 'deploy,rs,svc,ep']);
    assert.equal(g.code, 0, g.stderr);
    assert.match(g.stdout, /deployment.apps\/web\s+3\/3\s+3\s+3\s/);
    assert.match(g.stdout, /replicaset.apps\/web-[a-z0-9]+\s+3\s+3\s+3\s/);
    assert.match(g.stdout, /service\/web\s+ClusterIP\s+10\.43\.\d+\.\d+\s+<none>\s+80\/TCP/);
    await waitFor('endpoints with 3 addresses', async () => /endpoints\/web\s+(10\.42\.\d+\.\d+:80,?){2}10\.42\.\d+\.\d+:80( \+ \d+ more\.\.\.)?\s/.test((await cp.kubectl(['get', 'ep', 'web', '-o', 'name'])).stdout) || (await cp.kjson(['get', 'ep', 'web'])).subsets?.[0]?.addresses?.length === 3, 20_000, 200);
    const d = await cp.kubectl(['describe', 'deploy', 'web']);
    assert.equal(d.code, 0, d.stderr);
    assert.match(d.stdout, /Replicas:\s+3 desired \| 3 updated \| 3 total \| 3 available \| 0 unavailable/);
    assert.match(d.stdout, /StrategyType:\s+RollingUpdate/);
    assert.match(d.stdout, /NewReplicaSet:\s+web-[a-z0-9]+ \(3\/3 replicas created\)/);
    assert.match(d.stdout, /ScalingReplicaSet\s+.*Scaled up replica set web-[a-z0-9]+ (from 0 )?to 3/);
    const ev = await cp.kubectl(['get', 'events']);
    assert.match(ev.stdout.split('\n')[0], /LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE/);
    assert.match(ev.stdout, /Normal\s+Scheduled\s+pod\/web-\S+\s+Successfully assigned default\/web-\S+ to n[123]-0/);
    assert.match(ev.stdout, /SuccessfulCreate\s+replicaset\/web-\S+\s+Created pod: web-/);
  });

  it('rolls out a new image without dropping below the allowed availability, and undoes it', async () => {
    let minAvailable = Infinity;
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const d = await cp.kjson(['get', 'deploy', 'web']).catch(() => undefined);
        if (d) minAvailable = Math.min(minAvailable, d.status?.availableReplicas ?? 0);
        await sleep(50);
      }
    })();
    const r = await cp.kubectl(['apply', '-f', '-'], { input: app('busybox:2') });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /deployment.apps\/web configured/);
    const st = await cp.kubectl(['rollout', 'status', 'deployment/web', '--timeout=60s']);
    polling = false;
    await poller;
    assert.equal(st.code, 0, st.stderr + st.stdout);
    // 3 replicas, maxUnavailable 25% rounds down to 0: all 3 stay available throughout
    assert.equal(minAvailable, 3);
    const pods = await runningPods(cp);
    assert.equal(pods.length, 3);
    assert.ok(pods.every((p) => p.spec.containers[0].image === 'busybox:2'));
    const h = await cp.kubectl(['rollout', 'history', 'deployment/web']);
    assert.match(h.stdout, /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
    const u = await cp.kubectl(['rollout', 'undo', 'deployment/web']);
    assert.equal(u.code, 0, u.stderr);
    assert.match(u.stdout, /deployment.apps\/web rolled back/);
    assert.equal((await cp.kubectl(['rollout', 'status', 'deployment/web', '--timeout=60s'])).code, 0);
    await waitFor('all pods on busybox:1 again', async () => {
      const p = await runningPods(cp);
      return p.length === 3 && p.every((x) => x.spec.containers[0].image === 'busybox:1');
    }, 30_000, 200);
    const rs = await cp.kjson(['get', 'rs', '-l', 'app=web']);
    assert.equal(rs.items.length, 2, 'the old ReplicaSet is reused, not a third one made');
    const h2 = await cp.kubectl(['rollout', 'history', 'deployment/web']);
    assert.match(h2.stdout, /\n2\s+<none>\n3\s+<none>/);
  });

  it('scales, labels and watches (get -w prints changes as they happen)', async () => {
    const out: string[] = [];
    const w = spawn(KUBECTL, ['--kubeconfig', cp.kubeconfig, 'get', 'pods', '-w', '-l', 'app=web'], { stdio: ['ignore', 'pipe', 'pipe'] });
    w.stdout.on('data', (b: Buffer) => out.push(b.toString()));
    try {
      await waitFor('the watch to list the 3 pods', () => out.join('').split('\n').filter((l) => /Running/.test(l)).length >= 3, 20_000, 100);
      const s = await cp.kubectl(['scale', 'deployment/web', '--replicas=10']);
      assert.equal(s.code, 0, s.stderr);
      assert.match(s.stdout, /deployment.apps\/web scaled/);
      await waitFor('10 running pods', async () => (await runningPods(cp)).length === 10, 60_000, 200);
      // the watch saw the new pods come and go Pending → Running
      await waitFor('the watch to show the new pods', () => new Set(out.join('').split('\n').filter((l) => /\sRunning\s/.test(l)).map((l) => l.split(/\s+/)[0])).size >= 10, 20_000, 100);
    } finally {
      w.kill();
    }
    const pods = await runningPods(cp);
    const l = await cp.kubectl(['label', 'pod', pods[0].metadata.name, 'tier=front']);
    assert.equal(l.code, 0, l.stderr);
    assert.match(l.stdout, /pod\/\S+ labeled/);
    const sel = await cp.kjson(['get', 'pods', '-l', 'tier=front']);
    assert.equal(sel.items.length, 1);
  });

  it('replaces the pods of a node that stops heart-beating within the grace period + 30 s', async () => {
    const before = await runningPods(cp);
    const victims = before.filter((p) => p.spec.nodeName === 'n3-0');
    assert.ok(victims.length > 0, 'n3-0 runs some pods');
    const t0 = Date.now();
    await sims[2].stop();
    await waitFor('n3-0 NotReady', async () => {
      const n = await cp.kjson(['get', 'node', 'n3-0']);
      return n.status.conditions.find((c: any) => c.type === 'Ready')?.status !== 'True';
    }, 40_000, 250);
    await waitFor('10 running pods on n1-0/n2-0', async () => {
      const p = await runningPods(cp);
      return p.length === 10 && p.every((x) => x.spec.nodeName !== 'n3-0');
    }, 15_000 + 30_000, 250);
    const took = Date.now() - t0;
    assert.ok(took < 45_000, `took ${took} ms`);
    const nodes = await cp.kubectl(['get', 'nodes']);
    assert.match(nodes.stdout, /n3-0\s+NotReady/);
  });

  it('keeps every object across a server restart, and watches resume', async () => {
    // pods left Terminating on the dead node may go away meanwhile: compare what must survive
    const survivors = async () => {
      const l = await cp.kjson(['get', 'pods,deploy,rs,svc,ep']);
      return { items: l.items.filter((i: any) => !i.metadata.deletionTimestamp) };
    };
    const beforeList = await survivors();
    // kubectl blanks a List's resourceVersion in its output: ask the API directly
    const rawRv = async () => JSON.parse((await cp.kubectl(['get', '--raw', '/api/v1/namespaces/default/pods'])).stdout).metadata.resourceVersion as string;
    const rv = await rawRv();
    await cp.restart();
    const afterList = await survivors();
    const names = (l: any) => l.items.map((i: any) => `${i.kind}/${i.metadata.name}/${i.metadata.uid}`).sort();
    assert.deepEqual(names(afterList), names(beforeList));
    // the sim nodes' watches resumed: a scale after the restart gets Running pods
    assert.equal((await cp.kubectl(['scale', 'deployment/web', '--replicas=4'])).code, 0);
    await waitFor('4 running pods after restart', async () => (await runningPods(cp)).length === 4, 60_000, 250);
    // a watch from a revision before the restart continues from there
    const podsRv = await rawRv();
    assert.ok(Number(podsRv) > Number(rv));
    const w = await cp.kubectl(['get', '--raw', `/api/v1/namespaces/default/pods?watch=1&resourceVersion=${rv}&timeoutSeconds=2`]);
    assert.equal(w.code, 0, w.stderr);
    assert.match(w.stdout, /"type":"(MODIFIED|DELETED)"/);
  });

  it('deletes with delete -f', async () => {
    const r = await cp.kubectl(['delete', '-f', '-'], { input: app('busybox:1') });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /deployment.apps "web" deleted/);
    await waitFor('pods gone', async () => (await cp.kjson(['get', 'pods', '-l', 'app=web'])).items.length === 0, 60_000, 250);
    assert.equal((await cp.kjson(['get', 'rs', '-l', 'app=web'])).items.length, 0);
  });
});
