import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerRecord } from '../types.ts';
import { buildOciSpec, buildExecProcess, mergeEnv, processEnv, type HostFacts } from './spec.ts';
import { containerCapabilities, defaultCapabilities, allCapabilities, normalizeCapability } from './caps.ts';
import { toOciSeccomp, type SeccompProfile } from './seccomp.ts';

const rec = (host: Partial<ContainerRecord['spec']['host']> = {}, o: Partial<ContainerRecord['spec']> = {}): ContainerRecord => ({
  id: 'ab'.repeat(32), name: 'web', created: '', imageRef: 'busybox', imageId: 'sha256:x' as never, path: 'sh', args: ['-c', 'true'],
  runtime: 'crun', logPath: '/l',
  state: { status: 'created', pid: 0, exitCode: 0, oomKilled: false, error: '', startedAt: '', finishedAt: '', restartCount: 0, stoppedByUser: false },
  spec: { image: 'busybox', env: ['A=1'], labels: {}, tty: false, openStdin: false, stdinOnce: false, attachStdin: false, attachStdout: true, attachStderr: true, ...o,
    host: { restartPolicy: { name: 'no' }, autoRemove: false, networkMode: 'none', readonlyRootfs: false, capAdd: [], capDrop: [], privileged: false, mounts: [], ...host } },
});
const profile: SeccompProfile = {
  defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 38,
  archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] }],
  syscalls: [
    { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW', args: [], includes: {}, excludes: {} },
    { names: ['arch_prctl'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['amd64'] } },
    { names: ['sync_file_range2'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['ppc64le'] } },
    { names: ['chroot'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_CHROOT'] } },
    { names: ['bpf'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
    { names: ['bpf'], action: 'SCMP_ACT_ERRNO', excludes: { caps: ['CAP_SYS_ADMIN'] }, errnoRet: 1 },
    { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }] },
  ],
};
const facts = (o: Partial<HostFacts> = {}): HostFacts => ({
  rootfs: '/merged', user: { uid: 0, gid: 0, additionalGids: [], home: '/' }, nofileHard: 20000, knownCaps: allCapabilities,
  seccompProfile: profile, etcFiles: { hostname: '/c/hostname', hosts: '/c/hosts', resolvConf: '/c/resolv.conf' },
  swapAccounting: true, hostDevices: [], hostname: 'abababababab', ...o,
});

test('default capabilities are docker\'s 14; add, drop and ALL work; privileged gets all', () => {
  assert.equal(defaultCapabilities.length, 14);
  assert.deepEqual(new Set(containerCapabilities({ capAdd: [], capDrop: [], privileged: false })), new Set(defaultCapabilities));
  const c = containerCapabilities({ capAdd: ['net_admin'], capDrop: ['CAP_CHOWN', 'kill'], privileged: false });
  assert.ok(c.includes('CAP_NET_ADMIN') && !c.includes('CAP_CHOWN') && !c.includes('CAP_KILL'));
  assert.deepEqual(containerCapabilities({ capAdd: ['NET_BIND_SERVICE'], capDrop: ['ALL'], privileged: false }), ['CAP_NET_BIND_SERVICE']);
  assert.equal(containerCapabilities({ capAdd: ['ALL'], capDrop: [], privileged: false }).length, allCapabilities.length);
  assert.equal(containerCapabilities({ capAdd: [], capDrop: [], privileged: true }).length, allCapabilities.length);
  assert.throws(() => normalizeCapability('FOO'), /unknown capability: "CAP_FOO"/);
});

test('the spec: namespaces, cgroups path, rlimit within the hard limit, no swap, cpu from nanoCpus', () => {
  const s = buildOciSpec(rec({ memory: 32 << 20, nanoCpus: 1.5e9, pidsLimit: 50 }), facts());
  assert.deepEqual(s.linux.namespaces.map((n) => n.type), ['pid', 'ipc', 'uts', 'mount', 'network']);
  assert.equal(s.linux.cgroupsPath, `/skiff/${'ab'.repeat(32)}`);
  assert.deepEqual(s.process.rlimits, [{ type: 'RLIMIT_NOFILE', hard: 20000, soft: 20000 }]);
  assert.deepEqual(s.linux.resources.memory, { limit: 32 << 20, swap: 32 << 20 });
  assert.deepEqual(s.linux.resources.cpu, { period: 100000, quota: 150000 });
  assert.deepEqual(s.linux.resources.pids, { limit: 50 });
  assert.equal(s.process.noNewPrivileges, true);
  assert.deepEqual(s.process.args, ['sh', '-c', 'true']);
  assert.deepEqual(s.process.env, ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOSTNAME=abababababab', 'A=1']);
  assert.ok(s.mounts.some((m) => m.destination === '/etc/hosts' && m.source === '/c/hosts'));
  assert.ok(s.linux.maskedPaths.includes('/proc/kcore'));
  assert.ok(s.linux.seccomp);
});

test('host network has no network namespace; binds and tmpfs become mounts; privileged drops confinement', () => {
  const s = buildOciSpec(rec({ networkMode: 'host', mounts: [
    { type: 'bind', source: '/data', target: '/data', readOnly: true, origin: 'binds' },
    { type: 'tmpfs', source: '', target: '/run', readOnly: false, origin: 'tmpfs', tmpfsOptions: { options: ['size=1m'] } },
  ] }), facts());
  assert.ok(!s.linux.namespaces.some((n) => n.type === 'network'));
  assert.deepEqual(s.mounts.find((m) => m.destination === '/data'), { destination: '/data', type: 'bind', source: '/data', options: ['rbind', 'ro', 'rprivate'] });
  assert.deepEqual(s.mounts.find((m) => m.destination === '/run')?.options, ['nosuid', 'nodev', 'noexec', 'size=1m']);
  const p = buildOciSpec(rec({ privileged: true }), facts());
  assert.equal(p.linux.seccomp, undefined);
  assert.deepEqual(p.linux.maskedPaths, []);
  assert.equal(p.process.noNewPrivileges, false);
  assert.deepEqual(p.linux.resources.devices, [{ allow: true, access: 'rwm' }]);
  assert.equal(buildOciSpec(rec({ securityOpt: ['seccomp=unconfined'] }), facts()).linux.seccomp, undefined);
});

test('seccomp: rules kept by arch and capabilities, as moby does', () => {
  const s = toOciSeccomp(profile, defaultCapabilities, 'amd64');
  assert.deepEqual(s.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  const names = s.syscalls.map((r) => `${r.names.join(',')}:${r.action}`);
  assert.deepEqual(names, ['read,write:SCMP_ACT_ALLOW', 'arch_prctl:SCMP_ACT_ALLOW', 'chroot:SCMP_ACT_ALLOW', 'bpf:SCMP_ACT_ERRNO', 'personality:SCMP_ACT_ALLOW']);
  assert.equal(s.syscalls.find((r) => r.names[0] === 'bpf')?.errnoRet, 1);
  assert.deepEqual(s.syscalls.at(-1)?.args, [{ index: 0, value: 8, valueTwo: 0, op: 'SCMP_CMP_EQ' }]);
  assert.equal(s.defaultErrnoRet, 38);
  const admin = toOciSeccomp(profile, [...defaultCapabilities, 'CAP_SYS_ADMIN'], 'amd64');
  assert.ok(admin.syscalls.some((r) => r.names[0] === 'bpf' && r.action === 'SCMP_ACT_ALLOW'));
});

test('env: later values win; TERM for a tty; exec process overrides args, env, cwd, tty', () => {
  assert.deepEqual(mergeEnv(['A=1', 'B=2'], ['B=3', 'C=4']), ['A=1', 'B=3', 'C=4']);
  assert.deepEqual(processEnv(['PATH=/x'], 'h', true), ['HOSTNAME=h', 'TERM=xterm', 'PATH=/x']);
  const base = buildOciSpec(rec(), facts()).process;
  const p = buildExecProcess(base, { cmd: ['ps'], env: ['X=1'], tty: true, attachStdin: false, attachStdout: true, attachStderr: true, privileged: false, workingDir: '/tmp' }, null, allCapabilities);
  assert.deepEqual(p.args, ['ps']);
  assert.equal(p.cwd, '/tmp');
  assert.equal(p.terminal, true);
  assert.ok(p.env.includes('X=1') && p.env.includes('TERM=xterm') && p.env.includes('A=1'));
});

test('user mounts: parents before children, the container\'s /etc files after a volume at /etc, defaults replaced', () => {
  const s = buildOciSpec(rec({ mounts: [
    { type: 'volume', source: 'v2', target: '/etc/app', readOnly: false, origin: 'binds' },
    { type: 'volume', source: 'v1', target: '/etc', readOnly: false, origin: 'binds' },
    { type: 'tmpfs', source: '', target: '/dev/shm', readOnly: false, origin: 'tmpfs' },
  ] }), { ...facts(), volumePaths: { v1: '/vols/v1/_data', v2: '/vols/v2/_data' } });
  const dests = s.mounts.map((m) => m.destination);
  assert.ok(dests.indexOf('/etc') < dests.indexOf('/etc/hosts'));
  assert.ok(dests.indexOf('/etc') < dests.indexOf('/etc/app'));
  assert.equal(dests.filter((d) => d === '/dev/shm').length, 1);
  assert.equal(s.mounts.find((m) => m.destination === '/dev/shm')?.source, 'tmpfs', 'the user\'s tmpfs, not the default shm');
  assert.deepEqual(s.mounts.find((m) => m.destination === '/etc'), { destination: '/etc', type: 'bind', source: '/vols/v1/_data', options: ['rbind', 'rw', 'rprivate'] });
  assert.throws(() => buildOciSpec(rec({ mounts: [{ type: 'volume', source: 'x', target: '/x', readOnly: false, origin: 'binds' }] }), facts()), /volume x was not mounted/);
});
