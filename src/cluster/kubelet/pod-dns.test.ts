// The pod's resolv.conf by dnsPolicy (kubelet's dns.GetPodDNS): ClusterFirst, hostNetwork, ClusterFirstWithHostNet,
// Default, None, dnsConfig merged, no cluster DNS configured, and the resolver limits.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { podDns, type DnsSettings } from './sandbox.ts';

const dir = mkdtempSync(join(tmpdir(), 'skiff-pod-dns-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const hostConf = join(dir, 'resolv.conf');
writeFileSync(hostConf, '# the node\nnameserver 10.0.0.53\nnameserver 10.0.0.54\nsearch corp.example lab.example\noptions timeout:2 attempts:3\n');
const cluster: DnsSettings = { resolvConf: hostConf, clusterDNS: ['10.43.0.10'], clusterDomain: 'cluster.local' };
const pod = (spec: Pod['spec'] = { containers: [] }, ns = 'shop'): Pod => ({ metadata: { name: 'p', namespace: ns }, spec });
const host = { servers: ['10.0.0.53', '10.0.0.54'], searches: ['corp.example', 'lab.example'], options: ['timeout:2', 'attempts:3'] };

test('ClusterFirst (the default): the cluster DNS, the namespace search path before the node\'s, ndots:5', async () => {
  assert.deepEqual(await podDns(pod(), cluster), {
    servers: ['10.43.0.10'], searches: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example', 'lab.example'], options: ['ndots:5'],
  });
  const other = await podDns(pod({ containers: [] }, 'default'), { ...cluster, clusterDomain: 'k.test' });
  assert.deepEqual(other.searches.slice(0, 3), ['default.svc.k.test', 'svc.k.test', 'k.test']);
});

test('host network: ClusterFirst falls back to the node\'s file, ClusterFirstWithHostNet keeps the cluster DNS', async () => {
  assert.deepEqual(await podDns(pod({ containers: [], hostNetwork: true }), cluster), host);
  assert.deepEqual((await podDns(pod({ containers: [], hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }), cluster)).servers, ['10.43.0.10']);
  assert.deepEqual(await podDns(pod({ containers: [], dnsPolicy: 'ClusterFirstWithHostNet' }), cluster).then((r) => r.options), ['ndots:5']);
});

test('Default is the node\'s file; no cluster DNS configured: ClusterFirst gets the node\'s too', async () => {
  assert.deepEqual(await podDns(pod({ containers: [], dnsPolicy: 'Default' }), cluster), host);
  assert.deepEqual(await podDns(pod(), { ...cluster, clusterDNS: [] }), host);
});

test('None: only dnsConfig; dnsConfig merges into the others (duplicates dropped, options by name replaced)', async () => {
  const dnsConfig = { nameservers: ['192.0.2.1'], searches: ['a.example', 'shop.svc.cluster.local'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] };
  assert.deepEqual(await podDns(pod({ containers: [], dnsPolicy: 'None', dnsConfig }), cluster), { servers: ['192.0.2.1'], searches: ['a.example', 'shop.svc.cluster.local'], options: ['ndots:2', 'edns0'] });
  const merged = await podDns(pod({ containers: [], dnsConfig }), cluster);
  assert.deepEqual(merged.servers, ['10.43.0.10', '192.0.2.1']);
  assert.deepEqual(merged.searches, ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example', 'lab.example', 'a.example']);
  assert.deepEqual(merged.options, ['ndots:2', 'edns0']);
});

test('the kubelet\'s limits: 3 nameservers, 32 search domains, 2048 characters of them', async () => {
  const many = { nameservers: ['192.0.2.1', '192.0.2.2', '192.0.2.3'], searches: Array.from({ length: 40 }, (_, i) => `d${i}.example`) };
  const r = await podDns(pod({ containers: [], dnsConfig: many }), cluster);
  assert.deepEqual(r.servers, ['10.43.0.10', '192.0.2.1', '192.0.2.2']);
  assert.equal(r.searches.length, 32);
  const long = { searches: Array.from({ length: 20 }, (_, i) => `${'x'.repeat(200)}.d${i}.example`) };
  const l = await podDns(pod({ containers: [], dnsPolicy: 'None', dnsConfig: long }), cluster);
  assert.ok(l.searches.join(' ').length <= 2048 && l.searches.length === 9, `${l.searches.length} searches, ${l.searches.join(' ').length} chars`);
});
