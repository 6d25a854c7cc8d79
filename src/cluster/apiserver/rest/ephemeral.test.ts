import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { R } from '../../types/gvr.ts';
import type { KObject } from '../../types/meta.ts';
import { isStatusError } from '../../types/status-error.ts';
import { pod, startTestRest } from './testing.ts';

type P = Pod & KObject;
const debugger1 = { name: 'debugger-1', image: 'busybox:1', stdin: true, tty: true, targetContainerName: 'c' };
const invalid = (message: string) => (err: unknown) => {
  assert.ok(isStatusError(err, 'Invalid'), String(err));
  assert.equal((err as Error).message, message);
  return true;
};

test('pods/ephemeralcontainers adds ephemeral containers (only them), never changes or removes one', async () => {
  const t = await startTestRest();
  try {
    await t.rest.create(R.pods, 'default', pod('web'));
    const patched = await t.rest.patch<P>(R.pods, 'default', 'web', 'strategic', { spec: { ephemeralContainers: [debugger1], containers: [{ name: 'c', image: 'evil' }] } }, { subresource: 'ephemeralcontainers' });
    assert.deepEqual(patched.spec?.ephemeralContainers?.map((c) => [c.name, c.imagePullPolicy, c.terminationMessagePolicy]), [['debugger-1', 'IfNotPresent', 'File']], 'defaulted');
    assert.equal(patched.spec?.containers[0].image, 'busybox:1', 'the rest of the spec is not the subresource\'s');
    const got = await t.rest.get<P>(R.pods, 'default', 'web', { subresource: 'ephemeralcontainers' });
    assert.equal(got.kind, 'Pod');

    const changed = structuredClone(got);
    changed.spec!.ephemeralContainers![0].image = 'busybox:2';
    await assert.rejects(t.rest.update(R.pods, 'default', changed, { subresource: 'ephemeralcontainers' }),
      invalid('Pod "web" is invalid: spec.ephemeralContainers: Forbidden: existing ephemeral containers "debugger-1" may not be changed\n'));
    const removed = structuredClone(got);
    removed.spec!.ephemeralContainers = [];
    await assert.rejects(t.rest.update(R.pods, 'default', removed, { subresource: 'ephemeralcontainers' }),
      invalid('Pod "web" is invalid: spec.ephemeralContainers: Forbidden: existing ephemeral containers "debugger-1" may not be removed\n'));
    // a plain update may not add them
    await assert.rejects(t.rest.patch(R.pods, 'default', 'web', 'strategic', { spec: { ephemeralContainers: [{ ...debugger1, name: 'other' }] } }), (err) => isStatusError(err, 'Invalid'));

    await assert.rejects(t.rest.patch(R.pods, 'default', 'web', 'strategic', { spec: { ephemeralContainers: [{ name: 'd2', image: 'busybox:1', targetContainerName: 'nope', ports: [{ containerPort: 80 }] }] } }, { subresource: 'ephemeralcontainers' }),
      invalid('Pod "web" is invalid: [spec.ephemeralContainers[1].targetContainerName: Not found: "nope", spec.ephemeralContainers[1].ports: Forbidden: cannot be set for an Ephemeral Container]'));
    await assert.rejects(t.rest.patch(R.pods, 'default', 'web', 'strategic', { spec: { ephemeralContainers: [{ name: 'c', image: 'busybox:1' }] } }, { subresource: 'ephemeralcontainers' }),
      invalid('Pod "web" is invalid: spec.ephemeralContainers[1].name: Duplicate value: "c"'));

    const withEphemeral = pod('born');
    (withEphemeral as P).spec!.ephemeralContainers = [debugger1];
    await assert.rejects(t.rest.create(R.pods, 'default', withEphemeral), invalid('Pod "born" is invalid: spec.ephemeralContainers: Forbidden: cannot be set on create'));
  } finally {
    await t.cleanup();
  }
});
