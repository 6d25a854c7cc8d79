// kubectl's everyday verbs beyond apply/get: generators (protobuf bodies), cascading deletes, server-side
// dry run, chunked lists, explain, server-side apply, cordon, namespaces.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from './harness.ts';
import { startControlPlane, type ControlPlane } from './cluster-harness.ts';

describe('kubectl verbs against skiff server', { timeout: 300_000 }, () => {
  let cp: ControlPlane;
  before(async () => {
    cp = await startControlPlane();
    await cp.sim(2, 'v');
  });
  after(async () => {
    await cp?.cleanup();
  });

  const ok = (args: string[], input?: string) => cp.ok(args, input);
  const count = async (args: string[]) => (await cp.kjson(args)).items.length;

  it('create deployment/expose/set image (protobuf bodies) work and the pods run', async () => {
    assert.match(await ok(['create', 'deployment', 'gen', '--image=busybox', '--replicas=2']), /deployment.apps\/gen created/);
    assert.match(await ok(['expose', 'deployment', 'gen', '--port', '80']), /service\/gen exposed/);
    await ok(['rollout', 'status', 'deploy/gen', '--timeout=60s']);
    assert.match(await ok(['set', 'image', 'deployment/gen', 'busybox=busybox:2']), /image updated/);
    await ok(['rollout', 'status', 'deploy/gen', '--timeout=60s']);
    const d = await cp.kjson(['get', 'deploy', 'gen']);
    assert.equal(d.spec.template.spec.containers[0].image, 'busybox:2');
    assert.equal(d.status.updatedReplicas, 2);
    assert.match(await ok(['create', 'configmap', 'cfg', '--from-literal=a=b']), /configmap\/cfg created/);
    assert.equal((await cp.kjson(['get', 'cm', 'cfg'])).data.a, 'b');
    assert.match(await ok(['create', 'secret', 'generic', 'sec', '--from-literal=a=b']), /secret\/sec created/);
    assert.equal((await cp.kjson(['get', 'secret', 'sec'])).data.a, 'Yg==');
  });

  it('--cascade=orphan keeps the ReplicaSet and pods; foreground removes the dependents first', async () => {
    await ok(['create', 'deployment', 'orph', '--image=busybox', '--replicas=2']);
    await ok(['rollout', 'status', 'deploy/orph', '--timeout=60s']);
    await ok(['delete', 'deploy', 'orph', '--cascade=orphan']);
    const rs = await cp.kjson(['get', 'rs', '-l', 'app=orph']);
    assert.equal(rs.items.length, 1);
    assert.equal(rs.items[0].metadata.ownerReferences, undefined, 'the orphan lost its owner reference');
    assert.equal(await count(['get', 'pods', '-l', 'app=orph']), 2);

    await ok(['create', 'deployment', 'fg', '--image=busybox', '--replicas=2']);
    await ok(['rollout', 'status', 'deploy/fg', '--timeout=60s']);
    await ok(['delete', 'deploy', 'fg', '--cascade=foreground']);
    await waitFor('fg and its dependents gone', async () => (await count(['get', 'deploy,rs', '-l', 'app=fg'])) === 0, 30_000, 200);
  });

  it('server-side dry run stores nothing; chunked lists page through everything', async () => {
    assert.match(await ok(['create', 'deployment', 'dry', '--image=busybox', '--dry-run=server', '-o', 'name']), /deployment.apps\/dry/);
    const r = await cp.kubectl(['get', 'deploy', 'dry']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /deployments.apps "dry" not found/);
    const all = await count(['get', 'pods']);
    assert.ok(all >= 4);
    const chunked = (await ok(['get', 'pods', '--chunk-size=1', '--no-headers'])).trim().split('\n').length;
    assert.equal(chunked, all);
  });

  it('explain and server-side apply with managedFields', async () => {
    assert.match(await ok(['explain', 'deployment.spec.replicas']), /FIELD: replicas <integer>/);
    const manifest = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa}\ndata: {k: v}\n';
    assert.match(await ok(['apply', '--server-side', '-f', '-'], manifest), /configmap\/ssa serverside-applied/);
    const cm = await cp.kjson(['get', 'cm', 'ssa', '--show-managed-fields']);
    assert.deepEqual(cm.metadata.managedFields.map((m: any) => [m.manager, m.operation]), [['kubectl', 'Apply']]);
    const d = await cp.kjson(['get', 'deploy', 'gen', '--show-managed-fields']);
    const managers = new Set(d.metadata.managedFields.map((m: any) => m.manager));
    assert.ok(managers.has('kube-controller-manager'), [...managers].join(','));
  });

  it('cordon shows SchedulingDisabled and new pods avoid the node', async () => {
    assert.match(await ok(['cordon', 'v-0']), /node\/v-0 cordoned/);
    assert.match(await ok(['get', 'nodes']), /v-0\s+Ready,SchedulingDisabled/);
    await ok(['scale', 'deploy/gen', '--replicas=6']);
    await waitFor('6 gen pods Running', async () => (await cp.kjson(['get', 'pods', '-l', 'app=gen'])).items.filter((p: any) => p.status.phase === 'Running').length === 6, 30_000, 200);
    const pods = (await cp.kjson(['get', 'pods', '-l', 'app=gen'])).items;
    const onCordoned = pods.filter((p: any) => p.spec.nodeName === 'v-0' && Date.parse(p.metadata.creationTimestamp) > Date.now() - 20_000);
    assert.ok(pods.filter((p: any) => p.spec.nodeName === 'v-1').length >= 4, 'new pods went to v-1');
    assert.ok(onCordoned.length <= 2);
    await ok(['uncordon', 'v-0']);
  });

  it('logs and exec on a simulated node say why they cannot work', async () => {
    const pod = (await cp.kjson(['get', 'pods', '-l', 'app=gen'])).items[0].metadata.name;
    for (const args of [['logs', pod], ['exec', pod, '--', 'ls']]) {
      const r = await cp.kubectl(args);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /no kubelet answers for node "v-[01]": logs, exec, attach and port-forward need a node running a skiff agent/, args[0]);
    }
  });

  it('namespaces: a deleted namespace takes its contents with it; the system ones cannot be deleted', async () => {
    await ok(['create', 'namespace', 'tmp']);
    await ok(['create', 'deployment', 'x', '--image=busybox', '-n', 'tmp']);
    await ok(['delete', 'namespace', 'tmp']);
    assert.equal(await count(['get', 'deploy,rs,pods', '-n', 'tmp']), 0);
    assert.ok(!(await cp.kjson(['get', 'ns'])).items.some((n: any) => n.metadata.name === 'tmp'));
    const r = await cp.kubectl(['delete', 'namespace', 'default']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /namespaces "default" is forbidden: this namespace may not be deleted/);
  });
});
