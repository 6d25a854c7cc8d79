import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerSpecFromDocker, validateContainerName } from './create.ts';
import { SkiffError } from '../../lib/errors.ts';

const refused = (body: unknown, message: string | RegExp, ncpu = 2) =>
  assert.throws(() => containerSpecFromDocker(body, null, ncpu), (err: unknown) => {
    assert.ok(err instanceof SkiffError);
    assert.equal(err.kind, 'InvalidArgument');
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });

test('a docker CLI create body becomes a ContainerSpec', () => {
  const { spec, warnings } = containerSpecFromDocker(
    {
      Image: 'busybox',
      Cmd: ['httpd', '-f'],
      Entrypoint: null,
      Env: ['A=b'],
      Tty: true,
      OpenStdin: true,
      Labels: { x: 'y' },
      ExposedPorts: {},
      HostConfig: {
        Memory: 32 * 1024 * 1024,
        MemorySwap: -1,
        NanoCpus: 1.5e9,
        PidsLimit: -1,
        RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 },
        NetworkMode: 'host',
        CapAdd: ['net_admin'],
        Binds: ['/tmp:/data:ro'],
        Mounts: [{ Type: 'bind', Source: '/etc', Target: '/hostetc', ReadOnly: true }],
        Tmpfs: { '/run': 'size=1m' },
        Ulimits: [{ Name: 'nofile', Soft: 100, Hard: 200 }],
        Init: true,
      },
    },
    'web',
    2,
  );
  assert.deepEqual(warnings, []);
  assert.equal(spec.name, 'web');
  assert.deepEqual(spec.cmd, ['httpd', '-f']);
  assert.equal(spec.entrypoint, undefined);
  assert.equal(spec.tty, true);
  assert.equal(spec.host.memory, 32 * 1024 * 1024);
  assert.equal(spec.host.memorySwap, -1);
  assert.equal(spec.host.nanoCpus, 1.5e9);
  assert.equal(spec.host.pidsLimit, undefined);
  assert.deepEqual(spec.host.restartPolicy, { name: 'on-failure', maximumRetryCount: 3 });
  assert.equal(spec.host.networkMode, 'host');
  assert.deepEqual(spec.host.capAdd, ['net_admin']);
  assert.deepEqual(spec.host.mounts.map((m) => [m.type, m.source, m.target, m.readOnly, m.origin]), [
    ['bind', '/tmp', '/data', true, 'binds'], ['bind', '/etc', '/hostetc', true, 'mounts'], ['tmpfs', '', '/run', false, 'tmpfs'],
  ]);
  assert.equal(spec.host.init, true);
  assert.deepEqual(spec.host.ulimits, [{ Name: 'nofile', Soft: 100, Hard: 200 }]);
});

test('default and empty network modes mean the default bridge; others pass to the engine as given', () => {
  for (const NetworkMode of ['default', 'bridge', '', undefined]) {
    assert.equal(containerSpecFromDocker({ Image: 'x', HostConfig: { NetworkMode } }, null).spec.host.networkMode, 'bridge');
  }
  assert.equal(containerSpecFromDocker({ Image: 'x', HostConfig: { NetworkMode: 'container:abc' } }, null).spec.host.networkMode, 'container:abc');
});

test('an explicit empty entrypoint is kept as []', () => {
  assert.deepEqual(containerSpecFromDocker({ Image: 'x', Entrypoint: [''] }, null).spec.entrypoint, []);
});

test('resource limits are checked with docker\'s messages', () => {
  refused({ Image: 'x', HostConfig: { Memory: 4 * 1024 * 1024 } }, 'Minimum memory limit allowed is 6MB');
  refused({ Image: 'x', HostConfig: { MemorySwap: 1e9 } }, 'You should always set the Memory limit when using Memoryswap limit, see usage');
  refused({ Image: 'x', HostConfig: { Memory: 1e9, MemorySwap: 1e8 } }, 'Minimum memoryswap limit should be larger than memory limit, see usage');
  refused({ Image: 'x', HostConfig: { NanoCpus: 3e9 } }, 'Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available');
  refused({ Image: 'x', HostConfig: { NanoCpus: 1e6 } }, 'Range of CPUs is from 0.01 to 4.00, as there are only 4 CPUs available', 4);
  refused({ Image: 'x', HostConfig: { NanoCpus: 1e9, CpuQuota: 50000 } }, 'Conflicting options: Nano CPUs and CPU Quota cannot both be set');
  refused({ Image: 'x', HostConfig: { CpuPeriod: 10 } }, /CPU cfs period can not be less than 1ms/);
});

test('restart policies, auto-remove, names, binds and bad JSON types are refused clearly', () => {
  refused({ Image: 'x', HostConfig: { RestartPolicy: { Name: 'sometimes' } } }, /unknown policy 'sometimes'/);
  refused({ Image: 'x', HostConfig: { RestartPolicy: { Name: 'always', MaximumRetryCount: 2 } } }, /can only be used with 'on-failure'/);
  refused({ Image: 'x', HostConfig: { AutoRemove: true, RestartPolicy: { Name: 'always' } } }, "can't create 'AutoRemove' container with restart policy");
  refused({ Image: 'x', HostConfig: { Binds: ['/data:rw'] } }, "invalid volume specification: '/data:rw'");
  refused({ Image: 'x', HostConfig: { Binds: ['/a:/b:rx'] } }, 'invalid mode: rx');
  refused({ Image: 'x', Cmd: 5 }, 'Cmd: expected a list of strings');
  refused({ Cmd: ['sh'] }, /no image specified/);
  refused(undefined, 'config cannot be empty in order to create a container');
  assert.throws(() => validateContainerName('bad name'), /Invalid container name \(bad name\), only \[a-zA-Z0-9\]\[a-zA-Z0-9_.-\] are allowed/);
  assert.equal(validateContainerName('/ok-name'), 'ok-name');
});

test('published ports, endpoints and DNS settings become typed fields; bad port specs are refused', () => {
  const { spec, warnings } = containerSpecFromDocker({
    Image: 'x', ExposedPorts: { '53/udp': {} },
    HostConfig: { NetworkMode: 'app', PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }, { HostPort: '' }] }, PublishAllPorts: true, DnsSearch: ['example.com'], Links: ['/db:/web/database'] },
    NetworkingConfig: { EndpointsConfig: { app: { Aliases: ['web'], IPAMConfig: { IPv4Address: '10.5.0.9' }, MacAddress: '02:42:0a:05:00:09' } } },
  }, null);
  assert.deepEqual(warnings, []);
  assert.deepEqual(spec.host.portBindings, [
    { containerPort: 80, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 8080 },
    { containerPort: 80, protocol: 'tcp', hostIp: '', hostPort: 0 },
  ]);
  assert.equal(spec.host.publishAllPorts, true);
  assert.deepEqual(spec.exposedPorts, ['53/udp']);
  assert.deepEqual(spec.networks, { app: { aliases: ['web'], ipv4Address: '10.5.0.9', macAddress: '02:42:0a:05:00:09' } });
  assert.deepEqual(spec.host.dnsSearch, ['example.com']);
  assert.deepEqual(spec.host.links, [{ container: 'db', alias: 'database' }]);
  refused({ Image: 'x', HostConfig: { PortBindings: { '80/xyz': [] } } }, 'invalid proto: xyz');
  refused({ Image: 'x', HostConfig: { PortBindings: { '0/tcp': [] } } }, 'invalid containerPort: 0');
  refused({ Image: 'x', HostConfig: { PortBindings: { '80/tcp': [{ HostPort: 'http' }] } } }, 'invalid hostPort: http');
  const host = containerSpecFromDocker({ Image: 'x', HostConfig: { NetworkMode: 'host', PortBindings: { '80/tcp': [{ HostPort: '80' }] } } }, null);
  assert.deepEqual(host.warnings, ['Published ports are discarded when using host network mode']);
  assert.equal(host.spec.host.portBindings, undefined);
});
