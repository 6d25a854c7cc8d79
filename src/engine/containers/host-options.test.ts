import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyHostOptions, checkCpuset, checkSysctls, parseCpuList } from './host-options.ts';
import { fromHumanSize, rotationOf } from './log-driver.ts';
import type { ContainerRecord } from '../types.ts';
import type { OciSpec } from './spec.ts';

test('parseCpuList reads kernel cpu lists and refuses anything else', () => {
  assert.deepEqual([...parseCpuList('0-2,5')!], [0, 1, 2, 5]);
  assert.equal(parseCpuList('1-x'), null);
  assert.equal(parseCpuList('3-1'), null);
});

test('checkCpuset: docker\'s messages for unavailable and malformed sets', () => {
  const host = { cpus: '0-1', mems: '0' };
  checkCpuset('0,1', '0', host);
  assert.throws(() => checkCpuset('2', undefined, host), /Requested CPUs are not available - requested 2, available: 0-1\./);
  assert.throws(() => checkCpuset(undefined, '1', host), /Requested memory nodes are not available - requested 1, available: 0\./);
  assert.throws(() => checkCpuset('a', undefined, host), /Invalid value a for cpuset cpus\./);
});

test('checkSysctls: namespaced ones only, net.* not in the host network, IPC ones not in the host IPC', () => {
  const h = (o: Record<string, unknown>) => ({ sysctls: {}, ...o }) as never;
  checkSysctls(h({ sysctls: { 'net.ipv4.ip_forward': '1', 'kernel.shmmax': '1', 'fs.mqueue.msg_max': '10' } }));
  assert.throws(() => checkSysctls(h({ networkMode: 'host', sysctls: { 'net.core.somaxconn': '1' } })), /not allowed in host network namespace/);
  assert.throws(() => checkSysctls(h({ ipcMode: 'host', sysctls: { 'kernel.sem': '1' } })), /not allowed in host ipc namespace/);
  assert.throws(() => checkSysctls(h({ sysctls: { 'vm.swappiness': '1' } })), /is not in a separate kernel namespace/);
});

test('applyHostOptions: host namespaces dropped, joins, sysctls, cpuset, device rules, gids, init', () => {
  const spec = {
    process: { args: ['sh'], user: { uid: 0, gid: 0 } },
    hostname: 'x',
    mounts: [{ destination: '/dev/shm', type: 'tmpfs', source: 'shm' }],
    linux: { namespaces: [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }], resources: { devices: [] }, devices: [] },
  } as unknown as OciSpec;
  const rec = { spec: { host: { pidMode: 'host', utsMode: 'host', ipcMode: 'container:abc', sysctls: { 'kernel.shmmax': '9' }, cpusetCpus: '0', deviceCgroupRules: ['c 1:* rw'] } } } as unknown as ContainerRecord;
  const out = applyHostOptions(spec, rec, { joins: { ipc: '/proc/7/ns/ipc' }, additionalGids: [5, 5, 6], devices: [], init: '/usr/bin/tini-static' });
  assert.deepEqual(out.linux.namespaces, [{ type: 'ipc', path: '/proc/7/ns/ipc' }, { type: 'mount' }]);
  assert.equal(out.hostname, undefined);
  assert.deepEqual((out.linux as Record<string, unknown>).sysctl, { 'kernel.shmmax': '9' });
  assert.deepEqual(out.linux.resources.cpu, { cpus: '0' });
  assert.deepEqual(out.linux.resources.devices, [{ allow: true, type: 'c', major: 1, access: 'rw' }]);
  assert.deepEqual(out.process.user.additionalGids, [5, 6]);
  assert.deepEqual(out.process.args, ['/sbin/docker-init', '--', 'sh']);
  assert.ok(out.mounts.some((m) => m.destination === '/sbin/docker-init' && m.source === '/usr/bin/tini-static'));
});

test('log drivers: sizes as go-units reads them, rotation per driver, docker\'s refusals', () => {
  assert.equal(fromHumanSize('1k'), 1000);
  assert.equal(fromHumanSize('10MB'), 10e6);
  assert.equal(rotationOf({ type: 'json-file', config: {} }), null);
  assert.deepEqual(rotationOf({ type: 'json-file', config: { 'max-size': '1k', 'max-file': '2' } }), { maxSize: 1000, maxFile: 2 });
  assert.deepEqual(rotationOf({ type: 'local', config: {} }), { maxSize: 20e6, maxFile: 5 });
  assert.equal(rotationOf({ type: 'none', config: {} }), null);
  assert.throws(() => rotationOf({ type: 'syslogx', config: {} }), /logger: no log driver named 'syslogx' is registered/);
  assert.throws(() => rotationOf({ type: 'json-file', config: { 'max-file': '0' } }), /max-file cannot be less than 1/);
  assert.throws(() => rotationOf({ type: 'json-file', config: { compress: 'true' } }), /compress cannot be true/);
  assert.throws(() => rotationOf({ type: 'local', config: { 'max-file': '1' } }), /compression cannot be enabled when max file count is 1/);
  assert.throws(() => rotationOf({ type: 'local', config: { foo: '1' } }), /unknown log opt 'foo' for log driver local/);
});

test('parseNetDev reads this host\'s /proc/net/dev (lo left out, docker\'s field names)', async () => {
  const { readFileSync } = await import('node:fs');
  const { parseNetDev } = await import('./stats.ts');
  const text = readFileSync('/proc/net/dev', 'utf8');
  const parsed = parseNetDev(text);
  assert.ok(!('lo' in parsed));
  const names = text.split('\n').slice(2).map((l) => l.split(':')[0].trim()).filter((n) => n && n !== 'lo');
  assert.deepEqual(Object.keys(parsed).sort(), names.sort());
  for (const v of Object.values(parsed)) assert.deepEqual(Object.keys(v), ['rx_bytes', 'rx_packets', 'rx_errors', 'rx_dropped', 'tx_bytes', 'tx_packets', 'tx_errors', 'tx_dropped']);
});

test('docker update merge: NanoCpus clears period/quota, zeros leave values, -1 pids means unlimited', async () => {
  const { mergeUpdate, updateResources } = await import('./update.ts');
  const h = { memory: 32e6, cpuPeriod: 50000, cpuQuota: 20000, pidsLimit: 10, restartPolicy: { name: 'no' } } as never;
  const next = mergeUpdate(h, { nanoCpus: 5e8, pidsLimit: -1, memory: 0 });
  assert.deepEqual([next.memory, next.nanoCpus, next.cpuPeriod, next.cpuQuota, next.pidsLimit], [32e6, 5e8, undefined, undefined, undefined]);
  assert.deepEqual(updateResources({ nanoCpus: 5e8, pidsLimit: -1 }, next, true), { cpu: { period: 100000, quota: 50000 }, pids: { limit: -1 } });
});
