import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultBridgeRecord, filterNetworks, newNetworkRecord, parseAddressPool, predefinedRecord, pruneCandidates } from './records.ts';
import { parseCidr } from './subnet.ts';

const id = (c: string) => c.repeat(64);
const now = '2026-01-01T00:00:00Z';
const base = [defaultBridgeRecord(id('a'), now, 'skiff0', '10.99.0.1/16'), predefinedRecord(id('b'), now, 'host'), predefinedRecord(id('c'), now, 'none')];

test('the default bridge comes from --bridge/--bip', () => {
  const b = base[0];
  assert.deepEqual(b.IPAM.Config, [{ Subnet: '10.99.0.0/16', Gateway: '10.99.0.1' }]);
  assert.equal(b.Options['com.docker.network.bridge.name'], 'skiff0');
  assert.throws(() => defaultBridgeRecord(id('a'), now, 'a-very-long-bridge-name', '10.99.0.1/16'), /longer than 15/);
});

test('a user network gets a free /24 that avoids our subnets and the host routes', () => {
  const n = newNetworkRecord({ name: 'app' }, id('d'), now, base, [parseCidr('10.100.0.0/24')]);
  assert.deepEqual(n.IPAM.Config, [{ Subnet: '10.100.1.0/24', Gateway: '10.100.1.1' }]);
  const m = newNetworkRecord({ name: 'db', subnet: '172.30.0.0/16', gateway: '172.30.5.5', ipRange: '172.30.1.0/24', internal: true, labels: { a: 'b' } }, id('e'), now, [...base, n], []);
  assert.deepEqual(m.IPAM.Config, [{ Subnet: '172.30.0.0/16', Gateway: '172.30.5.5', IPRange: '172.30.1.0/24' }]);
  assert.equal(m.Internal, true);
});

test('bad create requests are refused in docker\'s words', () => {
  const n = newNetworkRecord({ name: 'app', subnet: '10.50.0.0/24' }, id('d'), now, base, []);
  const all = [...base, n];
  assert.throws(() => newNetworkRecord({ name: 'app' }, id('f'), now, all, []), /network with name app already exists/);
  assert.throws(() => newNetworkRecord({ name: 'x', subnet: '10.50.0.0/16' }, id('f'), now, all, []), /Pool overlaps with other one on this address space/);
  assert.throws(() => newNetworkRecord({ name: 'x', subnet: '10.51.0.0/24', gateway: '10.52.0.1' }, id('f'), now, all, []), /no matching subnet for gateway 10\.52\.0\.1/);
  assert.throws(() => newNetworkRecord({ name: 'x', subnet: '10.51.0.0/24', ipRange: '10.51.0.0/16' }, id('f'), now, all, []), /no matching subnet for range/);
  assert.throws(() => newNetworkRecord({ name: 'x', gateway: '10.51.0.1' }, id('f'), now, all, []), /every ip-range or gateway must have a corresponding subnet/);
  assert.throws(() => newNetworkRecord({ name: 'x', driver: 'overlay' }, id('f'), now, all, []), /plugin "overlay" not found/);
  assert.throws(() => newNetworkRecord({ name: 'x', driver: 'host' }, id('f'), now, all, []), /only one instance of "host" network is allowed/);
});

test('network ls filters: type, driver, label, dangling', () => {
  const n = newNetworkRecord({ name: 'app', labels: { team: 'blue' } }, id('d'), now, base, []);
  const all = [...base, n];
  const names = (f: Record<string, string[]>, used = 0) => filterNetworks(all, f, () => used).map((x) => x.Name);
  assert.deepEqual(names({ type: ['custom'] }), ['app']);
  assert.deepEqual(names({ type: ['builtin'] }), ['bridge', 'host', 'none']);
  assert.deepEqual(names({ driver: ['null'] }), ['none']);
  assert.deepEqual(names({ label: ['team=blue'] }), ['app']);
  assert.deepEqual(names({ dangling: ['true'] }), ['app']);
  assert.deepEqual(names({ dangling: ['true'] }, 1), []);
  assert.throws(() => names({ bogus: ['x'] }), /invalid filter 'bogus'/);
});

test('network prune filters: label and label! as docker\'s matchLabels; ls-only keys refused', () => {
  const keep = newNetworkRecord({ name: 'keep', labels: { keep: '1', team: 'blue' } }, id('e'), now, base, []);
  const blue = newNetworkRecord({ name: 'blue', labels: { team: 'blue' } }, id('f'), now, base, []);
  const bare = newNetworkRecord({ name: 'bare' }, id('a1'), now, base, []);
  const names = (f: Record<string, string[]>) => pruneCandidates([keep, blue, bare], f).map((x) => x.Name);
  assert.deepEqual(names({}), ['keep', 'blue', 'bare']);
  assert.deepEqual(names({ 'label!': ['keep'] }), ['blue', 'bare']);
  assert.deepEqual(names({ 'label!': ['keep=2'] }), ['keep', 'blue', 'bare']);
  assert.deepEqual(names({ label: ['team=blue'], 'label!': ['keep'] }), ['blue']);
  assert.deepEqual(names({ until: ['1h'] }), ['keep', 'blue', 'bare']);
  assert.throws(() => names({ name: ['keep'] }), /invalid filter 'name'/);
});

test('--default-address-pool: user networks without --subnet get theirs from it; bad specs are refused', () => {
  const pool = parseAddressPool('base=10.130.64.0/19, size=26');
  assert.deepEqual(pool, { base: '10.130.64.0/19', size: 26 });
  const first = newNetworkRecord({ name: 'a' } as never, 'id1', 'now', [], [], pool);
  assert.equal(first.IPAM.Config[0].Subnet, '10.130.64.0/26');
  const second = newNetworkRecord({ name: 'b' } as never, 'id2', 'now', [first], [parseCidr('10.130.64.64/26')], pool);
  assert.equal(second.IPAM.Config[0].Subnet, '10.130.64.128/26');
  assert.throws(() => parseAddressPool('size=24'), /base=CIDR is required/);
  assert.throws(() => parseAddressPool('base=10.0.0.0/16,size=8'), /size must be a prefix length between 16 and 30/);
  assert.throws(() => parseAddressPool('base=10.0.0.0/16,sise=24'), /unknown field "sise"/);
  assert.throws(() => parseAddressPool('base=nonsense,size=24'), /--default-address-pool base=nonsense,size=24/);
});
