import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoints } from 'kubernetes-types/core/v1.js';
import { R } from '../../types/gvr.ts';
import { createEndpointsController } from './index.ts';
import { createHarness, pod, service, settle, waitFor } from './testing.ts';

const endpointsOf = (objs: unknown[], name: string) => (objs as Endpoints[]).find((e) => e.metadata?.name === name);

test('ready and not-ready pods land in addresses and notReadyAddresses with resolved named ports', async () => {
  const h = createHarness([
    service('web', { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] }),
    pod('a', { ip: '10.0.0.2', node: 'n1', ports: [{ name: 'http', containerPort: 8080 }] }),
    pod('b', { ip: '10.0.0.3', ready: false, ports: [{ name: 'http', containerPort: 8080 }] }),
    pod('noip', { ports: [{ name: 'http', containerPort: 8080 }] }),
    pod('done', { ip: '10.0.0.9', phase: 'Succeeded', ports: [{ name: 'http', containerPort: 8080 }] }),
    pod('other', { ip: '10.0.0.4', labels: { app: 'db' } }),
  ]);
  h.run(createEndpointsController(h.ctx));
  try {
    const ep = await waitFor(() => endpointsOf(h.client.objects(R.endpoints), 'web'), 'endpoints web');
    assert.equal(ep.metadata?.labels?.['endpoints.kubernetes.io/managed-by'], 'endpoint-controller');
    assert.equal(ep.metadata?.labels?.app, 'web');
    assert.ok(ep.metadata?.annotations?.['endpoints.kubernetes.io/last-change-trigger-time']);
    assert.equal(ep.subsets?.length, 1);
    const s = ep.subsets![0];
    assert.deepEqual(s.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
    assert.deepEqual(s.addresses?.map((a) => [a.ip, a.nodeName, a.targetRef?.kind, a.targetRef?.name]), [['10.0.0.2', 'n1', 'Pod', 'a']]);
    assert.deepEqual(s.notReadyAddresses?.map((a) => a.ip), ['10.0.0.3']);
  } finally {
    await h.stop();
  }
});

test('a pod becoming ready moves to addresses; deleting the service deletes the endpoints', async () => {
  const h = createHarness([service('web', { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 80, protocol: 'TCP' }] }), pod('a', { ip: '10.0.0.2', ready: false })]);
  h.run(createEndpointsController(h.ctx));
  try {
    await waitFor(() => endpointsOf(h.client.objects(R.endpoints), 'web')?.subsets?.[0]?.notReadyAddresses?.length === 1, 'not ready address');
    const cur = await h.client.get(R.pods, 'default', 'a');
    await h.client.update(R.pods, 'default', { ...cur, status: { ...(cur.status as object), conditions: [{ type: 'Ready', status: 'True' }] } }, { subresource: 'status' });
    await waitFor(() => endpointsOf(h.client.objects(R.endpoints), 'web')?.subsets?.[0]?.addresses?.[0]?.ip === '10.0.0.2', 'ready address');
    await h.client.delete(R.services, 'default', 'web');
    await waitFor(() => !endpointsOf(h.client.objects(R.endpoints), 'web'), 'endpoints deleted');
  } finally {
    await h.stop();
  }
});

test('services without selector and the kubernetes service are left alone; no writes when nothing changes', async () => {
  const manual = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'ext', namespace: 'default' }, subsets: [{ addresses: [{ ip: '1.2.3.4' }], ports: [{ port: 5432, protocol: 'TCP' }] }] };
  const h = createHarness([
    service('ext', { ports: [{ port: 5432, protocol: 'TCP' }] }),
    manual,
    service('kubernetes', { selector: { app: 'web' }, ports: [{ port: 443, protocol: 'TCP' }] }),
    service('web', { selector: { app: 'web' }, ports: [{ port: 80, protocol: 'TCP' }] }),
    pod('a', { ip: '10.0.0.2' }),
  ]);
  h.run(createEndpointsController(h.ctx));
  try {
    await waitFor(() => endpointsOf(h.client.objects(R.endpoints), 'web'), 'endpoints web');
    await settle();
    const writes = h.client.actions.filter((a) => ['create', 'update', 'delete', 'patch'].includes(a.verb) && a.resource === 'endpoints');
    assert.deepEqual(writes.map((a) => `${a.verb} ${a.name ?? a.object?.metadata?.name}`), ['create web']);
    assert.deepEqual(endpointsOf(h.client.objects(R.endpoints), 'ext')?.subsets, manual.subsets);
    assert.equal(endpointsOf(h.client.objects(R.endpoints), 'kubernetes'), undefined);
  } finally {
    await h.stop();
  }
});
