// Bad input: docker-like errors and exit codes, from the docker CLI and from skiff's, and nothing
// half-created left behind by a run that failed.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ok, startDaemon, run, mountsUnder, waitFor, AS_NOBODY, DOCKER, SKIFF, type Daemon, type RunResult } from './harness.ts';

let d: Daemon;
before(async () => { d = await startDaemon(); });
after(async () => { await d?.cleanup(); });
afterEach((t) => d?.reportFailure(t));

const fails = (r: RunResult, code: number | null, message: RegExp) => {
  const why = `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
  if (code === null) assert.notEqual(r.code, 0, why);
  else assert.equal(r.code, code, why);
  assert.match(r.stderr, message, why);
};
const both = [
  ['docker', (args: string[]) => d.docker(args)],
  ['skiff', (args: string[]) => d.skiff(args)],
] as const;

/** what a run may leave behind: containers (API), container dirs, mounts and processes under the root */
async function footprint(): Promise<string> {
  const ids = (await d.docker(['ps', '-aq', '--no-trunc'])).stdout.trim().split('\n').filter(Boolean).sort();
  let dirs: string[] = [];
  try { dirs = readdirSync(join(d.root, 'containers')).sort(); } catch { /* not made yet */ }
  const procs = readdirSync('/proc').filter((p) => /^\d+$/.test(p) && Number(p) !== d.pid).filter((p) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(d.root) || readlinkSync(`/proc/${p}/root`).startsWith(d.root);
    } catch { return false; }
  });
  return JSON.stringify({ ids, dirs, mounts: mountsUnder(d.root), procs: procs.length }, null, 1);
}

let baseline = '';
test('baseline: one running container for the conflict tests', async () => {
  ok(await d.docker(['run', '-d', '--name', 'dup', 'busybox', 'sleep', '1000']));
  baseline = await footprint();
});

for (const [cli, exec] of both) {
  test(`${cli}: unknown image`, async () => {
    const r = await exec(['run', '--rm', 'nosuchimage:1', 'true']);
    fails(r, cli === 'docker' ? 125 : null, /Unable to find image 'nosuchimage:1' locally|No such image: nosuchimage:1/);
    assert.equal(await footprint(), baseline);
  });

  test(`${cli}: unknown container`, async () => {
    for (const args of [['stop', 'nope'], ['rm', 'nope'], ['logs', 'nope'], ['exec', 'nope', 'true'], ['start', 'nope']]) {
      const r = await exec(args);
      fails(r, null, /No such container: nope/);
    }
  });

  test(`${cli}: name already in use`, async () => {
    const r = await exec(['run', '--name', 'dup', 'busybox', 'true']);
    fails(r, cli === 'docker' ? 125 : null, /Conflict\. The container name "\/dup" is already in use by container "[0-9a-f]{64}"\. You have to remove \(or rename\) that container to be able to reuse that name\./);
    assert.equal(await footprint(), baseline);
  });

  test(`${cli}: rm of a running container without -f`, async () => {
    const r = await exec(['rm', 'dup']);
    // docker 25+ wording, then the older one
    fails(r, null, /container is running: stop the container before removing or force remove|You cannot remove a running container [0-9a-f]{64}\. Stop the container before attempting removal or force remove/);
    const still = await d.docker(['inspect', '-f', '{{.State.Status}}', 'dup']);
    assert.equal(still.stdout, 'running\n');
  });

  test(`${cli}: invalid memory`, async () => {
    fails(await exec(['run', '--rm', '-m', '1k', 'busybox', 'true']), cli === 'docker' ? 125 : null, /Minimum memory limit allowed is 6MB/);
    fails(await exec(['run', '--rm', '-m', 'abc', 'busybox', 'true']), 125, /invalid argument "abc" for "-m, --memory" flag|invalid size: 'abc'/);
    assert.equal(await footprint(), baseline);
  });

  test(`${cli}: invalid cpus`, async () => {
    fails(await exec(['run', '--rm', '--cpus', '99', 'busybox', 'true']), cli === 'docker' ? 125 : null, /Range of CPUs is from 0\.01 to \d+\.00, as there are only \d+ CPUs available/);
    fails(await exec(['run', '--rm', '--cpus=-1', 'busybox', 'true']), cli === 'docker' ? 125 : null, /Range of CPUs is from 0\.01|invalid/i);
    fails(await exec(['run', '--rm', '--cpus', 'lots', 'busybox', 'true']), 125, /invalid argument "lots" for "--cpus" flag|invalid/i);
    assert.equal(await footprint(), baseline);
  });

  test(`${cli}: invalid container name`, async () => {
    fails(await exec(['run', '--rm', '--name', 'bad name!', 'busybox', 'true']), cli === 'docker' ? 125 : null, /Invalid container name \(bad name!\), only \[a-zA-Z0-9\]\[a-zA-Z0-9_\.-\] are allowed/);
    assert.equal(await footprint(), baseline);
  });

  test(`${cli}: unknown flag exits 125`, async () => {
    const r = await exec(['run', '--bogus', 'busybox', 'true']);
    fails(r, 125, /unknown flag: --bogus/);
    const top = await exec(['--bogus-global', 'ps']);
    assert.notEqual(top.code, 0);
    assert.match(top.stderr, /unknown flag: --bogus-global/);
    const cmd = await exec(['nosuchcommand']);
    assert.notEqual(cmd.code, 0);
    assert.match(cmd.stderr, /unknown command|nosuchcommand/i);
  });

  test(`${cli}: command not found exits 127 and --rm leaves nothing`, async () => {
    const r = await exec(['run', '--rm', 'busybox', 'nosuchcmd']);
    fails(r, 127, /executable file not found in \$PATH/);
    assert.match(r.stderr, /nosuchcmd/);
    await waitFor('the failed --rm container to be gone', async () => (await footprint()) === baseline, 5000).catch(() => {});
    assert.equal(await footprint(), baseline);
  });

  test(`${cli}: command not executable exits 126`, async () => {
    const r = await exec(['run', '--rm', 'busybox', '/etc/passwd']);
    fails(r, 126, /permission denied/i);
    await waitFor('the failed --rm container to be gone', async () => (await footprint()) === baseline, 5000).catch(() => {});
    assert.equal(await footprint(), baseline);
  });

  test(`${cli}: command not found without --rm leaves a container that is not running and can be removed`, async () => {
    const r = await exec(['run', '--name', `nf-${cli}`, 'busybox', 'nosuchcmd']);
    fails(r, 127, /executable file not found in \$PATH/);
    const st = await d.docker(['inspect', '-f', '{{.State.Status}} {{.State.Running}}', `nf-${cli}`]);
    ok(st);
    assert.match(st.stdout, /^(created|exited) false\n$/);
    ok(await d.docker(['rm', `nf-${cli}`]));
    assert.equal(await footprint(), baseline);
  });
}

test('permission denied on the socket for an unprivileged user', async () => {
  const dr = await run(AS_NOBODY[0], [...AS_NOBODY.slice(1), DOCKER, 'ps'], { env: { ...process.env as Record<string, string>, ...d.env } });
  fails(dr, null, /permission denied/i);
  const sr = await run(AS_NOBODY[0], [...AS_NOBODY.slice(1), SKIFF, 'ps'], { env: { ...process.env as Record<string, string>, ...d.env } });
  fails(sr, null, /permission denied/i);
  assert.match(sr.stderr, new RegExp(d.socket.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
});

test('an unreachable daemon gets a clear message', async () => {
  const env = { DOCKER_HOST: `unix://${d.root}/absent.sock`, SKIFF_HOST: `unix://${d.root}/absent.sock` };
  const dr = await d.docker(['ps'], { env });
  fails(dr, null, /Cannot connect to the Docker daemon at unix:\/\/.*absent\.sock\. Is the docker daemon running\?/);
  const sr = await d.skiff(['ps'], { env });
  fails(sr, null, /Cannot connect to|Is the .*daemon running/i);
});

test('finally: nothing half-created remains', async () => {
  ok(await d.docker(['rm', '-f', 'dup']));
  const left = await d.docker(['ps', '-aq']);
  ok(left);
  assert.equal(left.stdout, '');
});
