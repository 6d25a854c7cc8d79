import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { containerResources, milliCpuToShares, milliCpuToQuota, podResources } from './resources.ts';
import { containerSecurity } from './security.ts';
import { ContainerConfigError } from './env.ts';

const gi = 1024 ** 3;

test('resources: shares from requests, quota and memory from limits, OOM score by QoS class', () => {
  assert.equal(milliCpuToShares(0), 2);
  assert.equal(milliCpuToShares(250), 256);
  assert.equal(milliCpuToQuota(500), 50_000);
  assert.equal(milliCpuToQuota(1), 1000);
  const guaranteed: Pod = { spec: { containers: [{ name: 'a', resources: { limits: { cpu: '500m', memory: '128Mi' } } }] } };
  assert.deepEqual(containerResources(guaranteed, guaranteed.spec!.containers[0], 4 * gi),
    { cpuShares: 512, cpuPeriod: 100_000, cpuQuota: 50_000, memoryLimitInBytes: 128 * 1024 * 1024, oomScoreAdj: -997 });
  const burstable: Pod = { spec: { containers: [{ name: 'a', resources: { requests: { cpu: '100m', memory: '1Gi' } } }] } };
  assert.deepEqual(containerResources(burstable, burstable.spec!.containers[0], 4 * gi), { cpuShares: 102, oomScoreAdj: 750 });
  const best: Pod = { spec: { containers: [{ name: 'a' }] } };
  assert.deepEqual(containerResources(best, best.spec!.containers[0], 4 * gi), { cpuShares: 2, oomScoreAdj: 1000 });
  assert.deepEqual(podResources(guaranteed), { cpuShares: 512, cpuPeriod: 100_000, cpuQuota: 50_000, memoryLimitInBytes: 128 * 1024 * 1024 });
});

test('security: container fields over pod fields; runAsNonRoot checked against the image user', () => {
  const pod: Pod = { metadata: { name: 'p', namespace: 'd', uid: 'u' }, spec: { securityContext: { runAsUser: 1000, runAsGroup: 3000, supplementalGroups: [4], fsGroup: 2000 }, containers: [] } };
  const sc = containerSecurity(pod, { name: 'c', securityContext: { runAsUser: 2000, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] } } }, 0, '');
  assert.equal(sc.runAsUser, 2000);
  assert.equal(sc.runAsGroup, 3000);
  assert.deepEqual(sc.supplementalGroups, [4, 2000]);
  assert.equal(sc.readonlyRootfs, true);
  assert.equal(sc.noNewPrivs, true);
  assert.deepEqual(sc.capabilities, { addCapabilities: ['NET_ADMIN'], dropCapabilities: ['ALL'] });
  assert.ok(sc.maskedPaths?.includes('/proc/kcore'));
  assert.equal(containerSecurity(pod, { name: 'c', securityContext: { privileged: true } }, 0, '').maskedPaths, undefined);
  const nonRoot: Pod = { metadata: { name: 'p', namespace: 'd', uid: 'u' }, spec: { securityContext: { runAsNonRoot: true }, containers: [] } };
  assert.throws(() => containerSecurity(nonRoot, { name: 'c' }, 0, ''), (e) => e instanceof ContainerConfigError && /image will run as root/.test(e.message));
  assert.equal(containerSecurity(nonRoot, { name: 'c' }, 1000, '1000').runAsUser, undefined);
});
