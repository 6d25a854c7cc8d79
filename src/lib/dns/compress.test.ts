// Name compression: the message reads back the same, smaller; names inside rdata (CNAME, PTR, SRV, SOA, MX, NS)
// are compressed too; the original case is kept; what it cannot read comes back unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dnsPacket from 'dns-packet';
import { compressMessage } from './compress.ts';

const packet: dnsPacket.Packet = {
  type: 'response', id: 4242, flags: dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.RECURSION_DESIRED,
  questions: [{ type: 'SRV', name: '_http._tcp.Web.default.svc.cluster.local', class: 'IN' }],
  answers: [
    ...[1, 2, 3].map((i) => ({ type: 'SRV' as const, name: '_http._tcp.Web.default.svc.cluster.local', ttl: 5, class: 'IN' as const, data: { priority: 0, weight: 33, port: 8080, target: `10-244-1-${i}.web.default.svc.cluster.local` } })),
    { type: 'CNAME', name: 'alias.default.svc.cluster.local', ttl: 5, class: 'IN', data: 'web.default.svc.cluster.local' },
    { type: 'PTR', name: '5.1.244.10.in-addr.arpa', ttl: 5, class: 'IN', data: 'web.default.svc.cluster.local' },
    { type: 'MX', name: 'cluster.local', ttl: 5, class: 'IN', data: { preference: 10, exchange: 'mail.cluster.local' } },
    { type: 'NS', name: 'cluster.local', ttl: 5, class: 'IN', data: 'ns.dns.cluster.local' },
    { type: 'TXT', name: 'txt.cluster.local', ttl: 5, class: 'IN', data: ['hello'] },
    { type: 'AAAA', name: 'web.default.svc.cluster.local', ttl: 5, class: 'IN', data: 'fd00::5' },
  ],
  authorities: [{ type: 'SOA', name: 'cluster.local', ttl: 5, class: 'IN', data: { mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 7, refresh: 1, retry: 2, expire: 3, minimum: 5 } }],
  additionals: [
    ...[1, 2, 3].map((i) => ({ type: 'A' as const, name: `10-244-1-${i}.web.default.svc.cluster.local`, ttl: 5, class: 'IN' as const, data: `10.244.1.${i}` })),
    { type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] } as dnsPacket.OptAnswer,
  ],
};

test('compressed: the same message, smaller; case kept', () => {
  const plain = dnsPacket.encode(packet);
  const small = compressMessage(plain);
  assert.ok(small.length < plain.length * 0.6, `${plain.length} -> ${small.length} bytes`);
  assert.deepEqual(dnsPacket.decode(small), dnsPacket.decode(plain));
  assert.equal(dnsPacket.decode(small).questions![0].name, '_http._tcp.Web.default.svc.cluster.local');
});

test('a message it cannot read (already compressed, cut short) comes back unchanged', () => {
  const small = compressMessage(dnsPacket.encode(packet));
  assert.equal(compressMessage(small), small);
  const cut = dnsPacket.encode(packet).subarray(0, 40);
  assert.equal(compressMessage(cut), cut);
});
