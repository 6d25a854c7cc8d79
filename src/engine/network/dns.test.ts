// The embedded resolver over real sockets on loopback. The "upstream" is a tiny dns-packet server standing in
// for the host's resolver (a remote one cannot be reached from here); one test asks the host's real resolver
// when SKIFF_TEST_HOST_DNS=1.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { readFileSync } from 'node:fs';
import { randomInt } from 'node:crypto';
import * as dnsPacket from 'dns-packet';
import { createDnsServer, ptrToIPv4, normalizeName, type DnsServer } from './dns.ts';
import { frameTcp, readTcpMessages, parseUpstream } from '../../lib/dns/index.ts';

/** A random 127.x.y.z, so parallel test runs never share an address. */
function loopbackIp(): string {
  return `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(2, 255)}`;
}

interface FakeUpstream {
  addr: string;
  asked: dnsPacket.DecodedPacket[];
  close(): Promise<void>;
}

type UpstreamReply = (q: dnsPacket.DecodedPacket, transport: 'udp' | 'tcp') => dnsPacket.Packet | undefined;

/** A resolver on 127.x.y.z:53 answering with `reply` (undefined: stay silent). */
async function fakeUpstream(reply: UpstreamReply): Promise<FakeUpstream> {
  const ip = loopbackIp();
  const asked: dnsPacket.DecodedPacket[] = [];
  const answer = (raw: Buffer, transport: 'udp' | 'tcp') => {
    const q = dnsPacket.decode(raw);
    asked.push(q);
    const r = reply(q, transport);
    return r && dnsPacket.encode({ type: 'response', id: q.id, questions: q.questions, ...r });
  };
  const udp = dgram.createSocket('udp4');
  udp.on('message', (msg, rinfo) => {
    const r = answer(msg, 'udp');
    if (r) udp.send(r, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => udp.bind(53, ip, resolve));
  const tcp = net.createServer((sock) =>
    readTcpMessages(sock, (msg) => {
      const r = answer(msg, 'tcp');
      if (r) sock.write(frameTcp(r));
    }),
  );
  await new Promise<void>((resolve) => tcp.listen(53, ip, resolve));
  return {
    addr: ip,
    asked,
    close: () => new Promise<void>((resolve) => udp.close(() => tcp.close(() => resolve()))),
  };
}

function askUdp(server: string, raw: Buffer, port = 53, timeoutMs = 5000): Promise<dnsPacket.DecodedPacket | undefined> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket('udp4');
    const timer = setTimeout(() => {
      sock.close();
      resolve(undefined);
    }, timeoutMs);
    sock.on('message', (msg) => {
      clearTimeout(timer);
      sock.close();
      resolve(dnsPacket.decode(msg));
    });
    sock.send(raw, port, server);
  });
}

function askTcp(server: string, raws: Buffer[], expect = raws.length): Promise<dnsPacket.DecodedPacket[]> {
  return new Promise((resolve, reject) => {
    const got: dnsPacket.DecodedPacket[] = [];
    const sock = net.connect(53, server, () => sock.write(Buffer.concat(raws.map((r) => (r.length ? frameTcp(r) : r)))));
    const timer = setTimeout(() => {
      sock.destroy();
      resolve(got);
    }, 5000);
    sock.on('error', reject);
    readTcpMessages(sock, (msg) => {
      got.push(dnsPacket.decode(msg));
      if (got.length === expect) {
        clearTimeout(timer);
        sock.destroy();
        resolve(got);
      }
    });
  });
}

/** dns-packet decodes the rcode as a name (its types leave the field out). */
function rcodeOf(p: dnsPacket.DecodedPacket | undefined): string | undefined {
  return (p as { rcode?: string } | undefined)?.rcode;
}

function query(name: string, type: dnsPacket.RecordType = 'A', id = randomInt(0, 0x10000)): Buffer {
  return dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name, class: 'IN' }] });
}

const servers: DnsServer[] = [];
const upstreams: FakeUpstream[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await Promise.all(upstreams.map((u) => u.close()));
});

/** Two networks: `db` lives on the one whose listener is `netA`, `web` on `netB`. */
async function startResolver(upstreamAddrs: string[]) {
  const netA = loopbackIp();
  const netB = loopbackIp();
  const calls: Array<[string, string]> = [];
  const records: Record<string, Record<string, string[]>> = {
    [netA]: { db: ['10.1.0.2', '10.1.0.3'], 'db.example': ['10.1.0.2'] },
    [netB]: { web: ['10.2.0.2'] },
  };
  const dns = createDnsServer({
    upstreams: upstreamAddrs,
    resolveName: (name, local) => {
      calls.push([name, local]);
      return records[local]?.[name];
    },
    resolvePtr: (ip, local) => (local === netA && ip === '10.1.0.2' ? 'db.mynet' : undefined),
  });
  servers.push(dns);
  await dns.listen(netA);
  await dns.listen(netB);
  return { dns, netA, netB, calls };
}

test('parsers: names, PTR names, upstream addresses', () => {
  assert.equal(normalizeName('DB.Example.'), 'db.example');
  assert.equal(ptrToIPv4('2.0.1.10.IN-ADDR.ARPA.'), '10.1.0.2');
  assert.equal(ptrToIPv4('1.0.1.300.in-addr.arpa'), undefined);
  assert.equal(ptrToIPv4('0.1.10.in-addr.arpa'), undefined);
  assert.deepEqual(parseUpstream('10.0.0.53'), { host: '10.0.0.53', port: 53 });
  assert.deepEqual(parseUpstream('127.0.0.1:5353'), { host: '127.0.0.1', port: 5353 });
  assert.deepEqual(parseUpstream('[::1]:53'), { host: '::1', port: 53 });
  assert.deepEqual(parseUpstream('fe80::1'), { host: 'fe80::1', port: 53 });
  assert.equal(parseUpstream('resolver.example'), undefined);
  assert.equal(parseUpstream('1.2.3.4:0'), undefined);
});

test('answers A for our names, case-insensitive, scoped to the network that asks', async () => {
  const up = await fakeUpstream(() => ({ flags: 3 })); // NXDOMAIN for everything forwarded
  upstreams.push(up);
  const { netA, netB, calls } = await startResolver([up.addr]);

  const r = await askUdp(netA, query('DB.', 'A', 4242));
  assert.ok(r);
  assert.equal(r.id, 4242);
  assert.equal(rcodeOf(r), 'NOERROR');
  assert.equal(r.flag_rd, true);
  assert.equal(r.flag_ra, true);
  assert.deepEqual(r.answers!.map((a) => (a as dnsPacket.StringAnswer).data).sort(), ['10.1.0.2', '10.1.0.3']);
  assert.ok(r.answers!.every((a) => a.type === 'A' && (a as dnsPacket.StringAnswer).ttl === 600));
  assert.deepEqual(calls[0], ['db', netA]);

  // the same name asked on the other network's listener is not ours there: forwarded, upstream says NXDOMAIN
  const other = await askUdp(netB, query('db'));
  assert.equal(rcodeOf(other), 'NXDOMAIN');
  assert.equal(up.asked.length, 1);
  assert.equal(up.asked[0].questions![0].name, 'db');
  assert.deepEqual(calls.at(-1), ['db', netB]);
});

test('AAAA for our name is NOERROR with no answer and is not forwarded; PTR answers our IPs', async () => {
  const up = await fakeUpstream(() => ({ flags: 3 }));
  upstreams.push(up);
  const { netA } = await startResolver([up.addr]);

  const aaaa = await askUdp(netA, query('db', 'AAAA'));
  assert.equal(rcodeOf(aaaa), 'NOERROR');
  assert.deepEqual(aaaa?.answers, []);
  assert.equal(up.asked.length, 0);

  const ptr = await askUdp(netA, query('2.0.1.10.in-addr.arpa', 'PTR'));
  assert.equal(rcodeOf(ptr), 'NOERROR');
  assert.deepEqual(ptr?.answers?.map((a) => [a.type, (a as dnsPacket.StringAnswer).data, (a as dnsPacket.StringAnswer).ttl]), [['PTR', 'db.mynet', 600]]);

  // an address that is not ours goes upstream
  const foreign = await askUdp(netA, query('9.9.9.9.in-addr.arpa', 'PTR'));
  assert.equal(rcodeOf(foreign), 'NXDOMAIN');
  assert.equal(up.asked.length, 1);
});

test('forwards other names and types with the client id; skips dead, SERVFAIL and silent upstreams', async () => {
  const failing = await fakeUpstream(() => ({ flags: 2 })); // SERVFAIL
  const silent = await fakeUpstream(() => undefined);
  const good = await fakeUpstream((q) => ({
    flags: dnsPacket.RECURSION_AVAILABLE,
    answers: q.questions![0].type === 'MX' ? [{ type: 'MX', name: q.questions![0].name, ttl: 30, data: { preference: 10, exchange: 'mail.example' } }] : [{ type: 'A', name: q.questions![0].name, ttl: 30, data: '192.0.2.7' }],
  }));
  upstreams.push(failing, silent, good);
  // nothing listens on `dead`: the kernel refuses at once
  const dead = loopbackIp();
  const { netA } = await startResolver([dead, 'not-an-ip', failing.addr, silent.addr, good.addr]);

  const started = Date.now();
  const r = await askUdp(netA, query('www.example.org', 'A', 777));
  assert.equal(r?.id, 777);
  assert.equal(rcodeOf(r), 'NOERROR');
  assert.deepEqual(r?.answers?.map((a) => (a as dnsPacket.StringAnswer).data), ['192.0.2.7']);
  assert.equal(failing.asked.length, 1);
  assert.equal(silent.asked.length, 1);
  // the dead upstream refuses at once; the silent one costs one ~2 s timeout
  const waited = Date.now() - started;
  assert.ok(waited >= 1900 && waited < 4500, `one upstream timeout, took ${waited} ms`);
  // the upstream saw a fresh id, not the client's
  assert.equal(good.asked.length, 1);

  // a type we never answer for a name we know is forwarded too
  const mx = await askUdp(netA, query('db', 'MX'));
  assert.equal(mx?.answers?.[0]?.type, 'MX');
});

test('SERVFAIL when no upstream answers', async () => {
  const silent = await fakeUpstream(() => undefined);
  upstreams.push(silent);
  const { netA } = await startResolver([silent.addr]);
  const r = await askUdp(netA, query('nowhere.example', 'A', 99));
  assert.equal(r?.id, 99);
  assert.equal(rcodeOf(r), 'SERVFAIL');

  const none = await startResolver([]);
  assert.equal(rcodeOf(await askUdp(none.netA, query('nowhere.example'))), 'SERVFAIL');
});

test('a truncated UDP answer is asked again over TCP', async () => {
  const many = Array.from({ length: 40 }, (_, i) => `192.0.2.${i + 1}`);
  const up = await fakeUpstream((q, transport) =>
    transport === 'udp'
      ? { flags: dnsPacket.TRUNCATED_RESPONSE }
      : { answers: many.map((ip) => ({ type: 'A' as const, name: q.questions![0].name, ttl: 30, data: ip })) },
  );
  upstreams.push(up);
  const { netA } = await startResolver([up.addr]);

  // 40 A records fit a client that offers 4096 bytes of EDNS payload: it gets the TCP answer over UDP
  const edns = dnsPacket.encode({
    type: 'query',
    id: 5,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type: 'A', name: 'big.example' }],
    additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 4096, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }],
  });
  const r = await askUdp(netA, edns);
  assert.equal(r?.id, 5);
  assert.equal(r?.flag_tc, false);
  assert.equal(r?.answers?.length, 40);
  assert.deepEqual(up.asked.length, 2);

  // a plain 512-byte client gets the truncated answer and asks over TCP itself
  const plain = await askUdp(netA, query('big.example', 'A', 6));
  assert.equal(plain?.flag_tc, true);
  const [viaTcp] = await askTcp(netA, [query('big.example', 'A', 7)]);
  assert.equal(viaTcp.id, 7);
  assert.equal(viaTcp.answers?.length, 40);
});

test('TCP: several queries on one connection, ours and forwarded', async () => {
  const up = await fakeUpstream((q) => ({ answers: [{ type: 'A', name: q.questions![0].name, ttl: 30, data: '192.0.2.9' }] }));
  upstreams.push(up);
  const { netA } = await startResolver([up.addr]);
  const replies = await askTcp(netA, [query('db', 'A', 1), query('far.example', 'A', 2)]);
  const byId = new Map(replies.map((r) => [r.id, r]));
  assert.equal(byId.get(1)?.answers?.length, 2);
  assert.deepEqual(byId.get(2)?.answers?.map((a) => (a as dnsPacket.StringAnswer).data), ['192.0.2.9']);
  assert.equal(up.asked.length, 1);
});

test('malformed packets are dropped and the server keeps answering', async () => {
  const { netA } = await startResolver([]);
  for (const junk of [Buffer.from('hello'), Buffer.alloc(0), Buffer.alloc(12), Buffer.from(query("db.example")).subarray(0, 18)]) {
    assert.equal(await askUdp(netA, junk, 53, 300), undefined);
  }
  // a response sent to us is not a query: dropped
  const notQuery = dnsPacket.encode({ type: 'response', id: 3, questions: [{ type: 'A', name: 'db' }] });
  assert.equal(await askUdp(netA, notQuery, 53, 300), undefined);
  // garbage over TCP, then a good query on the same connection
  const [good] = await askTcp(netA, [frameTcp(Buffer.from('\x00\x01junk')), query('db', 'A', 11)], 1);
  assert.equal(good?.id, 11);
  assert.equal((await askUdp(netA, query('db')))?.answers?.length, 2);
});

test('listen is idempotent, unlisten and close free the addresses, a taken address is an error', async () => {
  const { dns, netA, netB } = await startResolver([]);
  await dns.listen(netA);
  // listens of one address at the same time: one socket, no EADDRINUSE
  const racing = loopbackIp();
  await Promise.all([dns.listen(racing), dns.listen(racing), dns.listen(racing)]);
  assert.ok(await askUdp(racing, query('x'), 53, 1000));
  await Promise.all([dns.unlisten(racing), dns.listen(loopbackIp())]);
  const clash = createDnsServer({ upstreams: [], resolveName: () => undefined, resolvePtr: () => undefined });
  await assert.rejects(clash.listen(netA), /EADDRINUSE/);
  await assert.rejects(clash.listen('not-an-ip'), /not an IP address/);
  await clash.close();

  await dns.unlisten(netA);
  assert.equal(await askUdp(netA, query('db'), 53, 300), undefined);
  assert.ok(await askUdp(netB, query('web')));
  await dns.close();
  // the address is free again: another server can take it
  const again = createDnsServer({ upstreams: [], resolveName: () => ['10.9.9.9'], resolvePtr: () => undefined });
  servers.push(again);
  await again.listen(netB);
  assert.deepEqual((await askUdp(netB, query('x')))?.answers?.map((a) => (a as dnsPacket.StringAnswer).data), ['10.9.9.9']);
});

test('forwards to the host resolver (SKIFF_TEST_HOST_DNS=1; traffic leaves loopback)', { skip: process.env.SKIFF_TEST_HOST_DNS !== '1' }, async (t) => {
  const hostResolvers = readFileSync('/etc/resolv.conf', 'utf8')
    .split('\n')
    .map((l) => /^nameserver\s+(\S+)/.exec(l)?.[1])
    .filter((s): s is string => s !== undefined);
  const { netA } = await startResolver(hostResolvers);
  const r = await askUdp(netA, query('localhost.', 'A'));
  if (!r || rcodeOf(r) === 'SERVFAIL') return t.skip('the host resolver does not answer here');
  assert.notEqual(rcodeOf(r), 'FORMERR');
});
