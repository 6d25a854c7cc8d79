// Several servers on one etcd (the "etcd for several servers" mode): one cluster, served by both; only the
// elected leader runs the scheduler and controllers, and the other takes over when the leader stops.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { waitFor } from './harness.ts';
import { startControlPlane, type ControlPlane } from './cluster-harness.ts';
import { startEtcd } from '../src/cluster/store/etcd/testing.ts';

describe('two servers sharing one etcd', { timeout: 300_000 }, () => {
  let etcd: Awaited<ReturnType<typeof startEtcd>>;
  let a: ControlPlane;
  let b: ControlPlane;
  before(async () => {
    etcd = await startEtcd();
    a = await startControlPlane({ datastore: etcd.url });
    b = await startControlPlane({ datastore: etcd.url });
  });
  after(async () => {
    await a?.cleanup();
    await b?.cleanup();
    await etcd?.stop();
  });

  const leads = (cp: ControlPlane) => readFileSync(cp.server.log, 'utf8').includes('became the leader');

  it('serves one cluster from both; one leader; the other takes over when it stops', async () => {
    await waitFor('a leader', () => leads(a) || leads(b), 30_000, 200);
    assert.ok(!(leads(a) && leads(b)), 'exactly one leader');
    const [leader, follower] = leads(a) ? [a, b] : [b, a];
    // nodes and clients on the follower: they keep working when the leader goes
    await follower.sim(2, 'ha');
    const manifest = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ha}\nspec:\n  replicas: 4\n  selector: {matchLabels: {app: ha}}\n  template:\n    metadata: {labels: {app: ha}}\n    spec: {containers: [{name: c, image: busybox}]}\n';
    assert.equal((await follower.kubectl(['apply', '-f', '-'], { input: manifest })).code, 0);
    const running = async (cp: ControlPlane) => (await cp.kjson(['get', 'pods', '-l', 'app=ha'])).items.filter((p: any) => p.status?.phase === 'Running').length;
    await waitFor('4 pods Running', async () => (await running(follower)) === 4, 60_000, 200);
    // both servers see the same objects; no controller ran twice
    assert.equal((await leader.kjson(['get', 'pods', '-l', 'app=ha'])).items.length, 4);
    assert.equal((await follower.kjson(['get', 'rs', '-l', 'app=ha'])).items.length, 1);

    await leader.server.stop();
    await waitFor('the follower to lead', () => leads(follower), 30_000, 200);
    assert.equal((await follower.kubectl(['scale', 'deploy/ha', '--replicas=6'])).code, 0);
    await waitFor('6 pods Running after the failover', async () => (await running(follower)) === 6, 60_000, 200);
  });
});
