import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, CliError, type CommandSpec } from '../core.ts';
import { buildCreateRequest, createFlags } from './container-config.ts';
import { parseExtraHost, parseLink } from './network-opts.ts';
import { consolidateIpam, keyValues } from './network-create.ts';
import { goTimeString, networkRow } from './network.ts';

const spec: CommandSpec = { path: 'skiff run', usage: '', summary: '', flags: createFlags, interspersed: false };
const build = (argv: string[]) => buildCreateRequest(spec, parseArgs(spec, argv), { detach: true, autoRemove: false }).body;
const fails = (argv: string[], message: string) =>
  assert.throws(() => build(argv), (e: unknown) => e instanceof CliError && e.exitCode === 125 && e.message === `${message}\nSee 'skiff run --help'.`);

test('network flags become HostConfig, ExposedPorts and NetworkingConfig as docker sends them', () => {
  const body = build(['--network', 'appnet', '--network-alias', 'db', '--network-alias', 'database', '--ip', '172.30.0.9', '--mac-address', '92:d0:c6:0a:29:33', '--link', 'web:w', '-p', '127.0.0.1:18080:80', '-P', '--expose', '443', '--dns', '10.0.0.2', '--dns-search', 'example.org', '--dns-option', 'ndots:2', '--add-host', 'a:10.0.0.1', '--add-host', 'b=::1', 'busybox']);
  const host = body.HostConfig as Record<string, unknown>;
  assert.equal(host.NetworkMode, 'appnet');
  assert.deepEqual(host.PortBindings, { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '18080' }] });
  assert.equal(host.PublishAllPorts, true);
  assert.deepEqual(body.ExposedPorts, { '80/tcp': {}, '443/tcp': {} });
  assert.deepEqual(host.Dns, ['10.0.0.2']);
  assert.deepEqual(host.DnsSearch, ['example.org']);
  assert.deepEqual(host.DnsOptions, ['ndots:2']);
  assert.deepEqual(host.ExtraHosts, ['a:10.0.0.1', 'b:::1']);
  assert.deepEqual(host.Links, ['web:w']);
  assert.deepEqual(body.NetworkingConfig, {
    EndpointsConfig: { appnet: { Aliases: ['db', 'database'], Links: ['web:w'], IPAMConfig: { IPv4Address: '172.30.0.9' }, MacAddress: '92:d0:c6:0a:29:33' } },
  });
});

test('no network flags: the default network, no endpoint settings; --net is --network', () => {
  const body = build(['busybox']);
  const host = body.HostConfig as Record<string, unknown>;
  assert.equal(host.NetworkMode, 'default');
  assert.deepEqual(host.PortBindings, {});
  assert.equal(host.PublishAllPorts, false);
  assert.equal(body.ExposedPorts, undefined);
  assert.deepEqual(body.NetworkingConfig, { EndpointsConfig: { default: {} } });
  assert.deepEqual(build(['--network', 'appnet', 'busybox']).NetworkingConfig, { EndpointsConfig: {} });
  assert.deepEqual(build(['--mac-address', '92:d0:c6:0a:29:33', 'busybox']).NetworkingConfig, { EndpointsConfig: { default: { MacAddress: '92:d0:c6:0a:29:33' } } });
  assert.equal((build(['--net', 'none', 'busybox']).HostConfig as Record<string, unknown>).NetworkMode, 'none');
  assert.equal((build(['--network', 'container:abc', 'busybox']).HostConfig as Record<string, unknown>).NetworkMode, 'container:abc');
  // --link on the default bridge is a legacy link only (HostConfig.Links), not an endpoint setting
  const legacy = build(['--link', 'db', 'busybox']);
  assert.deepEqual((legacy.HostConfig as Record<string, unknown>).Links, ['db']);
  assert.deepEqual(legacy.NetworkingConfig, { EndpointsConfig: { default: {} } });
  assert.deepEqual(build(['--network', 'bridge', '--link', 'db', 'busybox']).NetworkingConfig, { EndpointsConfig: {} });
});

test('--network: repeated, and the long form name=…,alias=…,ip=… (docker 28 NetworkOpt)', () => {
  const eps = (argv: string[]) => (build([...argv, 'busybox']).NetworkingConfig as { EndpointsConfig: unknown }).EndpointsConfig;
  assert.deepEqual(eps(['--network', 'name=n1,alias=a1,ip=10.0.0.5', '--network', 'n2']), { n1: { Aliases: ['a1'], IPAMConfig: { IPv4Address: '10.0.0.5' } }, n2: {} });
  assert.equal((build(['--network', 'name=n1', '--network', 'n2', 'busybox']).HostConfig as Record<string, unknown>).NetworkMode, 'n1');
  // the legacy flags go to the first network
  assert.deepEqual(eps(['--network', 'n1', '--network-alias', 'b', '--network', 'n2']), { n1: { Aliases: ['b'] }, n2: {} });
  // docker lowercases the long form's values too
  assert.deepEqual(eps(['--network', 'name=N1,alias=A1,driver-opt=com.x=Y,mac-address=92:D0:c6:0a:29:33,link-local-ip=169.254.1.1,ip6=fd00::5,gw-priority=3']), {
    n1: { Aliases: ['a1'], DriverOpts: { 'com.x': 'y' }, IPAMConfig: { IPv6Address: 'fd00::5', LinkLocalIPs: ['169.254.1.1'] }, MacAddress: '92:d0:c6:0a:29:33', GwPriority: 3 },
  });
  assert.deepEqual(eps(['--network', 'name=n1,"alias=a,b"']), { n1: { Aliases: ['a,b'] } });
  assert.deepEqual(eps(['--net', 'n1', '--link', 'db:d']), { n1: { Links: ['db:d'] } });
  fails(['--network', 'n1', '--network', 'host', 'busybox'], 'conflicting options: cannot attach both user-defined and non-user-defined network-modes');
  fails(['--network', 'n1', '--network', 'n1', 'busybox'], 'network "n1" is specified multiple times');
  fails(['--network', 'name=n1,alias=a', '--network-alias', 'b', 'busybox'], 'conflicting options: cannot specify both --network-alias and per-network alias');
  fails(['--network', 'name=n1,mac-address=zz', 'busybox'], 'zz is not a valid mac address');
  fails(['--network', 'name=n1,bogus=1', 'busybox'], 'invalid argument "name=n1,bogus=1" for "--network" flag: invalid field key bogus');
  fails(['--network', 'alias=x', 'busybox'], 'invalid argument "alias=x" for "--network" flag: network name/id is not specified');
  fails(['--network', 'name=n1,gw-priority=x', 'busybox'], 'invalid argument "name=n1,gw-priority=x" for "--network" flag: invalid gw-priority (x): invalid syntax');
});

test('bad network flags give the docker CLI messages', () => {
  fails(['-p', '80/foo', 'busybox'], 'invalid proto: foo');
  fails(['-p', 'abc:80', 'busybox'], 'invalid hostPort: abc');
  fails(['-p', '99999', 'busybox'], 'invalid containerPort: 99999');
  fails(['--expose', '1:2', 'busybox'], 'invalid port format for --expose: 1:2');
  fails(['--network-alias', 'x', 'busybox'], 'network-scoped aliases are only supported for user-defined networks');
  fails(['--network', 'bridge', '--network-alias', 'x', 'busybox'], 'network-scoped aliases are only supported for user-defined networks');
  fails(['--mac-address', '92:d0:c6', 'busybox'], '92:d0:c6 is not a valid mac address');
  fails(['--dns', 'resolver', 'busybox'], 'invalid argument "resolver" for "--dns" flag: IP address is not correctly formatted: resolver');
  fails(['--add-host', 'nohost', 'busybox'], 'invalid argument "nohost" for "--add-host" flag: bad format for add-host: "nohost"');
  fails(['--link', 'a:b:c', 'busybox'], 'invalid argument "a:b:c" for "--link" flag: bad format for links: a:b:c');
});

test('--add-host takes host:ip and host=ip (docker opts.ValidateExtraHost)', () => {
  assert.equal(parseExtraHost('db:10.0.0.5'), 'db:10.0.0.5');
  assert.equal(parseExtraHost('db=10.0.0.5'), 'db:10.0.0.5');
  assert.equal(parseExtraHost('v6=[2001:db8::1]'), 'v6:2001:db8::1');
  assert.equal(parseExtraHost('v6:2001:db8::1'), 'v6:2001:db8::1');
  assert.equal(parseExtraHost('gw:host-gateway'), 'gw:host-gateway');
  assert.throws(() => parseExtraHost(':10.0.0.1'), { message: 'bad format for add-host: ":10.0.0.1"' });
  assert.throws(() => parseExtraHost('db:nope'), { message: 'invalid IP address in add-host: "nope"' });
  assert.equal(parseLink('db:alias'), 'db:alias');
  assert.throws(() => parseLink(''), { message: 'empty string specified for links' });
});

test('network create: IPAM consolidation with docker messages', () => {
  assert.deepEqual(consolidateIpam(['172.30.0.0/16'], ['172.30.5.0/24'], ['172.30.0.254'], { host1: '172.30.1.5' }), [
    { Subnet: '172.30.0.0/16', IPRange: '172.30.5.0/24', Gateway: '172.30.0.254', AuxiliaryAddresses: { host1: '172.30.1.5' } },
  ]);
  assert.deepEqual(consolidateIpam(['10.1.0.0/24', 'fd00::/64'], [], ['fd00::1'], {}), [{ Subnet: '10.1.0.0/24' }, { Subnet: 'fd00::/64', Gateway: 'fd00::1' }]);
  assert.deepEqual(consolidateIpam([], [], [], {}), []);
  const fails = (args: Parameters<typeof consolidateIpam>, message: string) => assert.throws(() => consolidateIpam(...args), { message });
  fails([[], [], ['10.0.0.1'], {}], 'every ip-range or gateway must have a corresponding subnet');
  fails([['10.0.0.0/16', '10.0.1.0/24'], [], [], {}], 'multiple overlapping subnet configuration is not supported');
  fails([['10.0.0.0/24'], [], ['10.9.0.1'], {}], 'no matching subnet for gateway 10.9.0.1');
  fails([['10.0.0.0/24'], ['10.9.0.0/25'], [], {}], 'no matching subnet for range 10.9.0.0/25');
  fails([['10.0.0.0/24'], ['10.0.0.0/33'], [], {}], 'invalid CIDR address: 10.0.0.0/33');
  fails([['10.0.0.0/24'], [], [], { a: '10.9.0.1' }], 'no matching subnet for aux-address 10.9.0.1');
  fails([['10.0.0.0'], [], ['10.0.0.1'], {}], 'invalid subnet: invalid CIDR address: 10.0.0.0');
  assert.deepEqual(keyValues(['a=1', 'b', 'c=x=y']), { a: '1', b: '', c: 'x=y' });
});

test('network ls rows: short ids, Go time, labels', () => {
  const row = networkRow({ Id: 'f'.repeat(64), Name: 'n', Driver: 'bridge', Scope: 'local', Created: '2026-12-04T20:30:01.120000000Z', Labels: { a: 'b' } }, true);
  assert.equal(row.ID, 'ffffffffffff');
  assert.equal(row.CreatedAt, '2026-12-04 20:30:01.12 +0000 UTC');
  assert.equal(row.Labels, 'a=b');
  assert.equal(row.IPv6, 'false');
  assert.equal(goTimeString('2026-12-04T21:30:01+01:00'), '2026-12-04 20:30:01 +0000 UTC');
});
