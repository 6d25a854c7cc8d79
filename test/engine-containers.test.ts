// Real containers through the engine library (createEngine), no daemon or CLI in between: run, logs,
// exec, stop, OOM, restart policy, start failures, and re-adoption by a second engine on the same root.
// Needs root, crun or runc, conmon, dist/skiff-attach-relay and the busybox base image tar.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createEngine } from '../src/engine/index.ts';
import { sweepNetwork, testNetworkOptions } from '../src/engine/network/testing.ts';
import type { ContainerSpec, Engine, LogEntry } from '../src/engine/index.ts';

const BUSYBOX_TAR = '/var/cache/skiff/base-images/busybox.tar';
let dir = '';
let engine: Engine;
const root = () => `${dir}/root`;
const runRoot = () => `${dir}/run`;

function spec(cmd: string[], o: Partial<ContainerSpec> = {}, host: Partial<ContainerSpec['host']> = {}): ContainerSpec {
  return {
    image: 'busybox', cmd, env: [], labels: {}, tty: false, openStdin: false, stdinOnce: false,
    attachStdin: false, attachStdout: true, attachStderr: true, ...o,
    host: { restartPolicy: { name: 'no' }, autoRemove: false, networkMode: 'none', readonlyRootfs: false, capAdd: [], capDrop: [], privileged: false, mounts: [], ...host },
  };
}

async function collect(it: AsyncIterable<{ data: Buffer }>): Promise<string> {
  let s = '';
  for await (const c of it) s += c.data.toString();
  return s;
}

async function logsOf(id: string): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  for await (const e of engine.containers.logs(id, { follow: false, stdout: true, stderr: true, timestamps: false })) out.push(e);
  return out;
}

async function until<T>(fn: () => Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(50);
  }
}

// a default bridge of this file's own, the same across the engine restarts below
const net = testNetworkOptions();

before(async () => {
  assert.ok(existsSync(BUSYBOX_TAR), `missing ${BUSYBOX_TAR}: run scripts/base-images busybox`);
  dir = await mkdtemp('/var/tmp/skiff-engine-test-');
  engine = await createEngine({ root: root(), runRoot: runRoot(), ...net });
  await engine.images.importRootfs(createReadStream(BUSYBOX_TAR), {
    ref: 'busybox:latest', changes: ['CMD ["sh"]', 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
  });
});

after(async () => {
  // containers outlive engines by design: kill what is left by pid (conmon pid files under our root)
  await engine?.close().catch(() => {});
  const cdir = `${root()}/containers`;
  for (const id of await readdir(cdir).catch(() => [] as string[])) {
    for (const f of ['pidfile', 'conmon.pid']) {
      const pid = Number(await readFile(`${cdir}/${id}/userdata/${f}`, 'utf8').catch(() => '0'));
      if (pid > 0) try { process.kill(pid, 'SIGKILL'); } catch {}
    }
  }
  await sleep(200);
  for (const rt of ['crun', 'runc']) {
    const base = `${runRoot()}/${rt}`;
    for (const id of await readdir(base).catch(() => [] as string[])) {
      if (id.startsWith('.')) continue;
      try { execFileSync(rt, ['--root', base, 'delete', '--force', id], { stdio: 'ignore' }); } catch {}
    }
  }
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m) => m?.startsWith(dir));
  for (const m of mounts.reverse()) try { execFileSync('umount', ['-l', m]); } catch {}
  for (const ctrl of await readdir('/sys/fs/cgroup').catch(() => [] as string[])) {
    for (const id of await readdir(`${cdir}`).catch(() => [] as string[])) await rm(`/sys/fs/cgroup/${ctrl}/skiff/${id}`, { recursive: false }).catch(() => {});
  }
  await sweepNetwork(root(), net.bridge);
  await rm(dir, { recursive: true, force: true });
});

test('run --rm echo hi: attached output, exit 0, container removed', async () => {
  const c = engine.containers;
  const rec = await c.create(spec(['echo', 'hi'], {}, { autoRemove: true }));
  const a = await c.attach(rec.id, { stdin: false, stdout: true, stderr: true, stream: true });
  const removed = c.wait(rec.id, 'removed');
  await c.start(rec.id);
  assert.equal(await collect(a.output), 'hi\n');
  assert.equal((await removed).StatusCode, 0);
  await assert.rejects(c.get(rec.id), { kind: 'NotFound' });
  assert.ok(!existsSync(`${root()}/containers/${rec.id}`));
});

test('logs keep stdout and stderr apart; hostname is the short id; PID 1 is the command', async () => {
  const c = engine.containers;
  const rec = await c.create(spec(['sh', '-c', 'echo out; echo err >&2; sleep 0.2; hostname; echo pid=$$']));
  const done = c.wait(rec.id, 'next-exit');
  await c.start(rec.id);
  assert.equal((await done).StatusCode, 0);
  const entries = await logsOf(rec.id);
  const text = (s: string) => entries.filter((e) => e.stream === s).map((e) => e.data.toString()).join('');
  assert.equal(text('stdout'), `out\n${rec.id.slice(0, 12)}\npid=1\n`);
  assert.equal(text('stderr'), 'err\n');
  // conmon reads stdout and stderr from two pipes: the pause above lets it log `err` before the last line
  const tail = [];
  for await (const e of c.logs(rec.id, { follow: false, stdout: true, stderr: true, timestamps: false, tail: 1 })) tail.push(e.data.toString());
  assert.deepEqual(tail, ['pid=1\n']);
  assert.equal((await c.get(rec.id)).state.status, 'exited');
  await c.remove(rec.id, { force: false });
});

test('a running container: exec ps sees sleep as PID 1, top, stats; rm without force is refused; stop', async () => {
  const c = engine.containers;
  const rec = await c.create(spec(['sleep', '100'], { name: 'sleeper' }));
  await c.start(rec.id);
  assert.equal((await c.get('sleeper')).state.status, 'running');
  const ex = await c.execCreate('sleeper', { cmd: ['ps'], env: [], tty: false, attachStdin: false, attachStdout: true, attachStderr: true, privileged: false });
  const att = await c.execStart(ex.id, { detach: false, tty: false });
  const ps = await collect(att!.output);
  assert.match(ps, /^\s*1 root\s.*sleep 100$/m, ps);
  assert.equal((await c.execInspect(ex.id)).exitCode, 0);
  const missing = await c.execCreate(rec.id, { cmd: ['nope'], env: [], tty: false, attachStdin: false, attachStdout: true, attachStderr: true, privileged: false });
  await assert.rejects(c.execStart(missing.id, { detach: false, tty: false }), /executable file not found/);
  assert.equal((await c.execInspect(missing.id)).exitCode, 127);
  const top = await c.top(rec.id);
  assert.ok(top.Processes.some((p) => p.at(-1) === 'sleep 100'), JSON.stringify(top));
  const stats = await c.stats(rec.id);
  assert.ok(stats.pidsCurrent >= 1 && stats.memoryUsage > 0);
  await assert.rejects(c.remove('sleeper', { force: false }), (e: Error) => e.message === 'cannot remove container "/sleeper": container is running: stop the container before removing or force remove');
  await assert.rejects(c.create(spec(['true'], { name: 'sleeper' })), /The container name "\/sleeper" is already in use/);
  const t0 = Date.now();
  await c.stop(rec.id, { timeoutSec: 1 });
  const after = await c.get(rec.id);
  assert.equal(after.state.status, 'exited');
  assert.equal(after.state.exitCode, 137); // sleep as PID 1 ignores SIGTERM: killed after the timeout
  assert.ok(Date.now() - t0 < 5000);
  await c.remove(rec.id, { force: false });
});

test('-m 32m: allocating 64MB is OOM-killed (137, oomKilled)', async () => {
  const c = engine.containers;
  const rec = await c.create(spec(['sh', '-c', 'x=$(head -c 67108864 /dev/zero | tr "\\0" a); echo survived'], {}, { memory: 32 * 1024 * 1024 }));
  const done = c.wait(rec.id, 'next-exit');
  await c.start(rec.id);
  assert.equal((await done).StatusCode, 137);
  const r = await c.get(rec.id);
  assert.equal(r.state.oomKilled, true);
  await c.remove(rec.id, { force: true });
});

test('command not found: 127, nothing left by a failed --rm run; unknown image', async () => {
  const c = engine.containers;
  const rec = await c.create(spec(['nope']));
  await assert.rejects(c.start(rec.id), (e: Error & { kind?: string }) => e.kind === 'InvalidArgument' && /exec: "nope": executable file not found in \$PATH/.test(e.message));
  const r = await c.get(rec.id);
  assert.equal(r.state.exitCode, 127);
  await c.remove(rec.id, { force: false });
  const rm = await c.create(spec(['nope'], {}, { autoRemove: true }));
  await assert.rejects(c.start(rm.id));
  await assert.rejects(c.get(rm.id), { kind: 'NotFound' });
  await assert.rejects(c.create(spec(['true'], { image: 'busybox:nope' })), (e: Error) => e.message === 'No such image: busybox:nope');
  const names = (await readdir(`${root()}/containers`)).filter((n) => !n.startsWith('.'));
  assert.deepEqual(names, []);
});

test('restart policy on-failure:2 restarts twice, then rests', async () => {
  const c = engine.containers;
  const rec = await c.create(spec(['sh', '-c', 'exit 3'], {}, { restartPolicy: { name: 'on-failure', maximumRetryCount: 2 } }));
  await c.start(rec.id);
  const r = await until(async () => {
    const x = await c.get(rec.id);
    return x.state.status === 'exited' && x.state.restartCount === 2 && x;
  });
  assert.equal(r.state.exitCode, 3);
  await sleep(500);
  assert.equal((await c.get(rec.id)).state.restartCount, 2);
  await c.remove(rec.id, { force: true });
});

test('a container outlives its engine and is re-adopted by the next one', async () => {
  let c = engine.containers;
  const rec = await c.create(spec(['sleep', '100'], { name: 'survivor' }));
  await c.start(rec.id);
  const pid = (await c.get(rec.id)).state.pid;
  await engine.close();
  engine = await createEngine({ root: root(), runRoot: runRoot(), ...net });
  c = engine.containers;
  const again = await c.get('survivor');
  assert.equal(again.state.status, 'running');
  assert.equal(again.state.pid, pid);
  const ex = await c.execCreate('survivor', { cmd: ['hostname'], env: [], tty: false, attachStdin: false, attachStdout: true, attachStderr: true, privileged: false });
  assert.equal(await collect((await c.execStart(ex.id, { detach: false, tty: false }))!.output), `${rec.id.slice(0, 12)}\n`);
  // the new engine sees the exit too
  const done = c.wait(rec.id, 'next-exit');
  await c.kill(rec.id, 'KILL');
  assert.equal((await done).StatusCode, 137);
  await c.remove(rec.id, { force: false });
});

// Large stdin through the attach relay: byte-identical, stdout and stderr apart, no deadlock when the
// process writes output while we still write input, and no detach on ctrl-p,ctrl-q in piped (non-TTY) data.
const sha = (b: Buffer | Buffer[]) => createHash('sha256').update(Array.isArray(b) ? Buffer.concat(b) : b).digest('hex');

function binaryInput(size: number, opts: { withDetachKeys: boolean }): Buffer {
  const data = randomBytes(size);
  if (opts.withDetachKeys) data.set([16, 17], size >> 1);
  // on a terminal the detach sequence is live (docker's rule): keep ctrl-p out of that data
  else for (let i = 0; i < size; i++) if (data[i] === 16) data[i] = 15;
  return data;
}

async function gather(out: AsyncIterable<{ stream: 'stdout' | 'stderr'; data: Buffer }>, slow = false) {
  const got = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  for await (const c of out) {
    got[c.stream].push(c.data);
    if (slow) await sleep(2); // a client that reads slower than the container writes
  }
  return got;
}

test('run -i (no TTY): a megabyte with ctrl-p,ctrl-q in it comes back whole on stdout and on stderr', async () => {
  const c = engine.containers;
  const data = binaryInput(1 << 20, { withDetachKeys: true });
  const rec = await c.create(spec(['sh', '-c', 'tee /dev/stderr'], { openStdin: true, stdinOnce: true, attachStdin: true }));
  const a = await c.attach(rec.id, { stdin: true, stdout: true, stderr: true, stream: true });
  const done = c.wait(rec.id, 'next-exit');
  const got = gather(a.output);
  await c.start(rec.id);
  await pipeline(Readable.from([data]), a.input!);
  const { stdout, stderr } = await got;
  assert.equal((await done).StatusCode, 0);
  assert.equal(sha(stdout), sha(data));
  assert.equal(sha(stderr), sha(data));
  await c.remove(rec.id, { force: true });
});

test('exec -i (no TTY): 4 MiB through cat to a slow reader, byte-identical; exit code after the output', async () => {
  const c = engine.containers;
  const rec = await c.create(spec(['sleep', '100']));
  await c.start(rec.id);
  const data = binaryInput(4 << 20, { withDetachKeys: true });
  const ex = await c.execCreate(rec.id, { cmd: ['sh', '-c', 'cat; echo done >&2; exit 4'], env: [], tty: false, attachStdin: true, attachStdout: true, attachStderr: true, privileged: false });
  const att = (await c.execStart(ex.id, { detach: false, tty: false }))!;
  const got = gather(att.output, true);
  await pipeline(Readable.from([data]), att.input!);
  const { stdout, stderr } = await got;
  assert.equal(sha(stdout), sha(data));
  assert.equal(Buffer.concat(stderr).toString(), 'done\n');
  assert.equal((await c.execInspect(ex.id)).exitCode, 4);
  await c.remove(rec.id, { force: true });
});

// A raw, non-echoing terminal passes bytes unchanged both ways; the container says when it is raw.
async function throughTerminal(att: { output: AsyncIterable<{ data: Buffer }>; input: NodeJS.WritableStream | null }, data: Buffer) {
  const it = att.output[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  while (!head.includes('ready\n')) {
    const r = await it.next();
    assert.ok(!r.done, `output ended before the terminal was ready: ${head}`);
    head = Buffer.concat([head, r.value.data]);
  }
  const chunks: Buffer[] = [head.subarray(head.indexOf('ready\n') + 6)];
  const sent = pipeline(Readable.from([data]), att.input as import('node:stream').Writable);
  for (let r = await it.next(); !r.done; r = await it.next()) chunks.push(r.value.data);
  await sent;
  return Buffer.concat(chunks);
}

const RAW_HEAD = (n: number) => `stty raw -echo -iexten; echo ready; head -c ${n}`;

test('run -it (TTY): a megabyte through a raw terminal comes back byte-identical', async () => {
  const c = engine.containers;
  const data = binaryInput(1 << 20, { withDetachKeys: false });
  const rec = await c.create(spec(['sh', '-c', RAW_HEAD(data.length)], { tty: true, openStdin: true, stdinOnce: true, attachStdin: true }));
  const a = await c.attach(rec.id, { stdin: true, stdout: true, stderr: true, stream: true });
  const done = c.wait(rec.id, 'next-exit');
  const got = throughTerminal(a, data);
  await c.start(rec.id);
  assert.equal(sha(await got), sha(data));
  assert.equal((await done).StatusCode, 0);
  await c.remove(rec.id, { force: true });
});

test('exec -it (TTY): a megabyte through a raw terminal comes back byte-identical', async () => {
  const c = engine.containers;
  const rec = await c.create(spec(['sleep', '100']));
  await c.start(rec.id);
  const data = binaryInput(1 << 20, { withDetachKeys: false });
  const ex = await c.execCreate(rec.id, { cmd: ['sh', '-c', RAW_HEAD(data.length)], env: [], tty: true, attachStdin: true, attachStdout: true, attachStderr: true, privileged: false });
  const att = (await c.execStart(ex.id, { detach: false, tty: true }))!;
  assert.equal(sha(await throughTerminal(att, data)), sha(data));
  assert.equal((await c.execInspect(ex.id)).exitCode, 0);
  await c.remove(rec.id, { force: true });
});
