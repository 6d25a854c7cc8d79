import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { sandboxConfig } from './sandbox.ts';

const dns = { resolvConf: '/nonexistent', clusterDNS: [], clusterDomain: 'cluster.local' };
const pod = (securityContext: NonNullable<Pod['spec']>['securityContext']): Pod => ({
  metadata: { name: 'p', namespace: 'ns', uid: 'u1' },
  spec: { containers: [{ name: 'c', image: 'busybox' }], securityContext },
});

test('the sandbox carries the pod-level seccomp profile, and none when the pod names none', async () => {
  const none = await sandboxConfig(pod({}), 0, '/logs', dns);
  assert.equal(none.linux.securityContext?.seccompProfile, undefined, 'the runtime runs it unconfined (CRI)');
  const rd = await sandboxConfig(pod({ seccompProfile: { type: 'RuntimeDefault' } }), 0, '/logs', dns);
  assert.deepEqual(rd.linux.securityContext?.seccompProfile, { profileType: 'RuntimeDefault' });
});
