// Taint-based eviction with DefaultTolerationSeconds (issue 14, misc): a real `skiff server` with a short
// --default-unreachable-toleration-seconds, a simulated node that stops heart-beating, and the real kubectl.
// Every pod gets the default tolerations at admission; when the node goes quiet it is tainted unreachable
// (NoExecute), a pod with its own short toleration goes first, a pod with the default toleration goes once
// that has run out (TaintManagerEviction), and a pod tolerating the taint forever stays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from './harness.ts';
import { startControlPlane } from './cluster-harness.ts';

const TOLERATION_S = 8;

const podYaml = (name: string, node: string, tolerations = '') => `
apiVersion: v1
kind: Pod
metadata: { name: ${name} }
spec:
  nodeName: ${node}
  terminationGracePeriodSeconds: 1
  containers: [{ name: c, image: busybox:1, command: [sleep, '3600'] }]
${tolerations}
---`;

test('pods leave an unreachable node when their toleration runs out; pods tolerating it forever stay', { timeout: 300_000 }, async (t) => {
  const cp = await startControlPlane({ grace: '4s', tolerationSeconds: TOLERATION_S });
  try {
    const sim = await cp.sim(1, 'te');
    const node = 'te-0';
    const manifests = [
      podYaml('plain', node),
      podYaml('quick', node, `  tolerations: [{ key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 1 }]`),
      podYaml('forever', node, `  tolerations: [{ key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute }]`),
    ].join('\n');
    const r = await cp.kubectl(['apply', '-f', '-'], { input: manifests });
    assert.equal(r.code, 0, r.stderr);

    // admission: kube's shape, the server's seconds; a pod's own toleration is kept and not doubled
    const plain = await cp.kjson(['get', 'pod', 'plain']);
    assert.deepEqual(plain.spec.tolerations, [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: TOLERATION_S },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: TOLERATION_S },
    ]);
    const forever = await cp.kjson(['get', 'pod', 'forever']);
    assert.deepEqual(forever.spec.tolerations.map((x: any) => `${x.key}:${x.tolerationSeconds ?? 'forever'}`),
      ['node.kubernetes.io/unreachable:forever', `node.kubernetes.io/not-ready:${TOLERATION_S}`]);
    await waitFor('the pods Running on te-0', async () => {
      const l = await cp.kjson(['get', 'pods']);
      return l.items.length === 3 && l.items.every((p: any) => p.status?.phase === 'Running');
    }, 60_000, 250);

    await sim.stop();
    const taint = await waitFor('the unreachable NoExecute taint', async () => {
      const n = await cp.kjson(['get', 'node', node]);
      return (n.spec.taints ?? []).find((x: any) => x.key === 'node.kubernetes.io/unreachable' && x.effect === 'NoExecute');
    }, 60_000, 250);
    const taintedAt = Date.parse(taint.timeAdded);
    // evicted = marked for deletion (the kubelet is gone; the pod stays Terminating until it is force-deleted)
    const evictedAt = new Map<string, number>();
    await waitFor('plain and quick evicted', async () => {
      const l = await cp.kjson(['get', 'pods']);
      for (const name of ['plain', 'quick']) {
        const p = l.items.find((x: any) => x.metadata.name === name);
        if ((!p || p.metadata.deletionTimestamp) && !evictedAt.has(name)) evictedAt.set(name, Date.now());
      }
      return evictedAt.size === 2;
    }, 60_000, 200);
    const after = (name: string) => (evictedAt.get(name)! - taintedAt) / 1000;
    t.diagnostic(`evicted after the taint: quick ${after('quick').toFixed(1)} s, plain ${after('plain').toFixed(1)} s (toleration ${TOLERATION_S} s)`);
    // timeAdded is whole seconds: up to 1 s early on our clock
    assert.ok(after('plain') >= TOLERATION_S - 1, `plain went ${after('plain')} s after the taint, before its ${TOLERATION_S} s toleration ran out`);
    assert.ok(evictedAt.get('quick')! < evictedAt.get('plain')!, 'the 1 s toleration runs out first');

    const events = await cp.kjson(['get', 'events', '--field-selector', 'reason=TaintManagerEviction']);
    const messages = events.items.map((e: any) => e.message);
    assert.ok(messages.includes('Marking for deletion Pod default/plain'), messages.join('; '));
    assert.ok(!messages.some((m: string) => m.endsWith('/forever')));

    await sleep(3000);
    const stay = await cp.kjson(['get', 'pod', 'forever']);
    assert.equal(stay.metadata.deletionTimestamp, undefined, 'a pod tolerating unreachable forever stays');
  } finally {
    await cp.cleanup();
  }
});
