import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from '../endpoints/index.ts';
import type { ControllerContext, EventRecorder } from '../../client/types.ts';
import { createFakeClient, createInformerFactory } from '../../client/index.ts';
import { R } from '../../types/gvr.ts';
import { service, waitFor, settle } from '../endpoints/testing.ts';
import { createServiceLbController, parseLbPool } from './index.ts';

test('parseLbPool reads ranges and CIDRs, and refuses what is no pool', () => {
  const p = parseLbPool('10.0.0.200-10.0.0.202, 10.0.1.0/30');
  assert.equal(p.size, 5);
  assert.ok(p.contains('10.0.0.201') && p.contains('10.0.1.2'));
  assert.ok(!p.contains('10.0.1.0') && !p.contains('10.0.1.3') && !p.contains('10.0.0.203') && !p.contains('x'));
  assert.equal(p.firstFree(new Set(['10.0.0.200', '10.0.0.201'])), '10.0.0.202');
  assert.equal(parseLbPool('10.0.0.7/32').firstFree(new Set()), '10.0.0.7');
  assert.throws(() => parseLbPool('10.0.0.9-10.0.0.1'), /ends before it starts/);
  assert.throws(() => parseLbPool('10.0.0.300-10.0.0.301'), /no IPv4 address range/);
  assert.throws(() => parseLbPool('10.0.0.0/33'), /no IPv4 CIDR/);
  assert.throws(() => parseLbPool(' , '), /names no addresses/);
});

function harness(pool: string | undefined, initial: Service[]) {
  const client = createFakeClient(initial);
  const events: string[] = [];
  const recorder: EventRecorder = { event: (o, type, reason, msg) => void events.push(`${o.metadata?.name} ${type} ${reason} ${msg}`) };
  const ctx: ControllerContext = { client, informers: createInformerFactory(client), recorder: () => recorder, now: () => new Date() };
  const ac = new AbortController();
  const running = createServiceLbController(ctx, pool === undefined ? undefined : parseLbPool(pool)).run(ac.signal);
  const ipOf = async (name: string) => ((await client.get(R.services, 'default', name)) as Service).status?.loadBalancer?.ingress?.map((i) => i.ip).join(',') ?? '';
  return {
    client, events, ipOf,
    async stop() {
      ac.abort();
      client.closeWatches();
      await running;
    },
  };
}

const lb = (name: string, extra: Record<string, unknown> = {}) =>
  service(name, { type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP' }], ...extra }) as Service;

test('LoadBalancer Services get pool addresses; a full pool leaves one pending with an event until one is freed', async () => {
  const h = harness('10.9.0.200-10.9.0.201', [lb('a'), lb('b', { loadBalancerIP: '10.9.0.200' }), service('plain', { ports: [{ port: 80 }] }) as Service]);
  try {
    await waitFor(async () => (await h.ipOf('a')) && (await h.ipOf('b')), 'two addresses');
    assert.equal(await h.ipOf('b'), '10.9.0.200', 'loadBalancerIP honoured');
    assert.equal(await h.ipOf('a'), '10.9.0.201');
    const a = (await h.client.get(R.services, 'default', 'a')) as Service;
    assert.equal(a.status?.loadBalancer?.ingress?.[0].ipMode, 'VIP');
    assert.equal(await h.ipOf('plain'), '');

    await h.client.create(R.services, 'default', lb('c'));
    await waitFor(() => h.events.some((e) => e.startsWith('c Warning AllocationFailed') && e.includes('no available address in the pool 10.9.0.200-10.9.0.201')), 'pool-empty event');
    assert.equal(await h.ipOf('c'), '');

    // b stops being a LoadBalancer: its address is released and c gets it
    const b = (await h.client.get(R.services, 'default', 'b')) as Service;
    await h.client.update(R.services, 'default', { ...b, spec: { ...b.spec, type: 'ClusterIP', loadBalancerIP: undefined } });
    await waitFor(async () => (await h.ipOf('c')) === '10.9.0.200', 'c gets the freed address');
    assert.equal(await h.ipOf('b'), '', 'released');

    // deleting a frees its address for a new one
    await h.client.delete(R.services, 'default', 'a');
    await h.client.create(R.services, 'default', lb('d'));
    await waitFor(async () => (await h.ipOf('d')) === '10.9.0.201', 'd gets a\'s address');
    await settle();
    assert.equal(await h.ipOf('c'), '10.9.0.200', 'c kept its address');
  } finally {
    await h.stop();
  }
});

test('without a pool, or asking for an address outside it, the Service stays pending with a reason', async () => {
  const none = harness(undefined, [lb('a')]);
  try {
    await waitFor(() => none.events.some((e) => e.includes('no LoadBalancer address pool is configured')), 'no-pool event');
    assert.equal(await none.ipOf('a'), '');
  } finally {
    await none.stop();
  }
  const h = harness('10.9.0.0/29', [lb('x', { loadBalancerIP: '10.8.0.1' }), lb('other', { loadBalancerClass: 'example.com/lb' })]);
  try {
    await waitFor(() => h.events.some((e) => e.includes('requested loadBalancerIP 10.8.0.1 is not in the pool 10.9.0.0/29')), 'out-of-pool event');
    await settle();
    assert.equal(await h.ipOf('x'), '');
    assert.equal(await h.ipOf('other'), '', 'another loadBalancerClass is left to its controller');
  } finally {
    await h.stop();
  }
});
