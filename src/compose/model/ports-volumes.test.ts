import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePort } from './ports.ts';
import { parseServiceVolume } from './volumes.ts';

test('ports: short syntax as docker splits it (IPv6 with or without brackets, ranges, protocols)', () => {
  const short = (s: string | number) => parsePort(s).map((p) => [p.hostIp ?? '', p.published ?? '', p.target, p.protocol]);
  assert.deepEqual(short(80), [['', '', 80, 'tcp']]);
  assert.deepEqual(short('8080:80/udp'), [['', '8080', 80, 'udp']]);
  assert.deepEqual(short('127.0.0.1::80'), [['127.0.0.1', '', 80, 'tcp']]);
  assert.deepEqual(short('[::1]:8080:80'), [['::1', '8080', 80, 'tcp']]);
  assert.deepEqual(short('::1:8080:80'), [['::1', '8080', 80, 'tcp']]);
  assert.deepEqual(short('8000-8001:80-81'), [['', '8000', 80, 'tcp'], ['', '8001', 81, 'tcp']]);
  assert.deepEqual(short('9000-9010:80'), [['', '9000-9010', 80, 'tcp']]);
  assert.deepEqual(short('80-81'), [['', '', 80, 'tcp'], ['', '', 81, 'tcp']]);
  assert.deepEqual(parsePort({ target: 80, published: 8080, host_ip: '0.0.0.0', protocol: 'udp', mode: 'host' }), [
    { target: 80, published: '8080', hostIp: '0.0.0.0', protocol: 'udp', mode: 'host' },
  ]);
});

test('volumes: short and long syntax, targets cleaned, unknown options warned about', () => {
  const warnings: string[] = [];
  const ctx = { projectDir: '/p', home: '/h', warn: (m: string) => warnings.push(m) };
  assert.deepEqual(parseServiceVolume('./d:/data/:ro,rshared,z', ctx), { type: 'bind', source: '/p/d', target: '/data', readOnly: true, bind: { propagation: 'rshared', createHostPath: true } });
  assert.deepEqual(parseServiceVolume('~/c:/c', ctx).source, '/h/c');
  assert.deepEqual(parseServiceVolume('../up:/u', ctx).source, '/up');
  assert.deepEqual(parseServiceVolume('vol:/v:nocopy', ctx), { type: 'volume', source: 'vol', target: '/v', readOnly: false, volume: { nocopy: true } });
  assert.deepEqual(parseServiceVolume('/anon', ctx), { type: 'volume', source: undefined, target: '/anon', readOnly: false, volume: { nocopy: false } });
  parseServiceVolume('vol:/v:bogus', ctx);
  assert.deepEqual(warnings, ['volume vol:/v:bogus: unknown option bogus is ignored']);
  assert.deepEqual(parseServiceVolume({ type: 'bind', source: 'rel', target: '/t' }, ctx).bind, { propagation: undefined, createHostPath: true });
  assert.deepEqual(parseServiceVolume({ type: 'bind', source: '/abs', target: '/t', bind: { create_host_path: false } }, ctx).bind, { propagation: undefined, createHostPath: false });
  assert.deepEqual(parseServiceVolume({ type: 'tmpfs', target: '/tmp', tmpfs: { size: '64m', mode: 1777 } }, ctx), { type: 'tmpfs', target: '/tmp', readOnly: false, tmpfs: { size: 64 * 1024 ** 2, mode: 1777 } });
  assert.throws(() => parseServiceVolume({ type: 'npipe', target: '/x' }, ctx), { message: 'unsupported volume type "npipe" (skiff knows volume, bind and tmpfs)' });
  assert.throws(() => parseServiceVolume({ type: 'tmpfs', source: 'x', target: '/x' }, ctx), { message: 'source is not allowed for a tmpfs mount' });
});
