// The cluster DNS over real sockets on loopback, fed by the fake API client: Service, headless, SRV, PTR, pod,
// ExternalName records, NXDOMAIN/NODATA with the SOA, forwarding through the cache, UDP truncation + TCP, the
// kube-dns EndpointSlice, and a change picked up from the watch.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { randomInt } from 'node:crypto';
import * as dnsPacket from 'dns-packet';
import { createFakeClient } from '../client/fake.ts';
import { R } from '../types/gvr.ts';
import type { KObject } from '../types/meta.ts';
import { frameTcp, readTcpMessages } from '../../lib/dns/index.ts';
import { startClusterDns, sliceName, type ClusterDns } from './index.ts';

const loopbackIp = () => `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(2, 255)}`;

function ask(addr: string, port: number, name: string, type: dnsPacket.RecordType, o: { edns?: number; tcp?: boolean } = {}): Promise<dnsPacket.DecodedPacket> {
  const q = dnsPacket.encode({
    type: 'query', id: randomInt(0, 65536), flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name, class: 'IN' }],
    ...(o.edns ? { additionals: [{ type: 'OPT', name: '.', udpPayloadSize: o.edns, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] } as dnsPacket.OptAnswer] } : {}),
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer for ${name} ${type}`)), 5000);
    const done = (raw: Buffer) => { clearTimeout(timer); resolve(dnsPacket.decode(raw)); };
    if (o.tcp) {
      const sock = net.connect({ host: addr, port }, () => sock.write(frameTcp(q)));
      readTcpMessages(sock, (m) => { sock.destroy(); done(m); });
      sock.on('error', reject);
      return;
    }
    const sock = dgram.createSocket('udp4');
    sock.on('message', (m) => { sock.close(); done(m); });
    sock.send(q, port, addr);
  });
}

const rcode = (p: dnsPacket.DecodedPacket) => (p.flags ?? 0) & 0xf;
const data = (p: dnsPacket.DecodedPacket, type: string) => (p.answers ?? []).filter((a) => a.type === type).map((a) => (a as { data: unknown }).data);

function svc(ns: string, name: string, spec: object): KObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace: ns, name }, spec } as KObject;
}
function slice(ns: string, svcName: string, name: string, endpoints: object[], ports: object[]): KObject {
  return { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { namespace: ns, name, labels: { 'kubernetes.io/service-name': svcName } }, addressType: 'IPv4', endpoints, ports } as KObject;
}

// an upstream on loopback that knows example.test (and a big TXT set) and counts what it was asked
const upstreamAddr = loopbackIp();
const asked: string[] = [];
const upstream = dgram.createSocket('udp4');
upstream.on('message', (msg, rinfo) => {
  const q = dnsPacket.decode(msg);
  const qn = q.questions![0];
  asked.push(`${qn.name} ${qn.type}`);
  const answers: dnsPacket.Answer[] = qn.name === 'example.test' && qn.type === 'A' ? [{ type: 'A', name: qn.name, ttl: 60, data: '192.0.2.7' }] : [];
  const rc = qn.name === 'example.test' ? 0 : 3;
  upstream.send(dnsPacket.encode({ type: 'response', id: q.id, flags: dnsPacket.RECURSION_AVAILABLE | rc, questions: q.questions, answers,
    authorities: answers.length ? [] : [{ type: 'SOA', name: 'test', ttl: 60, data: { mname: 'ns.test', rname: 'h.test', serial: 1, refresh: 1, retry: 1, expire: 1, minimum: 30 } }] }), rinfo.port, rinfo.address);
});
await new Promise<void>((ok) => upstream.bind(53, upstreamAddr, ok));

const headlessEndpoints = Array.from({ length: 60 }, (_, i) => ({ addresses: [`10.244.1.${i + 10}`], conditions: { ready: true }, ...(i === 0 ? { hostname: 'web-0' } : {}) }));
const client = createFakeClient([
  { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } } as KObject,
  svc('default', 'web', { type: 'ClusterIP', clusterIP: '10.43.5.5', clusterIPs: ['10.43.5.5'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { port: 81 }] }),
  slice('default', 'web', 'web-abc', [{ addresses: ['10.244.1.5'], conditions: { ready: true } }], [{ name: 'http', port: 8080, protocol: 'TCP' }]),
  svc('default', 'db', { clusterIP: 'None', clusterIPs: ['None'], ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] }),
  slice('default', 'db', 'db-1', [
    { addresses: ['10.244.1.6'], hostname: 'db-0', conditions: { ready: true } },
    { addresses: ['10.244.1.7'], conditions: { ready: true } },
    { addresses: ['10.244.1.8'], conditions: { ready: false } },
  ], [{ name: 'pg', port: 5432, protocol: 'TCP' }]),
  svc('default', 'big', { clusterIP: 'None', clusterIPs: ['None'] }),
  slice('default', 'big', 'big-1', headlessEndpoints, []),
  svc('other', 'ext', { type: 'ExternalName', externalName: 'example.test' }),
  svc('other', 'alias', { type: 'ExternalName', externalName: 'web.default.svc.cluster.local' }),
]);
const listenAddr = loopbackIp();
const stop = new AbortController();
const dns: ClusterDns = startClusterDns({ client, nodeName: 'n1', address: listenAddr, port: 0, upstreams: [upstreamAddr], signal: stop.signal });
await dns.ready;
const port = dns.port()!;
after(async () => {
  await dns.close();
  stop.abort();
  upstream.close();
});

test('a Service: A by FQDN (case-insensitive, trailing dot), AAAA is NODATA, SRV for its named port', async () => {
  const a = await ask(listenAddr, port, 'WEB.default.svc.cluster.local.', 'A');
  assert.equal(rcode(a), 0);
  assert.ok(a.flag_aa);
  assert.deepEqual(data(a, 'A'), ['10.43.5.5']);
  assert.equal((a.answers![0] as { ttl?: number }).ttl, 5);
  const aaaa = await ask(listenAddr, port, 'web.default.svc.cluster.local', 'AAAA');
  assert.equal(rcode(aaaa), 0);
  assert.deepEqual(aaaa.answers, []);
  assert.equal(aaaa.authorities?.[0]?.type, 'SOA', 'NODATA carries the SOA');
  const srv = await ask(listenAddr, port, '_http._tcp.web.default.svc.cluster.local', 'SRV');
  assert.deepEqual(data(srv, 'SRV').map((d) => [(d as dnsPacket.SrvData).port, (d as dnsPacket.SrvData).target]), [[80, 'web.default.svc.cluster.local']]);
  assert.deepEqual((srv.additionals ?? []).filter((r) => r.type === 'A').map((r) => (r as { data: string }).data), ['10.43.5.5']);
});

test('a headless Service: every ready endpoint, hostname and dashed names, SRV per endpoint', async () => {
  const a = await ask(listenAddr, port, 'db.default.svc.cluster.local', 'A');
  assert.deepEqual(data(a, 'A').sort(), ['10.244.1.6', '10.244.1.7']);
  assert.deepEqual(data(await ask(listenAddr, port, 'db-0.db.default.svc.cluster.local', 'A'), 'A'), ['10.244.1.6']);
  assert.deepEqual(data(await ask(listenAddr, port, '10-244-1-7.db.default.svc.cluster.local', 'A'), 'A'), ['10.244.1.7']);
  assert.equal(rcode(await ask(listenAddr, port, '10-244-1-8.db.default.svc.cluster.local', 'A')), 3, 'a not-ready endpoint has no name');
  const srv = await ask(listenAddr, port, '_pg._tcp.db.default.svc.cluster.local', 'SRV');
  assert.deepEqual(data(srv, 'SRV').map((d) => (d as dnsPacket.SrvData).target).sort(), ['10-244-1-7.db.default.svc.cluster.local', 'db-0.db.default.svc.cluster.local']);
});

test('PTR for ClusterIPs and endpoints; pod names; NXDOMAIN and NODATA with the SOA', async () => {
  assert.deepEqual(data(await ask(listenAddr, port, '5.5.43.10.in-addr.arpa', 'PTR'), 'PTR'), ['web.default.svc.cluster.local']);
  assert.deepEqual(data(await ask(listenAddr, port, '6.1.244.10.in-addr.arpa', 'PTR'), 'PTR'), ['db-0.db.default.svc.cluster.local']);
  assert.deepEqual(data(await ask(listenAddr, port, '1-2-3-4.default.pod.cluster.local', 'A'), 'A'), ['1.2.3.4']);
  const nx = await ask(listenAddr, port, 'nope.default.svc.cluster.local', 'A');
  assert.equal(rcode(nx), 3);
  assert.equal(nx.authorities?.[0]?.type, 'SOA');
  assert.equal(rcode(await ask(listenAddr, port, 'google.com.default.svc.cluster.local', 'A')), 3, 'search-path misses end here, not upstream');
  const ent = await ask(listenAddr, port, 'default.svc.cluster.local', 'A');
  assert.equal(rcode(ent), 0, 'a namespace with Services exists (NODATA)');
  assert.deepEqual(ent.answers, []);
  assert.ok(!asked.some((n) => n.includes('cluster.local')), 'the zone is never forwarded');
});

test('ExternalName: a CNAME, followed outside the zone through the upstreams and inside from the records', async () => {
  const ext = await ask(listenAddr, port, 'ext.other.svc.cluster.local', 'A');
  assert.deepEqual(ext.answers!.map((a) => [a.type, (a as { data: unknown }).data]), [['CNAME', 'example.test'], ['A', '192.0.2.7']]);
  const alias = await ask(listenAddr, port, 'alias.other.svc.cluster.local', 'A');
  assert.deepEqual(alias.answers!.map((a) => [a.type, (a as { data: unknown }).data]), [['CNAME', 'web.default.svc.cluster.local'], ['A', '10.43.5.5']]);
});

test('other names are forwarded, with a cache (NXDOMAIN cached too)', async () => {
  const before = asked.length;
  for (let i = 0; i < 3; i++) assert.deepEqual(data(await ask(listenAddr, port, 'example.test', 'A'), 'A'), ['192.0.2.7']);
  for (let i = 0; i < 2; i++) assert.equal(rcode(await ask(listenAddr, port, 'missing.test', 'A')), 3);
  // example.test A was asked once by the CNAME test already: at most one more ask, and one for missing.test
  assert.ok(asked.length - before <= 2, `upstream asked ${asked.length - before} times: ${asked.slice(before)}`);
});

test('too big for UDP: truncated; over TCP or with EDNS (1232) the whole answer, names compressed', async () => {
  const udp = await ask(listenAddr, port, 'big.default.svc.cluster.local', 'A');
  assert.ok(udp.flag_tc, '60 A records do not fit in 512 bytes');
  assert.deepEqual(udp.answers, []);
  assert.equal(data(await ask(listenAddr, port, 'big.default.svc.cluster.local', 'A', { tcp: true }), 'A').length, 60);
  const edns = await ask(listenAddr, port, 'big.default.svc.cluster.local', 'A', { edns: 1232 });
  assert.ok(!edns.flag_tc);
  assert.equal(data(edns, 'A').length, 60);
});

test('publishes kube-system/kube-dns-<node>, follows Service changes from the watch', async () => {
  const slices = client.objects(R.endpointslices).filter((s) => s.metadata?.name === sliceName('n1'));
  assert.equal(slices.length, 1);
  const s = slices[0] as KObject & { endpoints: { addresses: string[]; nodeName: string; conditions: { ready: boolean } }[]; ports: { name: string; protocol: string }[] };
  assert.deepEqual([s.metadata?.namespace, s.metadata?.labels?.['kubernetes.io/service-name'], s.metadata?.labels?.['endpointslice.kubernetes.io/managed-by']], ['kube-system', 'kube-dns', 'skiff-agent']);
  assert.deepEqual([s.endpoints[0].addresses, s.endpoints[0].nodeName, s.endpoints[0].conditions.ready], [[listenAddr], 'n1', true]);
  assert.deepEqual(s.ports.map((p) => `${p.name}/${p.protocol}`), ['dns/UDP', 'dns-tcp/TCP']);
  assert.equal(s.metadata?.ownerReferences?.[0]?.kind, 'Node');

  await client.create(R.services, 'default', svc('default', 'late', { clusterIP: '10.43.9.9', clusterIPs: ['10.43.9.9'] }));
  await client.delete(R.services, 'default', 'web');
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && (dns.index.lookup('late.default.svc.cluster.local') === undefined || dns.index.lookup('web.default.svc.cluster.local'))) await new Promise((ok) => setTimeout(ok, 20));
  assert.deepEqual(data(await ask(listenAddr, port, 'late.default.svc.cluster.local', 'A'), 'A'), ['10.43.9.9']);
  assert.equal(rcode(await ask(listenAddr, port, 'web.default.svc.cluster.local', 'A')), 3);
  assert.equal(rcode(await ask(listenAddr, port, '5.5.43.10.in-addr.arpa', 'PTR')), 3, 'the PTR went with it (forwarded: upstream says NXDOMAIN)');
});

test('close withdraws the EndpointSlice', async () => {
  await dns.close();
  assert.equal(client.objects(R.endpointslices).filter((s) => s.metadata?.name === sliceName('n1')).length, 0);
});
