import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { KObject } from '../../types/meta.ts';
import { R } from '../../types/gvr.ts';
import { createHarness, pod, service, settle, waitFor } from '../endpoints/testing.ts';
import { createEndpointSliceController, planSlices } from './index.ts';

const slicesOf = (objs: KObject[], svc: string) =>
  (objs as unknown as EndpointSlice[]).filter((s) => s.metadata?.labels?.['kubernetes.io/service-name'] === svc);

test('a service gets one owned, labelled slice with conditions, node and targetRef', async () => {
  const h = createHarness([
    service('web', { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] }),
    pod('a', { ip: '10.0.0.2', node: 'n1' }),
    pod('b', { ip: '10.0.0.3', ready: false }),
  ]);
  h.run(createEndpointSliceController(h.ctx));
  try {
    const [s] = await waitFor(() => { const l = slicesOf(h.client.objects(R.endpointslices), 'web'); return l.length ? l : undefined; }, 'slice');
    const svc = await h.client.get(R.services, 'default', 'web');
    assert.equal(s.metadata?.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
    assert.deepEqual(s.metadata?.ownerReferences, [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: svc.metadata?.uid, controller: true, blockOwnerDeletion: true }]);
    assert.match(s.metadata?.name ?? '', /^web-/);
    assert.equal(s.addressType, 'IPv4');
    assert.deepEqual(s.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
    assert.deepEqual(s.endpoints.map((e) => [e.addresses[0], e.conditions, e.nodeName, e.targetRef?.name]), [
      ['10.0.0.2', { ready: true, serving: true, terminating: false }, 'n1', 'a'],
      ['10.0.0.3', { ready: false, serving: false, terminating: false }, undefined, 'b'],
    ]);
  } finally {
    await h.stop();
  }
});

test('250 pods make three slices of at most 100; removing pods shrinks them; no pods leaves a placeholder', async () => {
  const pods = Array.from({ length: 250 }, (_, i) => pod(`p${i}`, { ip: `10.1.${Math.floor(i / 200)}.${(i % 200) + 1}` }));
  const h = createHarness([service('web', { selector: { app: 'web' }, ports: [{ port: 80, protocol: 'TCP' }] }), ...pods]);
  h.run(createEndpointSliceController(h.ctx));
  try {
    await waitFor(() => slicesOf(h.client.objects(R.endpointslices), 'web').reduce((n, s) => n + s.endpoints.length, 0) === 250, '250 endpoints');
    const sizes = slicesOf(h.client.objects(R.endpointslices), 'web').map((s) => s.endpoints.length).sort((a, b) => b - a);
    assert.deepEqual(sizes, [100, 100, 50]);
    for (let i = 0; i < 250; i++) await h.client.delete(R.pods, 'default', `p${i}`);
    await waitFor(() => { const l = slicesOf(h.client.objects(R.endpointslices), 'web'); return l.length === 1 && l[0].endpoints.length === 0; }, 'placeholder only');
    await settle();
    assert.equal(slicesOf(h.client.objects(R.endpointslices), 'web').length, 1);
  } finally {
    await h.stop();
  }
});

test('a terminating pod is serving but not ready; a deleted service takes its slices', async () => {
  const p = pod('a', { ip: '10.0.0.2' });
  (p.metadata as Record<string, unknown>).finalizers = ['test/hold'];
  const h = createHarness([service('web', { selector: { app: 'web' }, ports: [{ port: 80, protocol: 'TCP' }] }), p, service('ext', { ports: [{ port: 1, protocol: 'TCP' }] })]);
  h.run(createEndpointSliceController(h.ctx));
  try {
    await waitFor(() => slicesOf(h.client.objects(R.endpointslices), 'web')[0]?.endpoints.length === 1, 'slice');
    await h.client.delete(R.pods, 'default', 'a'); // the finalizer keeps it, terminating
    const s = await waitFor(() => slicesOf(h.client.objects(R.endpointslices), 'web').find((x) => x.endpoints[0]?.conditions?.terminating), 'terminating');
    assert.deepEqual(s.endpoints[0].conditions, { ready: false, serving: true, terminating: true });
    assert.equal(slicesOf(h.client.objects(R.endpointslices), 'ext').length, 0);
    await h.client.delete(R.services, 'default', 'web');
    await waitFor(() => slicesOf(h.client.objects(R.endpointslices), 'web').length === 0, 'slices deleted');
  } finally {
    await h.stop();
  }
});

test('planSlices keeps endpoints where they are and fills slices with room', () => {
  const ep = (i: number) => ({ addresses: [`10.0.0.${i}`], targetRef: { kind: 'Pod', uid: `u${i}` } });
  const ports = [{ name: '', port: 80, protocol: 'TCP' }];
  const existing = { metadata: { name: 's1' }, addressType: 'IPv4', ports, endpoints: [ep(1), ep(2)] } as unknown as Parameters<typeof planSlices>[1][number];
  const groups = new Map([[JSON.stringify([['', 80, 'TCP', '']]), { ports, endpoints: new Map([['u2', ep(2)], ['u3', ep(3)]]) }]]);
  const plan = planSlices(groups, [existing], 100);
  assert.equal(plan.create.length, 0);
  assert.equal(plan.update.length, 1);
  assert.deepEqual(plan.update[0].endpoints.map((e) => e.targetRef?.uid), ['u2', 'u3']);
});
