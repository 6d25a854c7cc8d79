import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nftTableName, renderRuleset } from './nft.ts';

test('table names: skiff for the default root, a hash for private roots', () => {
  assert.equal(nftTableName('/var/lib/skiff/engine'), 'skiff');
  assert.match(nftTableName('/var/tmp/skiff-t-abc'), /^skiff_[0-9a-f]{8}$/);
  assert.notEqual(nftTableName('/a'), nftTableName('/b'));
});

test('ruleset: DNAT per published port, masquerade, networks kept apart', () => {
  const text = renderRuleset('skiff_t', [
    { bridge: 'skiff0', subnet: '10.99.0.0/16', internal: false },
    { bridge: 'sk-aaa', subnet: '10.100.0.0/24', internal: true, dnsAddress: '10.100.0.1' },
  ], [
    { hostIp: '127.0.0.1', hostPort: 18080, protocol: 'tcp', containerIp: '10.99.0.2', containerPort: 80 },
    { hostIp: '', hostPort: 5353, protocol: 'udp', containerIp: '10.99.0.3', containerPort: 53 },
  ]);
  assert.match(text, /^table ip skiff_t \{\}\nflush table ip skiff_t\n/);
  assert.match(text, /ip daddr 127\.0\.0\.1 tcp dport 18080 dnat to 10\.99\.0\.2:80/);
  assert.match(text, /\n    udp dport 5353 dnat to 10\.99\.0\.3:53/);
  assert.match(text, /ip saddr 10\.99\.0\.0\/16 oifname != "skiff0" masquerade/);
  // an internal network is not masqueraded out, and is cut off from the rest
  assert.doesNotMatch(text, /ip saddr 10\.100\.0\.0\/24 oifname != "sk-aaa" masquerade/);
  assert.match(text, /iifname "sk-aaa" oifname != "sk-aaa" drop/);
  assert.match(text, /iifname "skiff0" oifname \{ "sk-aaa" \} drop/);
  // the embedded resolver of a network answers that network only
  assert.match(text, /ip daddr 10\.100\.0\.1 udp dport 53 iifname != "sk-aaa" reject/);
  assert.ok(text.indexOf('ct status dnat accept') < text.indexOf('iifname "skiff0" oifname { "sk-aaa" } drop'));
});

test('ruleset: a pod network keeps its source address towards the cluster CIDR, and is masqueraded elsewhere', () => {
  const text = renderRuleset('skiff_t', [{ bridge: 'skpods0', subnet: '10.244.1.0/24', internal: false, keepSourceTo: '10.244.0.0/16' }], []);
  assert.match(text, /ip saddr 10\.244\.1\.0\/24 ip daddr != 10\.244\.0\.0\/16 oifname != "skpods0" masquerade/);
  assert.doesNotMatch(text, /ip saddr 10\.244\.1\.0\/24 oifname != "skpods0" masquerade/);
});
