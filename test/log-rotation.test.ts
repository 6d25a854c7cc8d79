// Log rotation under a burst (issue 8): conmon writes on into the renamed file until it reopens, so the
// engine splits and cuts the rotated files afterwards; docker keeps about max-size × max-file bytes.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { ok, startDaemon, uniqueName, waitFor, type Daemon } from './harness.ts';

let d: Daemon;
before(async () => { d = await startDaemon(); });
after(async () => { await d?.cleanup(); });
afterEach((t) => d?.reportFailure(t));

const logFiles = async (name: string) => {
  const r = await d.docker(['inspect', '-f', '{{.Id}}', name]);
  ok(r);
  const dir = `${d.root}/containers/${r.stdout.trim()}`;
  return readdirSync(dir).filter((f) => f.startsWith('container.log')).sort().map((f) => ({ f, size: statSync(`${dir}/${f}`).size }));
};
const describe = (files: { f: string; size: number }[]) => files.map((x) => `${x.f}=${x.size}`).join(' ');
/** every line is `line N`, numbers consecutive, the last one `last` */
const assertRun = (lines: string[], last: number, what: string) => {
  assert.equal(lines.at(-1), `line ${last}`, `${what}: ends with the last line`);
  const bad = lines.findIndex((l, i) => i > 0 && Number(l.slice(5)) !== Number(lines[i - 1].slice(5)) + 1);
  assert.equal(bad, -1, `${what}: in order, nothing missing or repeated among those kept (at ${bad}: ${lines.slice(bad - 1, bad + 1)})`);
};

// one line is `<time> stdout F line N\n`: about 45 bytes
const burst = async (name: string, opts: string[], n: number) => {
  ok(await d.docker(['run', '-d', '--name', name, ...opts, 'busybox', 'sh', '-c', `sleep 1; for i in $(seq ${n}); do echo line $i; done`]));
  const follow = d.docker(['logs', '-f', name], { timeoutMs: 90_000 });
  ok(await d.docker(['wait', name], { timeoutMs: 90_000 }));
  return follow;
};

test('json-file max-size=1k max-file=2 under a burst: ≤ 2 files of about 1k, logs shows the newest lines in order', async () => {
  const name = uniqueName('burst');
  const follow = await burst(name, ['--log-opt', 'max-size=1k', '--log-opt', 'max-file=2'], 200);
  const files = await logFiles(name);
  console.log(`json-file burst: ${describe(files)}`);
  assert.ok(files.length <= 2, describe(files));
  for (const x of files) assert.ok(x.size <= 1000 + 60, `each file about max-size: ${describe(files)}`);
  assert.ok(files.reduce((a, x) => a + x.size, 0) <= 2000 + 120, describe(files));
  const logs = (await d.docker(['logs', name])).stdout.trim().split('\n');
  assertRun(logs, 200, 'logs');
  assert.ok(logs.length >= 15 && logs.length <= 50, `${logs.length} lines kept`);
  const tail = (await d.docker(['logs', '--tail', '5', name])).stdout.trim().split('\n');
  assert.deepEqual(tail, logs.slice(-5));
  const followed = (await follow).stdout.trim().split('\n');
  assertRun(followed, 200, 'logs -f');
  assert.ok(followed.length >= logs.length, `logs -f saw at least what is kept: ${followed.length}`);
  ok(await d.docker(['rm', name]));
});

test('local max-size=10k max-file=3 under a burst of 3000 lines: ≤ 3 files of about 10k', async () => {
  const name = uniqueName('burstl');
  const follow = await burst(name, ['--log-driver', 'local', '--log-opt', 'max-size=10k', '--log-opt', 'max-file=3'], 3000);
  const files = await logFiles(name);
  console.log(`local burst: ${describe(files)}`);
  assert.ok(files.length <= 3, describe(files));
  for (const x of files) assert.ok(x.size <= 10_000 + 60, `each file about max-size: ${describe(files)}`);
  const logs = (await d.docker(['logs', name])).stdout.trim().split('\n');
  assertRun(logs, 3000, 'logs');
  assert.ok(logs.length >= 300 && logs.length <= 700, `${logs.length} lines kept`);
  const tail = (await d.docker(['logs', '--tail', '300', name])).stdout.trim().split('\n');
  assert.deepEqual(tail, logs.slice(-300));
  const followed = (await follow).stdout.trim().split('\n');
  assertRun(followed, 3000, 'logs -f');
  ok(await d.docker(['rm', name]));
});

test('while the container still runs after a burst the bound holds too (once conmon has reopened)', async () => {
  const name = uniqueName('burstr');
  ok(await d.docker(['run', '-d', '--name', name, '--log-opt', 'max-size=2k', '--log-opt', 'max-file=3', 'busybox', 'sh', '-c',
    'for i in $(seq 1000); do echo line $i; done; sleep 60']));
  const within = (files: { size: number }[]) => files.length <= 3 && files.every((x) => x.size <= 2000 + 60);
  let files = await logFiles(name);
  try {
    files = await waitFor('files within the bound', async () => { files = await logFiles(name); return within(files) && (await d.docker(['logs', '--tail', '1', name])).stdout === 'line 1000\n' ? files : null; }, 15_000, 200);
  } finally {
    console.log(`running burst: ${describe(files)}`);
  }
  assert.ok(within(files), describe(files));
  const logs = (await d.docker(['logs', name])).stdout.trim().split('\n');
  assertRun(logs, 1000, 'logs');
  ok(await d.docker(['rm', '-f', name]));
});

test('a burst while the daemon is away: its next start brings the files within the bound', async () => {
  const name = uniqueName('burstd');
  ok(await d.docker(['run', '-d', '--name', name, '--log-opt', 'max-size=2k', '--log-opt', 'max-file=2', 'busybox', 'sh', '-c',
    'sleep 2; for i in $(seq 500); do echo line $i; done; sleep 60']));
  await d.stop();
  await new Promise((r) => setTimeout(r, 3000));
  await d.restart();
  const before = await logFiles(name);
  const within = (files: { size: number }[]) => files.length <= 2 && files.every((x) => x.size <= 2000 + 60);
  let files = before;
  try {
    await waitFor('files within the bound', async () => { files = await logFiles(name); return within(files) || null; }, 15_000, 200);
  } finally {
    console.log(`daemon away: right after restart ${describe(before)}; then ${describe(files)}`);
  }
  assertRun((await d.docker(['logs', name])).stdout.trim().split('\n'), 500, 'logs');
  ok(await d.docker(['rm', '-f', name]));
});
