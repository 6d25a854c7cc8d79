import { test } from 'node:test';
import assert from 'node:assert/strict';
import { networkCreateFromDocker } from './networks.ts';

test('a docker network create body becomes a NetworkCreateRequest; IPv6 pools are refused clearly', () => {
  assert.deepEqual(networkCreateFromDocker({
    Name: 'app', Driver: 'bridge', Internal: true, CheckDuplicate: true, Labels: { a: 'b' }, Options: { 'com.docker.network.bridge.name': 'br-app' },
    IPAM: { Driver: 'default', Config: [{ Subnet: '10.5.0.0/16', Gateway: '10.5.0.254', IPRange: '10.5.1.0/24' }] },
  }), {
    name: 'app', driver: 'bridge', subnet: '10.5.0.0/16', gateway: '10.5.0.254', ipRange: '10.5.1.0/24', internal: true, attachable: false,
    enableIPv6: false, labels: { a: 'b' }, options: { 'com.docker.network.bridge.name': 'br-app' },
  });
  assert.equal(networkCreateFromDocker({ Name: 'x' }).subnet, undefined);
  assert.throws(() => networkCreateFromDocker({}), /network name is required/);
  assert.throws(() => networkCreateFromDocker({ Name: 'x', IPAM: { Config: [{ Subnet: 'fd00::/64' }] } }), /IPv6 networks are not supported/);
  assert.throws(() => networkCreateFromDocker({ Name: 'x', Labels: { a: 1 } }), /Labels\.a: expected a string/);
});
