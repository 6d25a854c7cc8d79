import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressIn, clusterCidrCandidates, firstFree, linkCandidates, overlaps, podCidrOf, serviceCidrCandidates } from './layout.ts';

test('node K gets the (K-1)th /24 of the cluster CIDR, and no more than fit', () => {
  assert.equal(podCidrOf('10.244.0.0/16', 1), '10.244.0.0/24');
  assert.equal(podCidrOf('10.244.0.0/16', 3), '10.244.2.0/24');
  assert.equal(podCidrOf('10.244.0.0/16', 256), '10.244.255.0/24');
  assert.throws(() => podCidrOf('10.244.0.0/16', 257), /no \/24 left/);
  assert.throws(() => podCidrOf('10.244.0.0/25', 1), /smaller than one \/24/);
});

test('subnets are picked around what the host routes', () => {
  assert.ok(overlaps('10.244.0.0/16', '10.244.7.0/24'));
  assert.ok(!overlaps('10.244.0.0/16', '10.245.0.0/24'));
  assert.ok(overlaps('0.0.0.0/0', '10.1.2.0/24'));
  assert.equal(firstFree(clusterCidrCandidates(), ['10.244.3.0/24', '192.0.2.0/24'], 'cidr'), '10.245.0.0/16');
  const first = linkCandidates('abcdef').next().value!;
  assert.match(first, /^10\.(2[0-3]\d)\.\d+\.0\/24$/);
  assert.notEqual(firstFree(linkCandidates('abcdef'), [first], 'link'), first);
  assert.throws(() => firstFree(clusterCidrCandidates(), ['10.0.0.0/8'], 'cluster CIDR'), /no free cluster CIDR/);
  assert.equal(addressIn('10.230.4.0/24', 3), '10.230.4.3');
});

test('service ranges: 10.43.0.0/16 first, the next /16 when another cluster holds it, none overlapping the link or cluster CIDRs', () => {
  assert.equal(firstFree(serviceCidrCandidates(), [], 'service range'), '10.43.0.0/16');
  assert.equal(firstFree(serviceCidrCandidates(), ['10.43.0.0/16', '10.44.0.0/16'], 'service range'), '10.45.0.0/16');
  for (const c of serviceCidrCandidates()) assert.ok(!overlaps(c, '10.200.0.0/13') && !overlaps(c, '10.244.0.0/14') && !overlaps(c, '10.99.0.0/16'), c);
});
