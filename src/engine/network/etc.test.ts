import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderHosts, renderResolvConf } from './etc.ts';

test('hosts: localhost lines, --add-host, links, then the container itself', () => {
  const text = renderHosts({ ip: '10.99.0.5', hostname: 'abc123', extraHosts: ['db.local:10.0.0.9', 'v6:::1'], links: [{ ip: '10.99.0.4', alias: 'database', name: 'db' }] });
  const lines = text.trimEnd().split('\n');
  assert.equal(lines[0], '127.0.0.1\tlocalhost');
  assert.ok(lines.includes('10.0.0.9\tdb.local'));
  assert.ok(lines.includes('::1\tv6'));
  assert.ok(lines.includes('10.99.0.4\tdatabase db'));
  assert.equal(lines.at(-1), '10.99.0.5\tabc123');
});

test('resolv.conf: host resolvers minus loopback; the embedded resolver on user networks; overrides', () => {
  const host = 'nameserver 127.0.0.53\nnameserver 10.255.255.53\nsearch corp.example\noptions ndots:2\n';
  assert.equal(renderResolvConf({ host }), 'nameserver 10.255.255.53\nsearch corp.example\noptions ndots:2\n');
  assert.equal(renderResolvConf({ host: 'nameserver 127.0.0.53\n' }), 'nameserver 8.8.8.8\nnameserver 8.8.4.4\n');
  assert.equal(renderResolvConf({ host, embedded: '10.100.0.1' }), 'nameserver 10.100.0.1\nsearch corp.example\noptions ndots:2\n');
  assert.equal(renderResolvConf({ host, dns: ['1.1.1.1'], dnsSearch: ['a.example'], dnsOptions: ['timeout:1'] }), 'nameserver 1.1.1.1\nsearch a.example\noptions timeout:1\n');
});
