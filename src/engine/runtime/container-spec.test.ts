import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as Cri from '../types/runtime.ts';
import { containerLogPath, podContainerSpec, sandboxFacts, sandboxSpec } from './container-spec.ts';
import { criAnnotations, criLabels } from './labels.ts';
import { isoToNs, toContainerStatus } from './status.ts';
import type { ContainerRecord } from '../types.ts';

const sandbox: Cri.PodSandboxConfig = {
  metadata: { name: 'web', uid: 'u1', namespace: 'ns', attempt: 2 }, hostname: 'web-0', logDirectory: '/var/log/pods/ns_web_u1',
  portMappings: [{ protocol: 'TCP', containerPort: 80, hostPort: 8080 }, { protocol: 'UDP', containerPort: 53 }],
  labels: { app: 'web' }, annotations: { 'kubernetes.io/config.seen': 'now' },
  dnsConfig: { servers: ['10.96.0.10'], searches: ['ns.svc.cluster.local'], options: ['ndots:5'] },
  linux: { sysctls: { 'net.ipv4.ip_unprivileged_port_start': '0' } },
};

const container = (o: Partial<Cri.ContainerConfig>): Cri.ContainerConfig => ({
  metadata: { name: 'app', attempt: 1 }, image: { image: 'busybox' }, command: [], args: [], envs: [], mounts: [],
  labels: {}, annotations: {}, logPath: 'app/1.log', stdin: false, stdinOnce: false, tty: false, linux: {}, ...o,
});

test('a sandbox: its name, network, DNS, published hostPorts and labels', () => {
  const s = sandboxSpec(sandbox, sandboxFacts(sandbox, ''), 'skiff/pause:1', 'k8s-pods');
  assert.equal(s.name, 'k8s_POD_web_ns_u1_2');
  assert.equal(s.host.networkMode, 'k8s-pods');
  assert.equal(s.host.ipcMode, 'shareable');
  assert.equal(s.hostname, 'web-0');
  assert.deepEqual([s.host.dns, s.host.dnsSearch, s.host.dnsOptions], [['10.96.0.10'], ['ns.svc.cluster.local'], ['ndots:5']]);
  assert.deepEqual(s.host.portBindings, [{ containerPort: 80, protocol: 'tcp', hostIp: '', hostPort: 8080 }]);
  assert.deepEqual(criLabels(s.labels), { app: 'web' });
  assert.deepEqual(criAnnotations(s.labels), { 'kubernetes.io/config.seen': 'now' });
  const host = { ...sandbox, linux: { sysctls: {}, securityContext: { namespaceOptions: { network: 'NODE' as const, pid: 'NODE' as const, ipc: 'NODE' as const } } } };
  const h = sandboxSpec(host, sandboxFacts(host, ''), 'skiff/pause:1', 'k8s-pods');
  assert.deepEqual([h.host.networkMode, h.host.utsMode, h.host.pidMode, h.host.ipcMode, h.hostname, h.host.portBindings], ['host', 'host', 'host', 'host', undefined, undefined]);
});

test('a sandbox\'s seccomp follows the CRI rule of containers: none asked for is unconfined, RuntimeDefault the engine\'s', () => {
  assert.deepEqual(sandboxSpec(sandbox, sandboxFacts(sandbox, ''), 'skiff/pause:1', 'k8s-pods').host.securityOpt, ['seccomp=unconfined']);
  const withProfile = (profileType: 'RuntimeDefault' | 'Unconfined') => ({ ...sandbox, linux: { ...sandbox.linux, securityContext: { ...sandbox.linux.securityContext, seccompProfile: { profileType } } } });
  assert.deepEqual(sandboxSpec(withProfile('RuntimeDefault'), sandboxFacts(sandbox, ''), 'skiff/pause:1', 'k8s-pods').host.securityOpt, []);
  assert.deepEqual(sandboxSpec(withProfile('Unconfined'), sandboxFacts(sandbox, ''), 'skiff/pause:1', 'k8s-pods').host.securityOpt, ['seccomp=unconfined']);
});

test('command and args: Kubernetes\' rules over the image\'s ENTRYPOINT and CMD', () => {
  const f = sandboxFacts(sandbox, '');
  const spec = (o: Partial<Cri.ContainerConfig>) => podContainerSpec('sb', sandbox.metadata, f, container(o));
  assert.deepEqual([spec({}).entrypoint, spec({}).cmd], [undefined, undefined]);
  assert.deepEqual([spec({ command: ['a'] }).entrypoint, spec({ command: ['a'] }).cmd], [['a'], undefined]);
  assert.deepEqual([spec({ args: ['b'] }).entrypoint, spec({ args: ['b'] }).cmd], [undefined, ['b']]);
  const s = spec({ command: ['a'], args: ['b'], envs: [{ key: 'K', value: 'v=1' }] });
  assert.deepEqual([s.entrypoint, s.cmd, s.env], [['a'], ['b'], ['HOSTNAME=web-0', 'K=v=1']]);
  assert.equal(s.name, 'k8s_app_web_ns_u1_1');
  assert.deepEqual([s.host.networkMode, s.host.ipcMode, s.host.utsMode, s.host.pidMode], ['container:sb', 'container:sb', 'container:sb', undefined]);
  assert.equal(s.logPath, '/var/log/pods/ns_web_u1/app/1.log');
});

test('security context and mounts map onto the engine\'s typed settings', () => {
  const s = podContainerSpec('sb', sandbox.metadata, sandboxFacts(sandbox, ''), container({
    mounts: [{ containerPath: '/d', hostPath: '/h', readonly: true, propagation: 'PROPAGATION_HOST_TO_CONTAINER' }],
    linux: { securityContext: { runAsUser: 10, runAsGroup: 20, seccompProfile: { profileType: 'RuntimeDefault' }, namespaceOptions: { network: 'POD', pid: 'POD', ipc: 'POD' } } },
  }));
  assert.equal(s.user, '10:20');
  assert.deepEqual(s.host.securityOpt, []);
  assert.equal(s.host.pidMode, 'container:sb');
  assert.deepEqual(s.host.mounts, [{ type: 'bind', source: '/h', target: '/d', readOnly: true, origin: 'mounts', createHostPath: true, propagation: 'rslave' }]);
  assert.deepEqual(podContainerSpec('sb', sandbox.metadata, sandboxFacts(sandbox, ''), container({})).host.securityOpt, ['seccomp=unconfined']);
  assert.throws(() => containerLogPath('/var/log/pods/x', '../y/0.log'), { kind: 'InvalidArgument' });
});

test('TARGET PID mode joins the target container\'s PID namespace (an ephemeral container); without a target id it is refused', () => {
  const target = (targetId?: string) => container({ linux: { securityContext: { namespaceOptions: { network: 'POD', pid: 'TARGET', ipc: 'POD', ...(targetId ? { targetId } : {}) } } } });
  assert.equal(podContainerSpec('sb', sandbox.metadata, sandboxFacts(sandbox, ''), target('c0ffee')).host.pidMode, 'container:c0ffee');
  assert.throws(() => podContainerSpec('sb', sandbox.metadata, sandboxFacts(sandbox, ''), target()), { kind: 'InvalidArgument' });
});

test('times in unix ns; a start that failed is an exited ContainerCannotRun', () => {
  assert.equal(isoToNs('2026-12-05T02:14:30.123456789Z'), Date.parse('2026-12-05T02:14:30Z') * 1e6 + 123456789);
  assert.equal(isoToNs('0001-01-01T00:00:00Z'), 0);
  const rec = {
    id: 'c1', name: 'n', created: '2026-12-05T02:14:30.5Z', imageRef: 'busybox', imageId: 'sha256:aa', logPath: '/l', runtime: 'crun',
    spec: { labels: {} }, path: 'x', args: [],
    state: { status: 'created', pid: 0, exitCode: 127, oomKilled: false, error: 'exec: "x": executable file not found in $PATH', startedAt: '0001-01-01T00:00:00Z', finishedAt: '0001-01-01T00:00:00Z', restartCount: 0, stoppedByUser: false },
  } as unknown as ContainerRecord;
  const s = toContainerStatus(rec);
  assert.deepEqual([s.state, s.reason, s.exitCode, s.startedAt, s.finishedAt === s.createdAt], ['CONTAINER_EXITED', 'ContainerCannotRun', 127, 0, true]);
  assert.match(s.message, /executable file not found/);
});
