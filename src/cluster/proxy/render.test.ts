// The rendered rules in a real kernel (a scratch network namespace): the whole table loads, and every
// incremental transaction leaves exactly what writing the whole table for the new state leaves.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { runProgram } from '../../lib/spawn.ts';
import type { ServicePortModel } from './model.ts';
import { renderService, renderTable, type ProxyConfig, type ServiceRules } from './render.ts';
import { diffService, emptyTransaction, transactionText } from './transaction.ts';

const netns = `skiff-proxy-test-${randomBytes(3).toString('hex')}`;
const cfg: ProxyConfig = { table: 'proxytest', podCIDR: '10.244.1.0/24', nodeIPs: ['10.0.9.2'] };

async function nftIn(args: string[], input?: string): Promise<string> {
  const r = await runProgram('/usr/sbin/ip', ['netns', 'exec', netns, '/usr/sbin/nft', ...args], { input, timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`nft ${args.join(' ')}: ${r.stderr}\n${input ?? ''}`);
  return r.stdout;
}
/** the table as the kernel has it, lines sorted (element order within a set is the kernel's) */
const listing = async () => (await nftIn(['list', 'table', 'ip', cfg.table])).split('\n').map((l) => l.trim()).filter(Boolean).sort().join('\n');

before(async () => {
  const r = await runProgram('/usr/sbin/ip', ['netns', 'add', netns]);
  assert.equal(r.code, 0, r.stderr);
});
after(async () => {
  await runProgram('/usr/sbin/ip', ['netns', 'del', netns]);
});

const port = (over: Partial<ServicePortModel>): ServicePortModel => ({
  id: 'ns/web/tcp/http', protocol: 'tcp', port: 80, clusterIPs: ['10.43.0.5'], externalIPs: [], internalLocal: false, externalLocal: false,
  clusterEndpoints: [], localEndpoints: [], ...over,
});
const e = (ip: string, local = false) => ({ ip, port: 8080, local });

const states: Array<Record<string, ServicePortModel[]>> = [
  { web: [port({ clusterEndpoints: [e('10.244.1.5', true), e('10.244.2.5')], localEndpoints: [e('10.244.1.5', true)], nodePort: 30080 })], dns: [port({ id: 'kube-system/dns/udp/dns', protocol: 'udp', port: 53, clusterIPs: ['10.43.0.10'] })] },
  // an endpoint swapped, affinity on, Local external policy, a LoadBalancer address; dns gets its endpoint
  { web: [port({ clusterEndpoints: [e('10.244.1.5', true), e('10.244.2.6')], localEndpoints: [e('10.244.1.5', true)], nodePort: 30080, affinitySeconds: 60, externalLocal: true, externalIPs: ['10.0.9.200'] })], dns: [port({ id: 'kube-system/dns/udp/dns', protocol: 'udp', port: 53, clusterIPs: ['10.43.0.10'], clusterEndpoints: [e('10.244.1.1', true)], localEndpoints: [e('10.244.1.1', true)], internalLocal: true })] },
  // affinity timeout changed, a second port; dns gone
  { web: [port({ clusterEndpoints: [e('10.244.2.6')], nodePort: 30080, affinitySeconds: 30 }), port({ id: 'ns/web/tcp/admin', port: 81, clusterEndpoints: [e('10.244.2.6')] })] },
  // no endpoints at all: the reject maps
  { web: [port({ nodePort: 30080 }), port({ id: 'ns/web/tcp/admin', port: 81 })] },
];

const rulesOf = (s: Record<string, ServicePortModel[]>) => new Map(Object.entries(s).map(([k, ports]) => [k, renderService(ports, cfg)]));

test('each incremental transaction leaves what the whole table for that state holds', async () => {
  let applied = new Map<string, ServiceRules>();
  await nftIn(['-f', '-'], renderTable(cfg, []));
  for (const [i, s] of states.entries()) {
    const next = rulesOf(s);
    const tx = emptyTransaction();
    for (const key of new Set([...applied.keys(), ...next.keys()])) diffService(tx, cfg.table, applied.get(key), next.get(key));
    await nftIn(['-f', '-'], transactionText(tx));
    const incremental = await listing();
    await nftIn(['-f', '-'], renderTable(cfg, next.values()));
    assert.equal(incremental, await listing(), `state ${i}`);
    applied = next;
  }
  const text = await nftIn(['list', 'table', 'ip', cfg.table]);
  assert.match(text, /10\.43\.0\.5 \. tcp \. 80 : goto reject-chain/);
  assert.match(text, /tcp \. 30080 : goto reject-chain/);
  // nothing changed: nothing to send
  const tx = emptyTransaction();
  for (const [k, r] of applied) diffService(tx, cfg.table, r, r);
  assert.equal(transactionText(tx), '');
});

test('NodePorts on the node\'s addresses, not loopback', () => {
  const text = renderTable({ ...cfg, nodeIPs: ['127.0.0.1', '10.0.9.2'] }, []);
  assert.match(text, /add element ip proxytest nodeport-ips \{ 10\.0\.9\.2 \}/);
  assert.doesNotMatch(text, /127\.0\.0\.1/);
});

test('the layout: dispatch by address, DNAT in the service chain (per endpoint with affinity), hairpin mark, Local policy short-circuits pods', () => {
  const r = renderService(states[1].web, cfg);
  const chains = [...r.chains.keys()];
  assert.ok(chains.some((c) => /^service-[A-Z2-7]{8}-ns\/web\/tcp\/http$/.test(c)), chains.join(' '));
  const ext = [...r.chains].find(([c]) => c.startsWith('external-'))![1];
  assert.deepEqual(ext.slice(0, 1), [`ip saddr 10.244.1.0/24 goto ${chains.find((c) => c.startsWith('service-'))}`]);
  assert.ok(ext.at(-1)!.startsWith('goto local-'));
  const endpoint = [...r.chains].find(([c]) => c.includes('__10.244.2.6/8080'))![1];
  assert.deepEqual(endpoint[0], 'ip saddr 10.244.2.6 jump mark-for-masquerade');
  assert.equal(endpoint.at(-1), 'meta l4proto tcp dnat to 10.244.2.6:8080');
  assert.ok([...r.elements.values()].some((x) => x.map === 'service-ips' && x.key === '10.0.9.200 . tcp . 80'));
  // without affinity: no chain per endpoint, the service chain DNATs
  const plain = renderService(states[0].web, cfg);
  assert.equal([...plain.chains.keys()].filter((c) => c.startsWith('endpoint-')).length, 0);
  assert.deepEqual([...plain.chains].find(([c]) => c.startsWith('service-'))![1], [
    'ip saddr { 10.244.1.5, 10.244.2.5 } jump mark-for-masquerade',
    'meta l4proto tcp dnat ip to numgen random mod 2 map { 0 : 10.244.1.5 . 8080, 1 : 10.244.2.5 . 8080 }',
  ]);
});
