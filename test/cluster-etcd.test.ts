// The same cluster path with a real etcd as the store (issue 4, item 4): apply, schedule, lose a node,
// restart the server — the state lives in etcd.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from './harness.ts';
import { startControlPlane, type ControlPlane, type Proc } from './cluster-harness.ts';
import { startEtcd } from '../src/cluster/store/etcd/testing.ts';

const app = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: api }
spec:
  replicas: 4
  selector: { matchLabels: { app: api } }
  template:
    metadata: { labels: { app: api } }
    spec:
      containers: [{ name: api, image: busybox }]
`;

describe('skiff server on etcd', { timeout: 300_000 }, () => {
  let etcd: Awaited<ReturnType<typeof startEtcd>>;
  let cp: ControlPlane;
  const sims: Proc[] = [];
  before(async () => {
    etcd = await startEtcd();
    cp = await startControlPlane({ datastore: etcd.url, grace: '15s' });
    for (const prefix of ['e1', 'e2', 'e3']) sims.push(await cp.sim(1, prefix));
  });
  after(async () => {
    await cp?.cleanup();
    await etcd?.stop();
  });

  const running = async () => (await cp.kjson(['get', 'pods', '-l', 'app=api'])).items.filter((p: any) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp);

  it('runs a Deployment, survives a dead node and a server restart', async () => {
    assert.equal((await cp.kubectl(['apply', '-f', '-'], { input: app })).code, 0);
    assert.equal((await cp.kubectl(['rollout', 'status', 'deploy/api', '--timeout=60s'])).code, 0);
    assert.equal((await running()).length, 4);
    await sims[0].stop();
    await waitFor('4 pods Running off e1-0', async () => {
      const p = await running();
      return p.length === 4 && p.every((x: any) => x.spec.nodeName !== 'e1-0');
    }, 15_000 + 30_000, 250);
    // pods left Terminating on the dead node may go away meanwhile: compare what must survive
    const uids = async () => [...(await cp.kjson(['get', 'deploy,rs'])).items, ...(await running())].map((i: any) => i.metadata.uid).sort();
    const before = await uids();
    await cp.restart();
    assert.deepEqual(await uids(), before);
    assert.equal((await cp.kubectl(['scale', 'deploy/api', '--replicas=6'])).code, 0);
    await waitFor('6 running after the restart', async () => (await running()).length === 6, 60_000, 250);
  });
});
