import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, Toleration } from 'kubernetes-types/core/v1.js';
import { R } from '../../types/gvr.ts';
import type { KObject } from '../../types/meta.ts';
import { pod, startTestRest } from '../rest/testing.ts';
import { missingTolerations } from './defaulttolerationseconds.ts';

const notReady = { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 };
const unreachable = { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 };

test('a pod gets 300 s tolerations of not-ready and unreachable unless it tolerates them itself', () => {
  const p = (tolerations?: Toleration[]): Pod => ({ spec: { containers: [], tolerations } });
  assert.deepEqual(missingTolerations(p(), 300, 300), [notReady, unreachable]);
  // kube's rule: an empty key matches every key, an empty effect every effect
  assert.deepEqual(missingTolerations(p([{ operator: 'Exists' }]), 300, 300), []);
  assert.deepEqual(missingTolerations(p([{ key: 'node.kubernetes.io/unreachable', operator: 'Exists' }]), 300, 300), [notReady]);
  assert.deepEqual(missingTolerations(p([{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }]), 300, 300), [unreachable]);
  // a NoSchedule toleration does not keep a pod from NoExecute eviction
  assert.deepEqual(missingTolerations(p([{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoSchedule' }]), 7, 9).map((t) => t.tolerationSeconds), [7, 9]);
});

test('the REST layer adds them on create (with the server flags) and keeps them on update', async () => {
  const t = await startTestRest({ admissionOptions: { defaultNotReadyTolerationSeconds: 20, defaultUnreachableTolerationSeconds: 30 } });
  try {
    const created = await t.rest.create<Pod & KObject>(R.pods, 'default', pod('web'));
    assert.deepEqual(created.spec?.tolerations, [{ ...notReady, tolerationSeconds: 20 }, { ...unreachable, tolerationSeconds: 30 }]);
    const own = pod('own');
    (own as Pod).spec!.tolerations = [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' }];
    const kept = await t.rest.create<Pod & KObject>(R.pods, 'default', own);
    assert.deepEqual(kept.spec?.tolerations, [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' }, { ...notReady, tolerationSeconds: 20 }]);
    // an update keeps them (the plugin runs again and finds them)
    const updated = await t.rest.patch<Pod & KObject>(R.pods, 'default', 'web', 'merge', { metadata: { labels: { a: 'b' } } });
    assert.equal(updated.spec?.tolerations?.length, 2);
  } finally {
    await t.cleanup();
  }
});
