import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { R } from '../../types/gvr.ts';
import type { KObject } from '../../types/meta.ts';
import { isStatusError } from '../../types/status-error.ts';
import { createRest } from './index.ts';
import { startTestRest, testPatcher, type TestRest } from './testing.ts';
import { resources } from '../../types/registry.ts';

const cleanups: TestRest[] = [];
after(async () => { for (const t of cleanups) await t.cleanup(); });
const start = async (serviceCIDR: string, nodePortRange?: [number, number]) => {
  const t = await startTestRest({ serviceCIDR, nodePortRange });
  cleanups.push(t);
  return t;
};

const svc = (name: string, spec: Record<string, unknown> = {}): KObject => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }], ...spec },
});
type Spec = { clusterIP: string; clusterIPs: string[]; ports: { nodePort?: number }[] };
const specOf = (o: KObject) => o.spec as Spec;

test('bootstrap makes the system namespaces and the kubernetes Service on the first address, idempotently', async () => {
  const t = await start('10.96.0.0/24');
  const ns = (await t.rest.list(R.namespaces, undefined)).items.map((n) => n.metadata?.name);
  assert.deepEqual(ns, ['default', 'kube-node-lease', 'kube-public', 'kube-system']);
  const k = await t.rest.get(R.services, 'default', 'kubernetes');
  assert.equal(specOf(k).clusterIP, '10.96.0.1');
  assert.deepEqual(k.metadata?.labels, { component: 'apiserver', provider: 'kubernetes' });
  const ep = await t.rest.get(R.endpoints, 'default', 'kubernetes');
  assert.deepEqual((ep.subsets as unknown[])[0], { addresses: [{ ip: '10.0.0.1' }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] });
  await t.rest.get(R.endpointslices, 'default', 'kubernetes');
  const dns = await t.rest.get(R.services, 'kube-system', 'kube-dns');
  assert.equal(specOf(dns).clusterIP, '10.96.0.10');
  assert.deepEqual((dns.spec as { ports: { name: string; protocol: string; port: number }[] }).ports.map((p) => `${p.name} ${p.port}/${p.protocol}`), ['dns 53/UDP', 'dns-tcp 53/TCP']);
  assert.equal((dns.spec as { internalTrafficPolicy?: string }).internalTrafficPolicy, 'Local');
  const rev = await t.rest.currentRevision();
  await t.rest.bootstrap({ address: '10.0.0.1', port: 6443 });
  assert.equal(await t.rest.currentRevision(), rev, 'a second bootstrap writes nothing');
  await t.rest.bootstrap({ address: '10.0.0.2', port: 7443 });
  const ep2 = await t.rest.get(R.endpoints, 'default', 'kubernetes');
  assert.equal((ep2.subsets as { addresses: { ip: string }[] }[])[0].addresses[0].ip, '10.0.0.2');
});

test('ClusterIPs come from the range; a /30 runs out with Kubernetes\' error; delete frees the address', async () => {
  const t = await start('10.50.0.0/30');
  const a = await t.rest.create(R.services, 'default', svc('a'));
  assert.equal(specOf(a).clusterIP, '10.50.0.2');
  assert.deepEqual(specOf(a).clusterIPs, ['10.50.0.2']);
  await assert.rejects(t.rest.create(R.services, 'default', svc('b')),
    (e) => isStatusError(e) && e.code === 500 && e.message === 'Internal error occurred: failed to allocate a serviceIP: range is full');
  const headless = await t.rest.create(R.services, 'default', svc('h', { clusterIP: 'None' }));
  assert.deepEqual(specOf(headless).clusterIPs, ['None']);
  await t.rest.delete(R.services, 'default', 'a');
  assert.equal(specOf(await t.rest.create(R.services, 'default', svc('b'))).clusterIP, '10.50.0.2');
});

test('a requested ClusterIP must be free and in range', async () => {
  const t = await start('10.43.0.0/24');
  await t.rest.create(R.services, 'default', svc('fixed', { clusterIP: '10.43.0.5' }));
  await assert.rejects(t.rest.create(R.services, 'default', svc('again', { clusterIP: '10.43.0.5' })),
    (e) => isStatusError(e, 'Invalid') && e.message === 'Service "again" is invalid: spec.clusterIPs: Invalid value: []string{"10.43.0.5"}: failed to allocate IP 10.43.0.5: provided IP is already allocated');
  await assert.rejects(t.rest.create(R.services, 'default', svc('out', { clusterIP: '10.44.0.5' })), (e) => isStatusError(e, 'Invalid') && /not in the valid range/.test(e.message));
  const dry = await t.rest.create(R.services, 'default', svc('dry', { clusterIP: '10.43.0.9' }), { dryRun: true });
  assert.equal(specOf(dry).clusterIP, '10.43.0.9');
  await t.rest.create(R.services, 'default', svc('after-dry', { clusterIP: '10.43.0.9' }));
});

test('NodePorts: allocated for NodePort Services, a taken one is 422, kept across updates, freed on a type change', async () => {
  const t = await start('10.43.0.0/24', [30000, 30100]);
  const np = await t.rest.create(R.services, 'default', svc('np', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }));
  assert.equal(specOf(np).ports[0].nodePort, 30080);
  await assert.rejects(t.rest.create(R.services, 'default', svc('np2', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] })),
    (e) => isStatusError(e, 'Invalid') && e.message === 'Service "np2" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated');
  const auto = await t.rest.create(R.services, 'default', svc('auto', { type: 'NodePort' }));
  const port = specOf(auto).ports[0].nodePort!;
  assert.ok(port >= 30000 && port <= 30100);
  // an update that leaves the nodePort and clusterIP out keeps them
  const cur = await t.rest.get(R.services, 'default', 'auto');
  const kept = await t.rest.update(R.services, 'default', { ...cur, spec: { ...(cur.spec as object), clusterIP: undefined, clusterIPs: undefined, ports: [{ port: 80, targetPort: 9090, protocol: 'TCP' }] } });
  assert.equal(specOf(kept).ports[0].nodePort, port);
  assert.equal(specOf(kept).clusterIP, specOf(auto).clusterIP);
  await t.rest.patch(R.services, 'default', 'np', 'json', [{ op: 'replace', path: '/spec/type', value: 'ClusterIP' }, { op: 'remove', path: '/spec/ports/0/nodePort' }]);
  const reuse = await t.rest.create(R.services, 'default', svc('np3', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }));
  assert.equal(specOf(reuse).ports[0].nodePort, 30080);
});

test('allocators are rebuilt from the stored Services at start', async () => {
  const t = await start('10.43.0.0/24');
  await t.rest.create(R.services, 'default', svc('persist', { clusterIP: '10.43.0.7' }));
  const second = createRest({ store: t.store, resources, patcher: testPatcher(), serviceCIDR: '10.43.0.0/24' });
  await second.start();
  try {
    await assert.rejects(second.create(R.services, 'default', svc('clash', { clusterIP: '10.43.0.7' })), (e) => isStatusError(e, 'Invalid'));
  } finally {
    await second.close();
  }
});
