import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cidrContains, findFreeSubnet, firstHost, formatCidr, intToIp, ipToInt, isHostOf, isIPv4, overlaps, parseCidr } from './subnet.ts';

test('addresses round-trip and bad ones are refused', () => {
  assert.equal(intToIp(ipToInt('10.99.0.1')), '10.99.0.1');
  assert.equal(intToIp(ipToInt('255.255.255.255')), '255.255.255.255');
  assert.equal(isIPv4('10.0.0.256'), false);
  assert.equal(isIPv4('10.0.0'), false);
  assert.equal(isIPv4('01.0.0.1'), false);
  assert.throws(() => parseCidr('10.0.0.0/33'), /invalid CIDR address/);
  assert.throws(() => parseCidr('10.0.0.0'), /invalid CIDR address/);
});

test('a subnet drops host bits; overlap and containment', () => {
  assert.equal(formatCidr(parseCidr('10.99.0.1/16')), '10.99.0.0/16');
  const a = parseCidr('10.1.0.0/16');
  assert.ok(overlaps(a, parseCidr('10.1.200.0/24')));
  assert.ok(overlaps(parseCidr('10.0.0.0/8'), a));
  assert.ok(!overlaps(a, parseCidr('10.2.0.0/24')));
  assert.ok(cidrContains(a, ipToInt('10.1.255.255')));
  assert.ok(!isHostOf(a, ipToInt('10.1.255.255')));
  assert.ok(!isHostOf(a, ipToInt('10.1.0.0')));
  assert.ok(isHostOf(a, ipToInt('10.1.0.7')));
  assert.equal(firstHost(parseCidr('172.20.0.0/16')), '172.20.0.1');
});

test('a free /24 skips taken subnets and host routes', () => {
  const pool = parseCidr('10.100.0.0/14');
  assert.equal(formatCidr(findFreeSubnet(pool, 24, [])!), '10.100.0.0/24');
  const taken = [parseCidr('10.100.0.0/24'), parseCidr('10.100.1.0/25'), parseCidr('10.100.2.128/32')];
  assert.equal(formatCidr(findFreeSubnet(pool, 24, taken)!), '10.100.3.0/24');
  assert.equal(findFreeSubnet(pool, 24, [parseCidr('10.0.0.0/8')]), undefined);
  assert.equal(formatCidr(findFreeSubnet(pool, 24, [parseCidr('10.100.0.0/15')])!), '10.102.0.0/24');
});
