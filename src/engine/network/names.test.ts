import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoint, NetworkRecord } from '../types.ts';
import { resolveName, resolvePtr, upstreamsOf } from './names.ts';

const net = (id: string, name: string, gw: string) => ({ Id: id, Name: name, Driver: 'bridge', IPAM: { Config: [{ Subnet: '', Gateway: gw }] } }) as unknown as NetworkRecord;
const ep = (networkId: string, ip: string, dnsNames: string[]) => ({ networkId, ipv4Address: ip, dnsNames }) as unknown as Endpoint;

const src = {
  networks: [net('n1', 'app', '10.100.0.1'), net('n2', 'other', '10.100.1.1')],
  endpoints: [
    ep('n1', '10.100.0.2', ['db', 'database', '0123456789ab']),
    ep('n1', '10.100.0.3', ['web', 'database', 'ba9876543210']),
    ep('n2', '10.100.1.2', ['db', 'fedcba987654']),
  ],
};

test('names, aliases and short ids resolve on their own network only', () => {
  assert.deepEqual(resolveName(src, 'db', '10.100.0.1'), ['10.100.0.2']);
  assert.deepEqual(resolveName(src, 'DB.', '10.100.1.1'), ['10.100.1.2']);
  assert.deepEqual(resolveName(src, 'database', '10.100.0.1'), ['10.100.0.2', '10.100.0.3']);
  assert.deepEqual(resolveName(src, '0123456789ab', '10.100.0.1'), ['10.100.0.2']);
  assert.deepEqual(resolveName(src, 'web.app', '10.100.0.1'), ['10.100.0.3']);
  assert.equal(resolveName(src, 'web', '10.100.1.1'), undefined);
  assert.equal(resolveName(src, 'example.com', '10.100.0.1'), undefined);
  assert.equal(resolveName(src, 'db', '10.99.0.1'), undefined);
});

test('PTR answers container.network; upstreams come from resolv.conf', () => {
  assert.equal(resolvePtr(src, '10.100.0.3', '10.100.0.1'), 'web.app');
  assert.equal(resolvePtr(src, '10.100.0.3', '10.100.1.1'), undefined);
  assert.deepEqual(upstreamsOf('# x\nnameserver 127.0.0.53\nnameserver 10.255.255.53\nsearch a\n'), ['127.0.0.53', '10.255.255.53']);
});
