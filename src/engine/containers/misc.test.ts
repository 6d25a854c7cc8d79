import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { ContainerNetworkState, ContainerRecord, ImageRecord } from '../types.ts';
import { resolveUser, parsePasswd, parseGroup } from './user.ts';
import { decideRestart, nextBackoff, restartOnBoot } from './restart.ts';
import { filterContainers } from './filters.ts';
import { parseLogLine, readLogs, tailOffset } from './logs.ts';
import { createAttachment, detachScanner, parseDetachKeys } from './attach.ts';
import { mergeImageConfig } from './create.ts';
import { normalizeSignal } from './lifecycle.ts';
import { startFailure, conmonArgs } from './conmon.ts';
import { runtimeMessage } from './runtime.ts';
import { parsePs, parseProcStat } from './stats.ts';

test('users resolve like docker: names must exist, numbers need not, groups add supplementary gids', () => {
  const passwd = parsePasswd('root:x:0:0:root:/root:/bin/sh\nwww:x:33:33::/var/www:/bin/false\n');
  const groups = parseGroup('root:x:0:\nwww:x:33:\nstaff:x:50:www,bob\n');
  assert.deepEqual(resolveUser('', passwd, groups), { uid: 0, gid: 0, additionalGids: [], home: '/root' });
  assert.deepEqual(resolveUser('www', passwd, groups), { uid: 33, gid: 33, additionalGids: [50], home: '/var/www' });
  assert.deepEqual(resolveUser('1000:50', passwd, groups), { uid: 1000, gid: 50, additionalGids: [], home: '/' });
  assert.deepEqual(resolveUser('www:staff', passwd, groups).gid, 50);
  assert.throws(() => resolveUser('nope', passwd, groups), /unable to find user nope: no matching entries in passwd file/);
  assert.throws(() => resolveUser('www:nope', passwd, groups), /unable to find group nope/);
});

test('restart policies and back-off follow moby', () => {
  const base = { exitCode: 1, stoppedByUser: false, canceled: false, restartCount: 0, runMs: 100, backoffMs: 0 };
  assert.equal(decideRestart({ ...base, policy: { name: 'no' } }).restart, false);
  assert.equal(decideRestart({ ...base, policy: { name: 'always' }, exitCode: 0 }).restart, true);
  assert.equal(decideRestart({ ...base, policy: { name: 'always' }, canceled: true }).restart, false);
  assert.equal(decideRestart({ ...base, policy: { name: 'unless-stopped' }, stoppedByUser: true }).restart, false);
  assert.equal(decideRestart({ ...base, policy: { name: 'on-failure', maximumRetryCount: 2 }, restartCount: 1 }).restart, true);
  assert.equal(decideRestart({ ...base, policy: { name: 'on-failure', maximumRetryCount: 2 }, restartCount: 2 }).restart, false);
  assert.equal(decideRestart({ ...base, policy: { name: 'on-failure', maximumRetryCount: 0 }, exitCode: 0 }).restart, false);
  assert.deepEqual([nextBackoff(0, 5), nextBackoff(100, 5), nextBackoff(800, 5), nextBackoff(800, 10_000), nextBackoff(60_000, 5)], [100, 200, 1600, 100, 60_000]);
  assert.equal(restartOnBoot({ name: 'always' }, 0, true), true);
  assert.equal(restartOnBoot({ name: 'unless-stopped' }, 0, true), false);
});

const rec = (id: string, name: string, status: ContainerRecord['state']['status'], created: string, labels: Record<string, string> = {}, exitCode = 0) =>
  ({ id, name, created, imageRef: 'busybox', imageId: 'sha256:aa', spec: { labels }, state: { status, exitCode } }) as unknown as ContainerRecord;

test('ps filters: running by default, all, status, label, name, exited, before/since, newest first', () => {
  const list = [rec('a1', 'web', 'running', '1', { app: 'x' }), rec('b2', 'db', 'exited', '2', {}, 3), rec('c3', 'cache', 'created', '3')];
  const find = (x: string) => list.find((r) => r.id === x || r.name === x);
  const names = (f: Parameters<typeof filterContainers>[1]) => filterContainers(list, f, find, (ref, r) => r.imageRef === ref).map((r) => r.name);
  assert.deepEqual(names({}), ['web']);
  assert.deepEqual(names({ all: true }), ['cache', 'db', 'web']);
  assert.deepEqual(names({ filters: { status: ['exited'] } }), ['db']);
  assert.deepEqual(names({ all: true, filters: { label: ['app=x'] } }), ['web']);
  assert.deepEqual(names({ all: true, filters: { name: ['^d'] } }), ['db']);
  assert.deepEqual(names({ filters: { exited: ['3'] } }), ['db']);
  assert.deepEqual(names({ filters: { since: ['db'] } }), ['cache']);
  assert.deepEqual(names({ all: true, limit: 1 }), ['cache']);
  assert.throws(() => names({ filters: { bogus: ['1'] } }), /invalid filter 'bogus'/);
});

test('k8s-file log lines parse; tail reads from the end; since filters; partial lines keep no newline', async () => {
  const p = parseLogLine(Buffer.from('2026-01-02T03:04:05.123456789+01:00 stderr F hello world'));
  assert.deepEqual({ ...p, text: p!.text.toString() }, { time: '2026-01-02T02:04:05.123456789Z', seconds: Date.UTC(2026, 0, 2, 2, 4, 5) / 1000 + 0.123456789, stream: 'stderr', partial: false, text: 'hello world' });
  assert.equal(parseLogLine(Buffer.from('garbage')), null);
  const dir = await mkdtemp(`${tmpdir()}/skiff-logs-`);
  const file = `${dir}/log`;
  const lines = Array.from({ length: 5000 }, (_, i) => `2026-01-01T00:00:${String(i % 60).padStart(2, '0')}.000000001Z stdout ${i === 4999 ? 'P' : 'F'} line ${i}`);
  await writeFile(file, lines.join('\n') + '\n');
  const all = [];
  for await (const e of readLogs(file, { follow: false, stdout: true, stderr: true, timestamps: false, tail: 3 })) all.push(e.data.toString());
  assert.deepEqual(all, ['line 4997\n', 'line 4998\n', 'line 4999']);
  assert.equal(await tailOffset(file, 0), (await import('node:fs')).statSync(file).size);
  let count = 0;
  for await (const _ of readLogs(file, { follow: false, stdout: false, stderr: true, timestamps: false })) count++;
  assert.equal(count, 0);
  await rm(dir, { recursive: true });
});

test('a line conmon wrote in pieces (P … F) is one entry stamped when its end came, as docker logs it; stdout and stderr pieces wait apart', async () => {
  const dir = await mkdtemp(`${tmpdir()}/skiff-logs-`);
  const file = `${dir}/log`;
  const rec = (sec: number, stream: string, tag: string, text: string) => `2026-01-01T00:00:0${sec}.000000001Z ${stream} ${tag} ${text}`;
  await writeFile(file, [
    rec(1, 'stdout', 'P', 'counter listening'), rec(2, 'stderr', 'F', 'warning'), rec(3, 'stdout', 'F', ' on :8000'),
    rec(4, 'stdout', 'P', 'x'.repeat(10_000)), rec(5, 'stdout', 'P', 'y'.repeat(10_000)), rec(6, 'stdout', 'F', 'z'),
    rec(7, 'stdout', 'P', 'no newline'),
  ].join('\n') + '\n');
  const out: Array<[string, string, string]> = [];
  for await (const e of readLogs(file, { follow: false, stdout: true, stderr: true, timestamps: true })) out.push([e.time, e.stream, e.data.toString()]);
  assert.deepEqual(out, [
    ['2026-01-01T00:00:02.000000001Z', 'stderr', 'warning\n'],
    ['2026-01-01T00:00:03.000000001Z', 'stdout', 'counter listening on :8000\n'],
    // past 16 KiB a piece goes out as docker's copier logs a full buffer: a partial message
    ['2026-01-01T00:00:05.000000001Z', 'stdout', 'x'.repeat(10_000) + 'y'.repeat(10_000)],
    ['2026-01-01T00:00:06.000000001Z', 'stdout', 'z\n'],
    ['2026-01-01T00:00:07.000000001Z', 'stdout', 'no newline'],
  ]);
  await rm(dir, { recursive: true });
});

test('detach keys: ctrl-p,ctrl-q ends the attachment, other bytes pass through', async () => {
  assert.deepEqual([...parseDetachKeys('ctrl-p,ctrl-q')], [16, 17]);
  assert.deepEqual([...parseDetachKeys('ctrl-a,x')], [1, 120]);
  assert.throws(() => parseDetachKeys('bogus-key'), /Invalid detach keys/);
  let closed = false;
  const a = createAttachment({ stdin: true, stdout: true, stderr: true, tty: true, onClose: () => (closed = true) });
  a.attachment.input!.write(Buffer.from([104, 16, 105]));
  a.attachment.input!.write(Buffer.from([16]));
  a.attachment.input!.write(Buffer.from([17, 120]));
  await new Promise((r) => setImmediate(r));
  assert.equal(closed, true);
});

test('detach keys: a held-back prefix is input when the stream ends; a scanner passes other bytes whole', () => {
  const s = detachScanner(Buffer.from([16, 17]));
  assert.deepEqual(s.scan(Buffer.from([1, 16])), { pass: Buffer.from([1]), detach: false });
  assert.deepEqual(s.scan(Buffer.from([16, 2])), { pass: Buffer.from([16, 16, 2]), detach: false });
  assert.deepEqual(s.scan(Buffer.from([3, 16])), { pass: Buffer.from([3]), detach: false });
  assert.deepEqual([...s.rest()], [16]);
  assert.deepEqual(s.scan(Buffer.from([16, 17, 9])), { pass: Buffer.from([]), detach: true });
});

test('without a terminal, stdin is data: ctrl-p,ctrl-q passes through and does not detach', async () => {
  let closed = false;
  const a = createAttachment({ stdin: true, stdout: true, stderr: true, tty: false, onClose: () => (closed = true) });
  const bytes = Buffer.from([104, 16, 17, 105, 16]);
  a.attachment.input!.end(bytes);
  await new Promise((r) => setImmediate(r));
  assert.equal(closed, false);
  a.attachment.close();
  assert.equal(closed, true);
});

test('image config merge: user entrypoint drops the image cmd; env and labels overlay', () => {
  const image = { config: { config: { Entrypoint: ['/init'], Cmd: ['serve'], Env: ['PATH=/bin', 'A=1'], WorkingDir: '/app', Labels: { a: '1' } } } } as unknown as ImageRecord;
  const spec = { image: 'x', env: ['A=2'], labels: { b: '2' }, host: {} } as never;
  assert.deepEqual(mergeImageConfig(spec, image).argv, ['/init', 'serve']);
  assert.deepEqual(mergeImageConfig({ ...(spec as object), cmd: ['x'] } as never, image).argv, ['/init', 'x']);
  assert.deepEqual(mergeImageConfig({ ...(spec as object), entrypoint: ['sh'] } as never, image).argv, ['sh']);
  const m = mergeImageConfig(spec, image).spec;
  assert.deepEqual(m.env, ['PATH=/bin', 'A=2']);
  assert.equal(m.workingDir, '/app');
  assert.deepEqual(m.labels, { a: '1', b: '2' });
});

test('start failures map to docker\'s words and exit codes; runtime messages are unwrapped', () => {
  assert.deepEqual(startFailure('executable file `nope` not found in $PATH: No such file or directory\n', 'nope'), { message: 'exec: "nope": executable file not found in $PATH', exitCode: 127 });
  assert.equal(startFailure('open `/etc`: Permission denied', '/etc').exitCode, 126);
  assert.equal(runtimeMessage('time="x" level=error msg="container \\"a\\" does not exist"\n'), 'container "a" does not exist');
  const args = conmonArgs({ id: 'c', uuid: 'c', runtime: { name: 'crun', path: '/usr/bin/crun', root: '/r' }, bundle: '/b', pidFile: '/p', logPath: '/l', exitDir: '/e', socketDir: '/s', cwd: '/', terminal: true, stdin: true, leaveStdinOpen: true });
  assert.ok(args.includes('-t') && args.includes('--leave-stdin-open') && args.includes('--root=/r'));
});

test('top keeps the container\'s pids; /proc/stat gives system cpu', () => {
  const out = 'UID PID PPID C STIME TTY TIME CMD\nroot 1 0 0 10:00 ? 00:00:01 /sbin/init\nroot 42 1 0 10:00 ? 00:00:00 sleep 100\n';
  assert.deepEqual(parsePs(out, new Set([42])).Processes, [['root', '42', '1', '0', '10:00', '?', '00:00:00', 'sleep 100']]);
  assert.deepEqual(parseProcStat('cpu  1 2 3 4 5 6 7 0 0 0\ncpu0 1 1 1 1 1 1 1\ncpu1 1 1 1 1 1 1 1\n'), { systemCpuNs: 28 * 1e7, onlineCpus: 2 });
});

test('normalizeSignal: docker\'s signal names and numbers; an unknown one is refused, not sent as 0', () => {
  assert.equal(normalizeSignal('SIGKILL'), 'KILL');
  assert.equal(normalizeSignal('usr1'), 'USR1');
  assert.equal(normalizeSignal('9'), 'KILL');
  assert.equal(normalizeSignal('40'), '40');
  assert.equal(normalizeSignal('RTMIN+3'), '37');
  assert.equal(normalizeSignal('SIGRTMAX-1'), '63');
  assert.equal(normalizeSignal('CLD'), 'CHLD');
  assert.throws(() => normalizeSignal('BOGUS'), /Invalid signal: BOGUS/);
  assert.throws(() => normalizeSignal('0'), /Invalid signal: 0/);
  assert.throws(() => normalizeSignal('65'), /Invalid signal: 65/);
  assert.throws(() => normalizeSignal('RTMAX+1'), /Invalid signal: RTMAX\+1/);
});

test('ps filters network, volume, publish, expose: as docker matches them (they were accepted and ignored)', () => {
  const mk = (id: string, name: string, host: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    ({ id, name, created: id, imageRef: 'busybox', imageId: 'sha256:aa', spec: { labels: {}, host: { mounts: [], ...host }, ...extra }, state: { status: 'running', exitCode: 0 } }) as unknown as ContainerRecord;
  const web = mk('1', 'web', { networkMode: 'front' }, { networks: { front: {} }, exposedPorts: ['80/tcp', '53/udp'] });
  const db = mk('2', 'db', { networkMode: 'bridge', mounts: [{ type: 'volume', source: 'dbdata', target: '/var/lib/db' }, { type: 'bind', source: '/srv', target: '/srv' }] });
  const live: Record<string, ContainerNetworkState> = {
    1: { sandboxKey: '', endpoints: [{ networkName: 'front', networkId: 'f00d' } as ContainerNetworkState['endpoints'][number]], ports: [{ hostIp: '0.0.0.0', hostPort: 8080, containerPort: 80, protocol: 'tcp' }] },
  };
  const names = (filters: Record<string, string[]>) => filterContainers([web, db], { filters }, () => undefined, () => true, (id) => live[id]).map((r) => r.name);
  assert.deepEqual(names({ network: ['front'] }), ['web']);
  assert.deepEqual(names({ network: ['f00d'] }), ['web']);
  assert.deepEqual(names({ network: ['bridge'] }), ['db']);
  assert.deepEqual(names({ volume: ['dbdata'] }), ['db']);
  assert.deepEqual(names({ volume: ['/srv'] }), ['db']);
  assert.deepEqual(names({ volume: ['nope'] }), []);
  assert.deepEqual(names({ publish: ['8080'] }), ['web']);
  assert.deepEqual(names({ publish: ['8000-8100/tcp'] }), ['web']);
  assert.deepEqual(names({ publish: ['80'] }), []);
  assert.deepEqual(names({ expose: ['80'] }), ['web']);
  assert.deepEqual(names({ expose: ['53/udp'] }), ['web']);
  assert.deepEqual(names({ expose: ['53'] }), []);
  assert.throws(() => names({ publish: ['127.0.0.1:80'] }), /filter for 'publish' should not contain ':'/);
  assert.throws(() => names({ expose: ['http'] }), /error while looking up for expose http/);
});

test('--tail counts output lines, not records: a line conmon wrote in pieces (P … F) is one line, never cut', async () => {
  const dir = await mkdtemp(`${tmpdir()}/skiff-logs-`);
  const file = `${dir}/log`;
  const rec = (tag: string, text: string) => `2026-01-01T00:00:00.000000001Z stdout ${tag} ${text}`;
  await writeFile(file, [rec('F', 'one'), rec('P', 'tw'), rec('F', 'o'), rec('F', 'three'), rec('P', 'fo'), rec('P', 'u'), rec('F', 'r'), rec('P', 'tail')].join('\n') + '\n');
  const tail = async (n: number) => {
    const out: string[] = [];
    for await (const e of readLogs(file, { follow: false, stdout: true, stderr: true, timestamps: false, tail: n })) out.push(e.data.toString());
    return out.join('');
  };
  assert.equal(await tail(1), 'tail');
  assert.equal(await tail(2), 'four\ntail');
  assert.equal(await tail(3), 'three\nfour\ntail');
  assert.equal(await tail(4), 'two\nthree\nfour\ntail');
  assert.equal(await tail(5), 'one\ntwo\nthree\nfour\ntail');
  assert.equal(await tail(50), 'one\ntwo\nthree\nfour\ntail');
  await rm(dir, { recursive: true });
});
