import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { R } from '../../types/gvr.ts';
import type { KObject } from '../../types/meta.ts';
import { isStatusError } from '../../types/status-error.ts';
import { startTestRest } from '../rest/testing.ts';
import { serviceAccountAdmission, TOKEN_MOUNT_PATH } from './serviceaccount.ts';

const sa = (name: string, extra: object = {}): KObject => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name }, ...extra });
const pod = (name: string, spec: Partial<Pod['spec']> = {}): KObject => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name },
  spec: { initContainers: [{ name: 'init', image: 'busybox' }], containers: [{ name: 'a', image: 'busybox' }, { name: 'b', image: 'busybox', volumeMounts: [{ name: 'own', mountPath: TOKEN_MOUNT_PATH }] }], volumes: [{ name: 'own', emptyDir: {} }], ...spec },
});

test('ServiceAccount admission: the account must exist; kube-api-access volume and mounts unless automount is off', async () => {
  const t = await startTestRest({ admission: [serviceAccountAdmission] });
  try {
    await t.rest.create(R.serviceaccounts, 'default', sa('default', { imagePullSecrets: [{ name: 'regcred' }] }));
    await t.rest.create(R.serviceaccounts, 'default', sa('quiet', { automountServiceAccountToken: false }));
    const p = (await t.rest.create(R.pods, 'default', pod('one'))) as Pod & KObject;
    assert.equal(p.spec?.serviceAccountName, 'default');
    const vol = p.spec!.volumes!.find((v) => v.name.startsWith('kube-api-access-'))!;
    assert.match(vol.name, /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.deepEqual(vol.projected, {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    });
    const mount = { name: vol.name, readOnly: true, mountPath: TOKEN_MOUNT_PATH };
    assert.deepEqual(p.spec!.initContainers![0].volumeMounts, [mount]);
    assert.deepEqual(p.spec!.containers[0].volumeMounts, [mount]);
    assert.deepEqual(p.spec!.containers[1].volumeMounts, [{ name: 'own', mountPath: TOKEN_MOUNT_PATH }], 'a container with its own mount there keeps it');
    assert.deepEqual(p.spec!.imagePullSecrets, [{ name: 'regcred' }], 'the account\'s pull secrets');

    const quiet = (await t.rest.create(R.pods, 'default', pod('two', { serviceAccountName: 'quiet' }))) as Pod & KObject;
    assert.deepEqual(quiet.spec!.volumes!.map((v) => v.name), ['own'], 'the account says no automount');
    const override = (await t.rest.create(R.pods, 'default', pod('three', { serviceAccountName: 'quiet', automountServiceAccountToken: true }))) as Pod & KObject;
    assert.equal(override.spec!.volumes!.length, 2, 'the pod\'s preference wins');

    await assert.rejects(t.rest.create(R.pods, 'default', pod('four', { serviceAccountName: 'ghost' })), (err: unknown) => {
      assert.ok(isStatusError(err, 'Forbidden'));
      assert.equal(err.status.message, 'pods "four" is forbidden: error looking up service account default/ghost: serviceaccount "ghost" not found');
      return true;
    });
    const t0 = Date.now();
    await assert.rejects(t.rest.create(R.pods, 'kube-system', pod('five')), /error looking up service account kube-system\/default: serviceaccount "default" not found/);
    assert.ok(Date.now() - t0 >= 900, 'the default account is waited for a moment');
  } finally {
    await t.cleanup();
  }
});
