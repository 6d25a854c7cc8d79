import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ApiClient, WatchOptions } from '../../client/types.ts';
import type { FakeClient } from '../../client/index.ts';
import type { GVR, KObject, WatchEvent } from '../../types/meta.ts';
import { R } from '../../types/gvr.ts';
import { forbiddenError } from '../../types/status-error.ts';
import { createReplicaSetController, createReplicationControllerController } from './index.ts';
import { createHarness, markPod, podsOf, settle, waitFor } from './testing.ts';

const template = (labels: Record<string, string>) => ({ metadata: { labels }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });

const rs = (name: string, replicas: number, spec: Record<string, unknown> = {}): KObject => ({
  apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name, namespace: 'default' },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: template({ app: name }), ...spec },
});

const getRs = (client: FakeClient, name: string) => client.get(R.replicasets, 'default', name) as Promise<KObject & { status?: Record<string, unknown> }>;
const podCreates = (client: FakeClient) => client.actions.filter((a) => a.verb === 'create' && a.resource === 'pods' && !a.subresource).length;

/** pod watch events reach the informers late, as under load: syncs in between must not create again */
const laggingPods = (c: FakeClient): ApiClient => ({
  ...c,
  watch<T extends KObject>(r: GVR, ns: string | undefined, o: WatchOptions, signal: AbortSignal): AsyncIterable<WatchEvent<T>> {
    const inner = c.watch<T>(r, ns, o, signal);
    if (r.resource !== 'pods') return inner;
    return (async function* () {
      for await (const ev of inner) {
        await new Promise((res) => setTimeout(res, 150));
        yield ev;
      }
    })();
  },
});

test('a ReplicaSet creates its replicas once even when it is synced again before the informer shows them (expectations)', async () => {
  const h = createHarness([rs('web', 5)], { wrap: laggingPods });
  h.run(createReplicaSetController(h.ctx));
  try {
    await waitFor(() => podCreates(h.client) >= 1, 'the first create');
    for (let i = 0; i < 5; i++) await h.client.patch(R.replicasets, 'default', 'web', 'merge', { metadata: { annotations: { poke: String(i) } } });
    await waitFor(async () => (await getRs(h.client, 'web')).status?.replicas === 5, 'status.replicas 5');
    await settle(800);
    assert.equal(podCreates(h.client), 5);
    assert.equal(podsOf(h.client, 'web').length, 5);
    const pod = podsOf(h.client, 'web')[0];
    assert.match(pod.metadata?.name ?? '', /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.deepEqual(pod.metadata?.labels, { app: 'web' });
    const ref = pod.metadata?.ownerReferences?.[0];
    assert.equal(ref?.kind, 'ReplicaSet');
    assert.equal(ref?.controller, true);
    assert.equal(ref?.blockOwnerDeletion, true);
    // slow start: 1, 2, then the remaining 2
    const created = h.events.filter((e) => e.reason === 'SuccessfulCreate');
    assert.equal(created.length, 5);
    assert.match(created[0].message, /^Created pod: web-\w{5}$/);
  } finally {
    await h.stop();
  }
});

test('a deleted pod is replaced; a terminating pod does not count, so its replacement starts at once', async () => {
  const h = createHarness([rs('web', 3)], { gracefulPodDeletion: true });
  h.run(createReplicaSetController(h.ctx));
  try {
    await waitFor(() => podsOf(h.client, 'web').length === 3, '3 pods');
    const [a, b] = podsOf(h.client, 'web');
    await h.client.delete(R.pods, 'default', a.metadata?.name ?? '');
    await waitFor(() => podsOf(h.client, 'web').length === 3 && !podsOf(h.client, 'web').some((p) => p.metadata?.name === a.metadata?.name), 'a replacement');
    // bound to a node, deletion is graceful: the pod stays (terminating) until its kubelet confirms
    await markPod(h.client, b, { node: 'n1' });
    await h.client.delete(R.pods, 'default', b.metadata?.name ?? '');
    const terminating = await h.client.get(R.pods, 'default', b.metadata?.name ?? '');
    assert.ok(terminating.metadata?.deletionTimestamp);
    await waitFor(() => podsOf(h.client, 'web').length === 3 && !podsOf(h.client, 'web').some((p) => p.metadata?.name === b.metadata?.name), 'a replacement for the terminating pod');
    await settle();
    assert.equal(podsOf(h.client, 'web').length, 3);
    assert.equal(podCreates(h.client), 5);
  } finally {
    await h.stop();
  }
});

test('scaling down deletes not-ready pods before ready ones, and status counts ready and available pods', async () => {
  const h = createHarness([rs('web', 3)]);
  h.run(createReplicaSetController(h.ctx));
  try {
    await waitFor(() => podsOf(h.client, 'web').length === 3, '3 pods');
    const [a, b, c] = podsOf(h.client, 'web');
    await markPod(h.client, a, { node: 'n1' });
    await markPod(h.client, b, { node: 'n1', ready: false });
    await markPod(h.client, c, { node: 'n2' });
    await waitFor(async () => (await getRs(h.client, 'web')).status?.readyReplicas === 2, 'readyReplicas 2');
    const st = (await getRs(h.client, 'web')).status;
    assert.equal(st?.availableReplicas, 2);
    assert.equal(st?.fullyLabeledReplicas, 3);
    assert.equal(st?.observedGeneration, 1);
    await h.client.patch(R.replicasets, 'default', 'web', 'merge', { spec: { replicas: 2 } });
    await waitFor(() => podsOf(h.client, 'web').length === 2, '2 pods');
    assert.deepEqual(podsOf(h.client, 'web').map((p) => p.metadata?.name).sort(), [a.metadata?.name, c.metadata?.name].sort());
    assert.ok(h.events.some((e) => e.reason === 'SuccessfulDelete' && e.message === `Deleted pod: ${b.metadata?.name}`));
    await waitFor(async () => (await getRs(h.client, 'web')).status?.observedGeneration === 2 && (await getRs(h.client, 'web')).status?.replicas === 2, 'status after the scale');
  } finally {
    await h.stop();
  }
});

test('an orphan pod matching the selector is adopted; an owned pod relabelled out of the selector is released and replaced', async () => {
  const orphan: KObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stray', namespace: 'default', labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
  const h = createHarness([orphan, rs('web', 2)]);
  h.run(createReplicaSetController(h.ctx));
  try {
    await waitFor(() => podsOf(h.client, 'web').length === 1, 'one created pod');
    await settle();
    assert.equal(podCreates(h.client), 1);
    const adopted = await h.client.get(R.pods, 'default', 'stray');
    assert.equal(adopted.metadata?.ownerReferences?.[0]?.name, 'web');
    await h.client.patch(R.pods, 'default', 'stray', 'merge', { metadata: { labels: { app: 'debug' } } });
    await waitFor(async () => !(await h.client.get(R.pods, 'default', 'stray')).metadata?.ownerReferences, 'release');
    await waitFor(() => podsOf(h.client, 'web').length === 2, 'a replacement');
  } finally {
    await h.stop();
  }
});

test('a failing create sets a ReplicaFailure condition and a FailedCreate event', async () => {
  const failing = (c: FakeClient): ApiClient => ({
    ...c,
    async create(r, ns, obj, o) {
      if (r.resource === 'pods') {
        c.actions.push({ verb: 'create', resource: 'pods', namespace: ns });
        throw forbiddenError('pods "web-" is forbidden: exceeded quota: q, requested: pods=1, used: pods=0, limited: pods=0');
      }
      return c.create(r, ns, obj, o);
    },
  });
  const h = createHarness([rs('web', 4)], { wrap: failing });
  h.run(createReplicaSetController(h.ctx));
  try {
    const st = await waitFor(async () => {
      const cond = ((await getRs(h.client, 'web')).status?.conditions as { type: string; reason: string; message: string }[] | undefined)?.[0];
      return cond?.type === 'ReplicaFailure' ? cond : undefined;
    }, 'ReplicaFailure');
    assert.equal(st?.reason, 'FailedCreate');
    assert.match(st?.message ?? '', /exceeded quota/);
    const failed = h.events.find((e) => e.reason === 'FailedCreate');
    assert.match(failed?.message ?? '', /^Error creating: pods "web-" is forbidden/);
  } finally {
    await h.stop();
  }
});

test('a ReplicationController (map selector, core/v1) keeps its replicas as a ReplicaSet does', async () => {
  const rc: KObject = {
    apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'legacy', namespace: 'default' },
    spec: { replicas: 2, selector: { app: 'legacy' }, template: template({ app: 'legacy' }) },
  };
  const h = createHarness([rc]);
  h.run(createReplicationControllerController(h.ctx));
  try {
    await waitFor(() => podsOf(h.client, 'legacy').length === 2, '2 pods');
    const pod = podsOf(h.client, 'legacy')[0];
    assert.equal(pod.metadata?.ownerReferences?.[0]?.kind, 'ReplicationController');
    assert.equal(pod.metadata?.ownerReferences?.[0]?.apiVersion, 'v1');
    await waitFor(async () => ((await h.client.get(R.replicationcontrollers, 'default', 'legacy')).status as { replicas?: number } | undefined)?.replicas === 2, 'rc status');
  } finally {
    await h.stop();
  }
});
