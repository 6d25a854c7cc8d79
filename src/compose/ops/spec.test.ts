import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBody } from './spec.ts';
import { configHash } from './hash.ts';
import { containerLabels } from './names.ts';
import { testProject, testService } from './testing.ts';
import { LABEL } from '../types.ts';

test('a service becomes docker create body: ports, mounts on the project volume, network aliases, healthcheck', () => {
  const web = testService('web', {
    image: 'busybox', command: ['httpd', '-f'], environment: { A: '1' },
    ports: [{ target: 80, published: '8080', protocol: 'tcp', mode: 'ingress' }], expose: ['81'],
    volumes: [{ type: 'volume', source: 'data', target: '/data', readOnly: false }, { type: 'bind', source: '/srv', target: '/srv', readOnly: true, bind: { createHostPath: true } }],
    networks: { default: { aliases: [] }, back: { aliases: ['www'] } },
    healthcheck: { test: ['CMD', 'true'], interval: 1e9, retries: 3 }, restart: 'on-failure:3', stopGracePeriod: 5,
  });
  const p = testProject('p', [web], { volumes: { data: { name: 'p_data', external: false, driverOpts: {}, labels: {} } } });
  const b = createBody(p, web, { image: 'busybox', name: 'p-web-1', labels: { x: 'y' } });
  assert.deepEqual(b.ExposedPorts, { '81/tcp': {}, '80/tcp': {} });
  assert.deepEqual(b.HostConfig.PortBindings, { '80/tcp': [{ HostIp: '', HostPort: '8080' }] });
  assert.deepEqual(b.HostConfig.Mounts, [
    { Type: 'volume', Target: '/data', ReadOnly: false, Source: 'p_data', VolumeOptions: undefined },
    { Type: 'bind', Target: '/srv', ReadOnly: true, Source: '/srv', BindOptions: { Propagation: undefined, CreateMountpoint: true } },
  ]);
  assert.equal(b.HostConfig.NetworkMode, 'p_default');
  assert.deepEqual(b.NetworkingConfig?.EndpointsConfig, { p_default: { Aliases: ['web', 'p-web-1'] }, p_back: { Aliases: ['web', 'p-web-1', 'www'] } });
  assert.deepEqual(b.HostConfig.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 3 });
  assert.deepEqual(b.Env, ['A=1']);
  assert.deepEqual(b.Healthcheck, { Test: ['CMD', 'true'], Interval: 1e9, Timeout: undefined, Retries: 3, StartPeriod: undefined, StartInterval: undefined });
  assert.equal(b.StopTimeout, 5);
});

test('network_mode: service:X joins X\'s container; host stays host', () => {
  const s = testService('side', { networkMode: 'service:web', networks: {} });
  const p = testProject('p', [s]);
  assert.equal(createBody(p, s, { image: 'i', name: 'n', labels: {}, networkModeContainer: 'abc' }).HostConfig.NetworkMode, 'container:abc');
  const h = testService('h', { networkMode: 'host', networks: {} });
  const b = createBody(testProject('p', [h]), h, { image: 'i', name: 'n', labels: {} });
  assert.equal(b.HostConfig.NetworkMode, 'host');
  assert.equal(b.NetworkingConfig, undefined);
});

test('config hash: stable across key order, changes with the config, not with scale or build', () => {
  const a = testService('web', { image: 'busybox', environment: { A: '1', B: '2' } });
  const b = testService('web', { environment: { B: '2', A: '1' }, image: 'busybox' });
  assert.equal(configHash(a), configHash(b));
  assert.equal(configHash(a), configHash({ ...a, scale: 3, build: { context: '/x', dockerfile: 'Dockerfile', args: {}, labels: {}, cacheFrom: [] } }));
  assert.notEqual(configHash(a), configHash({ ...a, environment: { A: '2', B: '2' } }));
  assert.match(configHash(a), /^[0-9a-f]{64}$/);
});

test('container labels: docker compose\'s set', () => {
  const s = testService('web', { dependsOn: { db: { condition: 'service_healthy', required: true, restart: false } }, labels: { mine: '1' } });
  const l = containerLabels(testProject('p', [s]), s, { number: 2, hash: 'h', imageId: 'sha256:x', oneoff: false, version: '1.0' });
  assert.deepEqual(l, {
    mine: '1', [LABEL.project]: 'p', [LABEL.service]: 'web', [LABEL.number]: '2', [LABEL.oneoff]: 'False', [LABEL.configHash]: 'h',
    [LABEL.workingDir]: '/tmp', [LABEL.configFiles]: '/tmp/compose.yaml', [LABEL.dependsOn]: 'db:service_healthy:false', [LABEL.image]: 'sha256:x', [LABEL.version]: '1.0',
  });
});
