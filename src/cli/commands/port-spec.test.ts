import { test } from 'node:test';
import assert from 'node:assert/strict';
import { displayablePorts, naturalCompare, parsePortSpec, publishedPorts } from './port-spec.ts';
import { portLines } from './port.ts';

test('-p specs become docker port mappings', () => {
  const one = (spec: string) => parsePortSpec(spec).map((m) => `${m.port} ${m.binding.HostIp}|${m.binding.HostPort}`);
  assert.deepEqual(one('80'), ['80/tcp |']);
  assert.deepEqual(one('8080:80'), ['80/tcp |8080']);
  assert.deepEqual(one('127.0.0.1:18080:80/udp'), ['80/udp 127.0.0.1|18080']);
  assert.deepEqual(one('127.0.0.1::80'), ['80/tcp 127.0.0.1|']);
  assert.deepEqual(one('[::1]:80:80'), ['80/tcp ::1|80']);
  assert.deepEqual(one('::1:8080:80'), ['80/tcp ::1|8080']);
  assert.deepEqual(one('8000-8002:80-82/TCP'), ['80/tcp |8000', '81/tcp |8001', '82/tcp |8002']);
  // a host range for one container port: the range a host port is picked from
  assert.deepEqual(one('8000-8010:80'), ['80/tcp |8000-8010']);
  assert.deepEqual(one('80-81'), ['80/tcp |', '81/tcp |']);
  assert.deepEqual(one('53/sctp'), ['53/sctp |']);
});

test('bad -p specs give the docker CLI messages', () => {
  const fails = (spec: string, message: string) => assert.throws(() => parsePortSpec(spec), { message });
  fails('80/foo', 'invalid proto: foo');
  fails('abc', 'invalid containerPort: abc');
  fails('8080:99999', 'invalid containerPort: 99999');
  fails('x:80', 'invalid hostPort: x');
  fails('70000:80', 'invalid hostPort: 70000');
  fails('8000-8001:80-82', 'invalid ranges specified for container and host Ports: 80-82 and 8000-8001');
  fails('82-80', 'invalid containerPort: 82-80');
  fails('1.2.3:80:80', 'invalid IP address: 1.2.3');
  fails('/udp', 'no port specified: /udp<empty>');
  fails('8080:', 'no port specified: 8080:<empty>');
});

test('--expose and -p together make ExposedPorts and PortBindings', () => {
  const { exposed, bindings } = publishedPorts(['127.0.0.1:8080:80', '8081:80', '53/udp'], ['443', '9000-9001/udp']);
  assert.deepEqual(Object.keys(exposed).sort(), ['443/tcp', '53/udp', '80/tcp', '9000/udp', '9001/udp']);
  assert.deepEqual(bindings['80/tcp'], [
    { HostIp: '127.0.0.1', HostPort: '8080' },
    { HostIp: '', HostPort: '8081' },
  ]);
  assert.deepEqual(bindings['53/udp'], [{ HostIp: '', HostPort: '' }]);
  // the long form
  assert.deepEqual(publishedPorts(['target=80,published=8080,protocol=udp'], []).bindings, { '80/udp': [{ HostIp: '', HostPort: '8080' }] });
  assert.deepEqual(publishedPorts(['target=80'], []).bindings, { '80/tcp': [{ HostIp: '', HostPort: '' }] });
  assert.throws(() => publishedPorts(['target=80,bogus'], []), { message: "invalid publish opts format (should be name=value but got 'bogus')" });
  assert.throws(() => publishedPorts([], ['80:80']), { message: 'invalid port format for --expose: 80:80' });
  assert.throws(() => publishedPorts([], ['x']), { message: 'invalid range format for --expose: x, error: strconv.ParseUint: parsing "x": invalid syntax' });
});

test('ps PORTS: docker compact format, ranges collapsed, host mappings last', () => {
  assert.equal(displayablePorts([]), '');
  assert.equal(displayablePorts([{ IP: '127.0.0.1', PrivatePort: 80, PublicPort: 18080, Type: 'tcp' }]), '127.0.0.1:18080->80/tcp');
  // same host and container numbers collapse; unpublished ones too
  const ports = [
    { IP: '0.0.0.0', PrivatePort: 8001, PublicPort: 8001, Type: 'tcp' },
    { IP: '0.0.0.0', PrivatePort: 8000, PublicPort: 8000, Type: 'tcp' },
    { IP: '0.0.0.0', PrivatePort: 8002, PublicPort: 8002, Type: 'tcp' },
    { PrivatePort: 443, Type: 'tcp' },
    { PrivatePort: 444, Type: 'tcp' },
    { PrivatePort: 53, Type: 'udp' },
    { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 32768, Type: 'tcp' },
    { IP: '::', PrivatePort: 80, PublicPort: 32768, Type: 'tcp' },
  ];
  assert.equal(displayablePorts(ports), '53/udp, 443-444/tcp, 0.0.0.0:8000-8002->8000-8002/tcp, 0.0.0.0:32768->80/tcp, [::]:32768->80/tcp');
  // a gap starts a new group, printed where the key first appeared
  assert.equal(displayablePorts([{ PrivatePort: 1, Type: 'tcp' }, { PrivatePort: 2, Type: 'tcp' }, { PrivatePort: 5, Type: 'tcp' }, { PrivatePort: 7, Type: 'udp' }]), '1-2/tcp, 5/tcp, 7/udp');
});

test('port: docker lines, naturally sorted; one port or docker errors', () => {
  const ports = {
    '80/tcp': [
      { HostIp: '0.0.0.0', HostPort: '32768' },
      { HostIp: '::', HostPort: '32768' },
    ],
    '9/udp': [{ HostIp: '127.0.0.1', HostPort: '9009' }],
    '443/tcp': null,
  };
  assert.deepEqual(portLines(ports, 'web'), ['9/udp -> 127.0.0.1:9009', '80/tcp -> 0.0.0.0:32768', '80/tcp -> [::]:32768']);
  assert.deepEqual(portLines(ports, 'web', '80'), ['0.0.0.0:32768', '[::]:32768']);
  assert.deepEqual(portLines(ports, 'web', '9/udp'), ['127.0.0.1:9009']);
  assert.throws(() => portLines(ports, 'web', '443'), { message: "Error: No public port '443' published for web" });
  assert.throws(() => portLines(ports, 'web', 'http'), { message: 'Error: invalid port (http): strconv.ParseUint: parsing "http": invalid syntax' });
  assert.ok(naturalCompare('a2', 'a10') < 0);
});
