// Issue 14, must-show 5 with the real kubectl: `kubectl create quota` caps the pods of a namespace (kube's 403
// wording, `kubectl describe quota` usage, a deleted pod frees its place), and `kubectl create pdb` makes
// `kubectl drain` wait until the budget allows each eviction. Simulated nodes run the pods.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { uniqueName, waitFor } from './harness.ts';
import { startControlPlane, type ControlPlane } from './cluster-harness.ts';

describe('policy: quotas and disruption budgets', { timeout: 300_000 }, () => {
  let cp: ControlPlane;
  before(async () => {
    cp = await startControlPlane();
    await cp.sim(2, 'pol');
  });
  after(async () => {
    await cp?.cleanup();
  });

  const ok = (args: string[], input?: string) => cp.ok(args, input);

  it('kubectl create quota --hard=pods=2 caps the namespace at two pods', async () => {
    const ns = uniqueName('quota');
    await ok(['create', 'namespace', ns]);
    assert.match(await ok(['-n', ns, 'create', 'quota', 'pods-cap', '--hard=pods=2']), /resourcequota\/pods-cap created/);
    await waitFor('the quota controller to fill status', async () => (await cp.kjson(['-n', ns, 'get', 'quota', 'pods-cap'])).status?.used?.pods === '0', 20_000, 100);
    await ok(['-n', ns, 'run', 'one', '--image=busybox']);
    await ok(['-n', ns, 'run', 'two', '--image=busybox']);
    const third = await cp.kubectl(['-n', ns, 'run', 'three', '--image=busybox']);
    assert.notEqual(third.code, 0);
    assert.equal(third.stderr.trim(), 'Error from server (Forbidden): pods "three" is forbidden: exceeded quota: pods-cap, requested: pods=1, used: pods=2, limited: pods=2');
    const described = await ok(['-n', ns, 'describe', 'quota', 'pods-cap']);
    assert.match(described, /Resource\s+Used\s+Hard/);
    assert.match(described, /pods\s+2\s+2/);
    assert.match(await ok(['-n', ns, 'get', 'quota']), /pods-cap\s+\S+\s+pods: 2\/2/);

    // a deleted pod gives its place back (the controller recounts)
    await ok(['-n', ns, 'delete', 'pod', 'one', '--wait=true']);
    await waitFor('used back to 1', async () => (await cp.kjson(['-n', ns, 'get', 'quota', 'pods-cap'])).status.used.pods === '1', 20_000, 100);
    await ok(['-n', ns, 'run', 'three', '--image=busybox']);

    // object counts of any served kind: the controller counts what is there (kube-root-ca.crt, …)
    await ok(['-n', ns, 'create', 'quota', 'objects', '--hard=count/configmaps=5,count/deployments.apps=0']);
    const cms = (await cp.kjson(['-n', ns, 'get', 'configmaps'])).items.length;
    await waitFor('configmaps counted', async () => (await cp.kjson(['-n', ns, 'get', 'quota', 'objects'])).status?.used?.['count/configmaps'] === String(cms), 20_000, 100);
    const dep = await cp.kubectl(['-n', ns, 'create', 'deployment', 'web', '--image=busybox']);
    assert.match(dep.stderr, /deployments.apps "web" is forbidden: exceeded quota: objects, requested: count\/deployments.apps=1, used: count\/deployments.apps=0, limited: count\/deployments.apps=0/);
    await ok(['-n', ns, 'create', 'configmap', 'extra', '--from-literal=a=b']);
    await waitFor('the new configmap charged', async () => (await cp.kjson(['-n', ns, 'get', 'quota', 'objects'])).status.used['count/configmaps'] === String(cms + 1), 20_000, 100);
    // a deleted object of a counted kind gives its place back at once (replenishment), not at the 60 s resync
    await ok(['-n', ns, 'delete', 'configmap', 'extra']);
    await waitFor('the deleted configmap uncounted', async () => (await cp.kjson(['-n', ns, 'get', 'quota', 'objects'])).status.used['count/configmaps'] === String(cms), 10_000, 100);
    await ok(['delete', 'namespace', ns, '--wait=false']);
  });

  it('kubectl create pdb makes kubectl drain wait until the budget allows each eviction', async (t) => {
    const ns = uniqueName('pdb');
    await ok(['create', 'namespace', ns]);
    await ok(['-n', ns, 'create', 'deployment', 'web', '--image=busybox', '--replicas=2']);
    await ok(['-n', ns, 'rollout', 'status', 'deploy/web', '--timeout=60s']);
    assert.match(await ok(['-n', ns, 'create', 'pdb', 'web', '--selector=app=web', '--min-available=2']), /poddisruptionbudget.policy\/web created/);
    await waitFor('the budget computed', async () => {
      const st = (await cp.kjson(['-n', ns, 'get', 'pdb', 'web'])).status ?? {};
      return st.observedGeneration === 1 && st.currentHealthy === 2;
    }, 20_000, 100);
    assert.match(await ok(['-n', ns, 'get', 'pdb']), /web\s+2\s+N\/A\s+0\s+/);
    const pods = (await cp.kjson(['-n', ns, 'get', 'pods', '-l', 'app=web'])).items;
    const node = pods[0].spec.nodeName as string;
    const onNode = pods.filter((p: any) => p.spec.nodeName === node).map((p: any) => p.metadata.name as string);

    const started = Date.now();
    const drain = cp.kubectl(['drain', node, '--pod-selector=app=web', '--ignore-daemonsets', '--timeout=150s'], { timeoutMs: 170_000 });
    // the budget allows no disruption: drain cordons the node and keeps retrying
    await waitFor('the node cordoned', async () => (await cp.kjson(['get', 'node', node])).spec.unschedulable === true, 20_000, 200);
    await new Promise((r) => setTimeout(r, 7_000));
    const stillThere = (await cp.kjson(['-n', ns, 'get', 'pods', '-l', 'app=web'])).items.filter((p: any) => onNode.includes(p.metadata.name));
    assert.equal(stillThere.length, onNode.length, 'no pod of the budget evicted yet');
    assert.ok(stillThere.every((p: any) => !p.metadata.deletionTimestamp));

    // one more replica (on the other node) makes room for one disruption at a time
    const scaledAt = Date.now();
    await ok(['-n', ns, 'scale', 'deploy/web', '--replicas=3']);
    const r = await drain;
    const drainedAt = Date.now();
    assert.equal(r.code, 0, `drain: ${r.stdout}${r.stderr}`);
    assert.match(r.stdout + r.stderr, /Cannot evict pod as it would violate the pod's disruption budget\./);
    assert.match(r.stdout, new RegExp(`node/${node} drained`));
    for (const p of onNode) assert.match(r.stdout, new RegExp(`pod/${p} evicted`));
    t.diagnostic(`drain blocked ${scaledAt - started} ms by the budget, done ${drainedAt - scaledAt} ms after the scale-up`);
    assert.ok(drainedAt > scaledAt, `drain ended after the scale-up (${scaledAt - started} ms waiting, ${drainedAt - scaledAt} ms after it)`);
    const left = (await cp.kjson(['-n', ns, 'get', 'pods', '-l', 'app=web'])).items;
    assert.ok(left.every((p: any) => p.spec.nodeName !== node), 'no pod of web on the drained node');
    await ok(['uncordon', node]);
    await ok(['delete', 'namespace', ns, '--wait=false']);
  });

  it('a LimitRange defaults a pod\'s resources and refuses one above its max', async () => {
    const ns = uniqueName('limits');
    await ok(['create', 'namespace', ns]);
    const manifest = 'apiVersion: v1\nkind: LimitRange\nmetadata: {name: lims}\nspec:\n  limits:\n  - type: Container\n    max: {cpu: "1"}\n    defaultRequest: {cpu: 100m}\n';
    await ok(['-n', ns, 'apply', '-f', '-'], manifest);
    await ok(['-n', ns, 'run', 'small', '--image=busybox']);
    const pod = await cp.kjson(['-n', ns, 'get', 'pod', 'small']);
    assert.deepEqual(pod.spec.containers[0].resources, { limits: { cpu: '1' }, requests: { cpu: '100m' } });
    assert.equal(pod.status.qosClass, 'Burstable');
    const big = await cp.kubectl(['-n', ns, 'run', 'big', '--image=busybox', '--overrides={"spec":{"containers":[{"name":"big","image":"busybox","resources":{"limits":{"cpu":"2"}}}]}}']);
    assert.equal(big.stderr.trim(), 'Error from server (Forbidden): pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2');
    assert.match(await ok(['-n', ns, 'describe', 'limits', 'lims']), /Container\s+cpu\s+-\s+1\s+100m\s+1\s+-/);
    await ok(['delete', 'namespace', ns, '--wait=false']);
  });
});
