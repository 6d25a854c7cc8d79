// The forward cache: kept for the smallest TTL (capped), TTLs counted down, negative answers by their SOA,
// truncated and SERVFAIL answers never kept, the least recently used entry goes first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dnsPacket from 'dns-packet';
import { createAnswerCache, cacheKey } from './cache.ts';

const reply = (o: { rcode?: number; ttls?: number[]; soaMin?: number; tc?: boolean }) => dnsPacket.encode({
  type: 'response', id: 0, flags: (o.rcode ?? 0) | (o.tc ? dnsPacket.TRUNCATED_RESPONSE : 0), questions: [{ type: 'A', name: 'x.test', class: 'IN' }],
  answers: (o.ttls ?? []).map((ttl, i) => ({ type: 'A', name: 'x.test', ttl, class: 'IN', data: `192.0.2.${i + 1}` })),
  authorities: o.soaMin === undefined ? [] : [{ type: 'SOA', name: 'test', ttl: 300, class: 'IN', data: { mname: 'a.test', rname: 'b.test', serial: 1, refresh: 1, retry: 1, expire: 1, minimum: o.soaMin } }],
});
const ttls = (raw: Buffer) => (dnsPacket.decode(raw).answers ?? []).map((a) => (a as { ttl: number }).ttl);

test('kept for the smallest TTL, capped; TTLs counted down; gone when expired', () => {
  let t = 0;
  const c = createAnswerCache({ maxTtlSec: 30, now: () => t });
  c.put('k', reply({ ttls: [20, 60] }));
  t = 5_000;
  assert.deepEqual(ttls(c.get('k')!), [15, 55]);
  t = 20_000;
  assert.equal(c.get('k'), undefined);
  c.put('cap', reply({ ttls: [3600] }));
  t += 30_000;
  assert.equal(c.get('cap'), undefined, 'capped at 30 s');
});

test('negative answers by the SOA minimum; SERVFAIL, truncated and SOA-less misses never', () => {
  let t = 0;
  const c = createAnswerCache({ now: () => t });
  c.put('nx', reply({ rcode: 3, soaMin: 10 }));
  c.put('nosoa', reply({ rcode: 3 }));
  c.put('fail', reply({ rcode: 2, soaMin: 10 }));
  c.put('tc', reply({ ttls: [60], tc: true }));
  assert.ok(c.get('nx'));
  assert.equal((dnsPacket.decode(c.get('nx')!).flags ?? 0) & 0xf, 3);
  for (const k of ['nosoa', 'fail', 'tc']) assert.equal(c.get(k), undefined, k);
  t = 10_000;
  assert.equal(c.get('nx'), undefined);
});

test('bounded: the least recently used goes; keys fold case and tell the DO bit', () => {
  const c = createAnswerCache({ maxEntries: 2 });
  c.put('a', reply({ ttls: [60] }));
  c.put('b', reply({ ttls: [60] }));
  c.get('a');
  c.put('c', reply({ ttls: [60] }));
  assert.ok(c.get('a') && c.get('c'));
  assert.equal(c.get('b'), undefined);
  const q = (name: string, dnssec: boolean) => dnsPacket.decode(dnsPacket.encode({ type: 'query', id: 1, questions: [{ type: 'A', name, class: 'IN' }],
    additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 0, flags: dnssec ? dnsPacket.DNSSEC_OK : 0, flag_do: dnssec, options: [] } as dnsPacket.OptAnswer] }));
  assert.equal(cacheKey(q('X.Test.', false)), cacheKey(q('x.test', false)));
  assert.notEqual(cacheKey(q('x.test', true)), cacheKey(q('x.test', false)));
});
