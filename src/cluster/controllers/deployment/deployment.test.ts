import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FakeClient } from '../../client/index.ts';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../../types/meta.ts';
import { R } from '../../types/gvr.ts';
import { isPodReady } from '../../types/pod.ts';
import { createReplicaSetController } from '../replicaset/index.ts';
import type { Harness } from '../replicaset/testing.ts';
import { createHarness, markPod, settle, waitFor } from '../replicaset/testing.ts';
import { createDeploymentController } from './index.ts';

// loose shapes keep the assertions short
type Obj = KObject & { spec?: any; status?: any };
const podReady = (p: Obj) => isPodReady(p as Pod);

const tpl = (image: string) => ({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image }] } });
const deploy = (replicas: number, spec: Record<string, unknown> = {}): KObject => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' },
  spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: tpl('v1'), ...spec },
});
const rolling = (maxSurge: number | string, maxUnavailable: number | string) => ({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } } });

const getDeploy = (c: FakeClient) => c.get(R.deployments, 'default', 'web') as Promise<Obj>;
const replicaSets = (c: FakeClient) => (c.objects(R.replicasets) as Obj[]).sort((a, b) => Number(a.metadata?.annotations?.['deployment.kubernetes.io/revision']) - Number(b.metadata?.annotations?.['deployment.kubernetes.io/revision']));
const liveRsPods = (c: FakeClient) => (c.objects(R.pods) as Obj[]).filter((p) => !p.metadata?.deletionTimestamp);
const setImage = (c: FakeClient, image: string) => c.patch(R.deployments, 'default', 'web', 'merge', { spec: { template: tpl(image) } });

/** the kubelet's part: every live pod not yet ready becomes ready (bound to n1) */
async function readyAll(c: FakeClient) {
  for (const p of liveRsPods(c)) if (!podReady(p)) await markPod(c, p, { node: 'n1' }).catch(() => undefined);
}

async function started(objs: KObject[], opts = {}): Promise<Harness> {
  const h = createHarness(objs, opts);
  h.run(createReplicaSetController(h.ctx), createDeploymentController(h.ctx));
  return h;
}

/** waits for a complete rollout of `replicas` pods of `image`, playing the kubelet */
async function rolledOut(h: Harness, replicas: number, image: string) {
  await waitFor(async () => {
    await readyAll(h.client);
    const d = await getDeploy(h.client);
    const pods = liveRsPods(h.client);
    return d.status?.updatedReplicas === replicas && d.status?.availableReplicas === replicas && d.status?.replicas === replicas &&
      pods.length === replicas && pods.every((p) => p.spec?.containers?.[0]?.image === image) &&
      d.status?.conditions?.some((c: { reason?: string }) => c.reason === 'NewReplicaSetAvailable');
  }, `rollout of ${image}`);
}

test('a Deployment creates its ReplicaSet (hash name, revision 1, replica annotations) and reports it available', async () => {
  const h = await started([deploy(3)]);
  try {
    await rolledOut(h, 3, 'v1');
    const [rs] = replicaSets(h.client);
    const hash = rs.metadata?.labels?.['pod-template-hash'];
    assert.match(hash ?? '', /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    assert.equal(rs.metadata?.name, `web-${hash}`);
    assert.equal(rs.spec.selector.matchLabels['pod-template-hash'], hash);
    assert.equal(rs.spec.template.metadata.labels['pod-template-hash'], hash);
    assert.deepEqual([rs.metadata?.annotations?.['deployment.kubernetes.io/revision'], rs.metadata?.annotations?.['deployment.kubernetes.io/desired-replicas'], rs.metadata?.annotations?.['deployment.kubernetes.io/max-replicas']], ['1', '3', '4']);
    assert.equal(rs.metadata?.ownerReferences?.[0]?.kind, 'Deployment');
    assert.ok(h.events.some((e) => e.reason === 'ScalingReplicaSet' && e.message === `Scaled up replica set web-${hash} from 0 to 3`));
    const d = await getDeploy(h.client);
    assert.equal(d.metadata?.annotations?.['deployment.kubernetes.io/revision'], '1');
    assert.equal(d.status.observedGeneration, d.metadata?.generation);
    const byType = Object.fromEntries(d.status.conditions.map((c: { type: string }) => [c.type, c]));
    assert.equal(byType.Available.reason, 'MinimumReplicasAvailable');
    assert.equal(byType.Available.message, 'Deployment has minimum availability.');
    assert.equal(byType.Progressing.message, `ReplicaSet "web-${hash}" has successfully progressed.`);
    // scale: the one ReplicaSet follows
    await h.client.patch(R.deployments, 'default', 'web', 'merge', { spec: { replicas: 5 } });
    await rolledOut(h, 5, 'v1');
    assert.equal(replicaSets(h.client).length, 1);
  } finally {
    await h.stop();
  }
});

for (const [surge, unavailable] of [[1, 0], [0, 1], ['50%', '25%']] as const) {
  test(`a template change rolls out step by step within maxSurge ${surge} / maxUnavailable ${unavailable}`, async () => {
    const replicas = 4;
    const h = await started([deploy(replicas, rolling(surge, unavailable))]);
    try {
      await rolledOut(h, replicas, 'v1');
      const maxTotal = replicas + (typeof surge === 'number' ? surge : 2);
      const minReady = replicas - (typeof unavailable === 'number' ? unavailable : 1);
      const sizes = new Map(replicaSets(h.client).map((rs) => [rs.metadata?.name ?? '', rs.spec.replicas as number]));
      h.client.clearActions();
      await setImage(h.client, 'v2');
      // one kubelet step at a time: let the controllers settle, check the bounds, make the new pods ready
      for (let step = 0; step < 30; step++) {
        await settle(250);
        const rss = replicaSets(h.client);
        const total = rss.reduce((n, rs) => n + rs.spec.replicas, 0);
        const ready = liveRsPods(h.client).filter(podReady).length;
        assert.ok(total <= maxTotal, `step ${step}: ${total} replicas > ${maxTotal}`);
        assert.ok(ready >= minReady, `step ${step}: ${ready} ready < ${minReady}`);
        const d = await getDeploy(h.client);
        if (d.status?.updatedReplicas === replicas && d.status?.availableReplicas === replicas && d.status?.replicas === replicas) break;
        await readyAll(h.client);
      }
      await rolledOut(h, replicas, 'v2');
      // replay every write to ReplicaSets: the sum of replicas never passed replicas + maxSurge
      for (const a of h.client.actions) {
        if (a.resource !== 'replicasets' || (a.verb !== 'create' && a.verb !== 'update') || a.subresource) continue;
        sizes.set(a.object?.metadata?.name ?? '', (a.object as Obj).spec.replicas);
        assert.ok([...sizes.values()].reduce((x, y) => x + y, 0) <= maxTotal, `${[...sizes]} after a write`);
      }
      const [old, cur] = replicaSets(h.client);
      assert.equal(old.spec.replicas, 0);
      assert.equal(cur.metadata?.annotations?.['deployment.kubernetes.io/revision'], '2');
      assert.ok(h.events.some((e) => e.message.startsWith(`Scaled down replica set ${old.metadata?.name} from 4 to`)));
    } finally {
      await h.stop();
    }
  });
}

test('Recreate scales the old ReplicaSet to zero and waits until its pods are gone before starting new ones', async () => {
  const h = await started([deploy(2, { strategy: { type: 'Recreate' } })], { gracefulPodDeletion: true });
  try {
    await rolledOut(h, 2, 'v1');
    await setImage(h.client, 'v2');
    await waitFor(() => replicaSets(h.client)[0].spec.replicas === 0, 'old RS at 0');
    await waitFor(() => (h.client.objects(R.pods) as Obj[]).every((p) => p.metadata?.deletionTimestamp), 'old pods terminating');
    await settle(400);
    assert.equal(replicaSets(h.client).length, 1, 'no new ReplicaSet while old pods still terminate');
    for (const p of h.client.objects(R.pods)) await h.client.delete(R.pods, 'default', p.metadata?.name ?? '', { gracePeriodSeconds: 0 });
    await rolledOut(h, 2, 'v2');
    assert.equal(replicaSets(h.client).length, 2);
  } finally {
    await h.stop();
  }
});

test('rolling back to an old template reuses its ReplicaSet with a new revision (kubectl rollout undo)', async () => {
  const h = await started([deploy(2, rolling(1, 0))]);
  try {
    await rolledOut(h, 2, 'v1');
    const first = replicaSets(h.client)[0].metadata?.name;
    await setImage(h.client, 'v2');
    await rolledOut(h, 2, 'v2');
    // what kubectl does: the old RS's template (without the hash label) patched into the Deployment
    await setImage(h.client, 'v1');
    await rolledOut(h, 2, 'v1');
    const rss = replicaSets(h.client);
    assert.equal(rss.length, 2);
    const back = rss.find((rs) => rs.metadata?.name === first);
    assert.equal(back?.metadata?.annotations?.['deployment.kubernetes.io/revision'], '3');
    assert.equal(back?.metadata?.annotations?.['deployment.kubernetes.io/revision-history'], '1');
    assert.equal((await getDeploy(h.client)).metadata?.annotations?.['deployment.kubernetes.io/revision'], '3');
  } finally {
    await h.stop();
  }
});

test('revisionHistoryLimit keeps only that many old ReplicaSets', async () => {
  const h = await started([deploy(1, { revisionHistoryLimit: 1, ...rolling(1, 0) })]);
  try {
    for (const image of ['v1', 'v2', 'v3']) {
      if (image !== 'v1') await setImage(h.client, image);
      await rolledOut(h, 1, image);
    }
    await waitFor(() => replicaSets(h.client).length === 2, 'the oldest ReplicaSet deleted');
    assert.deepEqual(replicaSets(h.client).map((rs) => rs.spec.template.spec.containers[0].image), ['v2', 'v3']);
  } finally {
    await h.stop();
  }
});

test('a paused Deployment does not roll out a new template but still scales; resumed, it rolls out', async () => {
  const h = await started([deploy(2)]);
  try {
    await rolledOut(h, 2, 'v1');
    await h.client.patch(R.deployments, 'default', 'web', 'merge', { spec: { paused: true } });
    await waitFor(async () => (await getDeploy(h.client)).status?.conditions?.some((c: { reason?: string; message?: string }) => c.reason === 'DeploymentPaused' && c.message === 'Deployment is paused'), 'paused condition');
    await setImage(h.client, 'v2');
    await h.client.patch(R.deployments, 'default', 'web', 'merge', { spec: { replicas: 3 } });
    await waitFor(() => replicaSets(h.client)[0]?.spec.replicas === 3, 'scaled while paused');
    await settle(400);
    assert.equal(replicaSets(h.client).length, 1, 'no rollout while paused');
    await h.client.patch(R.deployments, 'default', 'web', 'merge', { spec: { paused: false } });
    await rolledOut(h, 3, 'v2');
  } finally {
    await h.stop();
  }
});

test('resizing mid-rollout scales old and new ReplicaSets in proportion', async () => {
  const h = await started([deploy(10, rolling(3, 2))]);
  try {
    await rolledOut(h, 10, 'v1');
    await setImage(h.client, 'v2');
    // new pods never become ready: the rollout stops at old 8 / new 5
    await waitFor(() => { const [o, n] = replicaSets(h.client); return o?.spec.replicas === 8 && n?.spec.replicas === 5; }, 'old 8 / new 5');
    await settle(300);
    const [old, cur] = replicaSets(h.client);
    await h.client.patch(R.deployments, 'default', 'web', 'merge', { spec: { replicas: 20 } });
    await waitFor(() => h.events.some((e) => e.message === `Scaled up replica set ${old.metadata?.name} from 8 to 14`), 'old share');
    await waitFor(() => h.events.some((e) => e.message === `Scaled up replica set ${cur.metadata?.name} from 5 to 6`), 'new share');
  } finally {
    await h.stop();
  }
});

test('a rollout without progress past progressDeadlineSeconds is marked ProgressDeadlineExceeded', async () => {
  const h = await started([deploy(2, { progressDeadlineSeconds: 1, ...rolling(1, 0) })]);
  try {
    await rolledOut(h, 2, 'v1');
    await setImage(h.client, 'v2');
    // the new pod never becomes ready
    const cond = await waitFor(async () => (await getDeploy(h.client)).status?.conditions?.find((c: { reason?: string }) => c.reason === 'ProgressDeadlineExceeded'), 'timed out condition');
    const newRS = replicaSets(h.client)[1];
    assert.equal(cond.status, 'False');
    assert.equal(cond.message, `ReplicaSet "${newRS.metadata?.name}" has timed out progressing.`);
  } finally {
    await h.stop();
  }
});
