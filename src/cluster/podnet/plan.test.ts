import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from 'kubernetes-types/core/v1.js';
import { peersOf, planPodNetwork, routingKey, vtepOf, type Reach } from './plan.ts';

const node = (name: string, ip: string | undefined, podCIDR: string | undefined, mac?: string): Node => ({
  metadata: { name, annotations: mac ? { 'skiff.io/vxlan-mac': mac } : {} },
  spec: podCIDR ? { podCIDR } : {},
  status: { addresses: ip ? [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: name }] : [] },
});

test('peers: other nodes with an InternalIP and a podCIDR, by name', () => {
  const peers = peersOf([node('c', '10.0.1.3', '10.244.2.0/24'), node('self', '10.0.1.1', '10.244.0.0/24'), node('noip', undefined, '10.244.3.0/24'),
    node('nocidr', '10.0.1.4', undefined), node('b', '10.0.2.2', '10.244.1.0/24', 'aa:bb:cc:dd:ee:01')], 'self');
  assert.deepEqual(peers.map((p) => p.name), ['b', 'c']);
  assert.equal(peers[0].vxlanMac, 'aa:bb:cc:dd:ee:01');
});

test('plan: host-gw for direct peers, VXLAN (route via the VTEP, neighbour + FDB) for routed ones, the rest skipped with why', () => {
  const peers = peersOf([
    node('b', '10.0.2.2', '10.244.1.0/24', 'aa:bb:cc:dd:ee:01'), node('c', '10.0.1.3', '10.244.2.0/24'),
    node('d', '10.0.3.4', '10.244.3.0/24'), node('e', '10.9.9.9', '10.244.4.0/24'), node('twin', '10.0.1.9', '10.244.0.0/24'),
    node('here', '10.0.0.7', '10.244.5.0/24'),
  ], 'self');
  const reach = (ip: string): Reach => (ip.startsWith('10.0.1.') ? 'direct' : ip === '10.9.9.9' ? 'unreachable' : ip === '10.0.0.7' ? 'local' : 'routed');
  const plan = planPodNetwork(peers, reach, { ip: '10.0.1.1', podCIDR: '10.244.0.0/24' });
  assert.deepEqual(plan.routes, [{ dst: '10.244.1.0/24', via: '10.244.1.0', dev: 'skiff.1' }, { dst: '10.244.2.0/24', via: '10.0.1.3' }]);
  assert.deepEqual(plan.vxlan, [{ mac: 'aa:bb:cc:dd:ee:01', nodeIP: '10.0.2.2', vtep: '10.244.1.0' }]);
  assert.equal(plan.needsVxlan, true);
  assert.deepEqual(plan.skipped.map((s) => `${s.name}: ${s.why}`), [
    'd: it has not published its VXLAN MAC (skiff.io/vxlan-mac) yet', 'e: no route to its node IP 10.9.9.9', 'here: its node IP 10.0.0.7 is an address of this host', "twin: it has this node's pod CIDR 10.244.0.0/24",
  ]);
  assert.equal(vtepOf('10.244.7.0/24'), '10.244.7.0');
  assert.equal(planPodNetwork(peersOf([node('c', '10.0.1.3', '10.244.2.0/24')], 'self'), reach, { ip: '10.0.1.1', podCIDR: '10.244.0.0/24' }).needsVxlan, false);
});

test('routing key: a status beat leaves it alone; the node IP, pod CIDR and MAC change it', () => {
  const n = node('b', '10.0.2.2', '10.244.1.0/24', 'aa:bb:cc:dd:ee:01');
  const beat = { ...n, status: { ...n.status, conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2026-12-05T05:00:00Z' }] } };
  assert.equal(routingKey(beat), routingKey(n));
  assert.notEqual(routingKey(node('b', '10.0.2.3', '10.244.1.0/24', 'aa:bb:cc:dd:ee:01')), routingKey(n));
  assert.notEqual(routingKey(node('b', '10.0.2.2', '10.244.1.0/24', 'aa:bb:cc:dd:ee:02')), routingKey(n));
  assert.notEqual(routingKey(node('b', '10.0.2.2', '10.244.9.0/24', 'aa:bb:cc:dd:ee:01')), routingKey(n));
});
