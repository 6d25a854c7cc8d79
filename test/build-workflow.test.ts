// The Dockerfile workflow as people know it (issue 9's first two must-shows): a Python web app on the
// debian:bookworm base, `RUN apt-get install -y python3` in a step container on the bridge (the mirror this
// host's apt uses is reachable, the base image carries its apt sources), `skiff build -t my_image .`, then
// `skiff run -p PORT:5000 -d my_image` answers; the rebuild is all cache; an edit of app.py reruns COPY on.
// Needs the debian base image tar (scripts/base-images debian) and the package mirror.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { get } from 'node:http';
import { startDaemon, run, waitFor, ok, REPO, type Daemon } from './harness.ts';

const DEBIAN_TAR = '/var/cache/skiff/base-images/debian-bookworm.tar';
let d: Daemon;
let ctx = '';

before(async () => {
  if (!existsSync(DEBIAN_TAR)) ok(await run(join(REPO, 'scripts/base-images'), ['debian'], { timeoutMs: 900_000 }));
  d = await startDaemon({ busybox: false });
  ok(await d.skiff(['image', 'import', '--change', 'CMD ["bash"]', DEBIAN_TAR, 'debian:bookworm'], { timeoutMs: 300_000 }));
  ctx = await mkdtemp('/var/tmp/skiff-pyapp-');
  await writeFile(join(ctx, 'Dockerfile'), [
    'FROM debian:bookworm',
    'RUN apt-get update && apt-get install -y python3',
    'WORKDIR /app',
    'COPY . .',
    'CMD ["python3","app.py"]',
    '',
  ].join('\n'));
  await writeApp('hello from my_image');
});

after(async () => {
  await d?.cleanup();
  if (ctx) await rm(ctx, { recursive: true, force: true });
});

async function writeApp(greeting: string): Promise<void> {
  await writeFile(join(ctx, 'app.py'), [
    'from http.server import BaseHTTPRequestHandler, HTTPServer',
    'class H(BaseHTTPRequestHandler):',
    '    def do_GET(self):',
    `        body = b"${greeting}\\n"`,
    '        self.send_response(200)',
    '        self.send_header("Content-Length", str(len(body)))',
    '        self.end_headers()',
    '        self.wfile.write(body)',
    'HTTPServer(("0.0.0.0", 5000), H).serve_forever()',
    '',
  ].join('\n'));
}

function fetchText(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path: '/', timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
}

const cachedSteps = (out: string) => out.split('\n').filter((l) => l === ' ---> Using cache').length;

test('skiff build -t my_image . then skiff run -p PORT:5000 -d my_image answers over HTTP', async (t) => {
  const started = Date.now();
  const b = await d.skiff(['build', '-t', 'my_image', ctx], { timeoutMs: 600_000 });
  t.diagnostic(`cold build with apt-get install python3: ${Date.now() - started} ms`);
  ok(b);
  assert.match(b.stdout, /Step 2\/5 : RUN apt-get update/);
  assert.match(b.stdout, /Setting up python3 /);
  assert.match(b.stdout, /Successfully tagged my_image:latest/);
  const port = 20000 + (process.pid % 20000);
  const r = await d.skiff(['run', '-d', '-p', `127.0.0.1:${port}:5000`, 'my_image']);
  ok(r);
  const body = await waitFor('the app to answer', () => fetchText(port).catch(() => ''), 30_000, 200);
  assert.equal(body, 'hello from my_image\n');
  ok(await d.skiff(['rm', '-f', r.stdout.trim()]));
});

test('building again: every step cached; after editing app.py only COPY and what follows run', async (t) => {
  let started = Date.now();
  const again = await d.skiff(['build', '-t', 'my_image', ctx], { timeoutMs: 120_000 });
  t.diagnostic(`fully cached rebuild: ${Date.now() - started} ms`);
  ok(again);
  assert.equal(cachedSteps(again.stdout), 4, again.stdout);
  assert.doesNotMatch(again.stdout, /Running in/);
  await writeApp('edited');
  started = Date.now();
  const edited = await d.skiff(['build', '-t', 'my_image', ctx], { timeoutMs: 120_000 });
  t.diagnostic(`rebuild after editing app.py: ${Date.now() - started} ms`);
  ok(edited);
  assert.equal(cachedSteps(edited.stdout), 2, edited.stdout); // RUN apt-get and WORKDIR
  assert.match(edited.stdout, /Step 4\/5 : COPY \. \.\n ---> [0-9a-f]{12}\n/);
  const port = 20000 + ((process.pid + 1) % 20000);
  const r = await d.skiff(['run', '-d', '-p', `127.0.0.1:${port}:5000`, 'my_image']);
  ok(r);
  assert.equal(await waitFor('the edited app', () => fetchText(port).catch(() => ''), 30_000, 200), 'edited\n');
  ok(await d.skiff(['rm', '-f', r.stdout.trim()]));
});

test('the build context is streamed: a context with a 1 GB file builds within a bounded daemon RSS', async (t) => {
  const big = await mkdtemp('/var/tmp/skiff-bigctx-');
  try {
    await writeFile(join(big, 'Dockerfile'), 'FROM debian:bookworm\nCOPY small.txt /small.txt\nRUN wc -c < /small.txt\n');
    await writeFile(join(big, 'small.txt'), 'small\n');
    ok(await run('truncate', ['-s', '1G', join(big, 'huge.bin')])); // sparse: reads as 1 GiB of zeros
    const rssBefore = peakRss(d.pid);
    const b = await d.skiff(['build', '-t', 'bigctx', big], { timeoutMs: 300_000 });
    ok(b);
    assert.match(b.stdout, /Sending build context to Docker daemon {2}1\.07\d*GB/);
    const grew = peakRss(d.pid) - rssBefore;
    t.diagnostic(`daemon peak RSS ${(rssBefore / 1048576).toFixed(0)} MiB before, +${(grew / 1048576).toFixed(0)} MiB for the 1 GiB context`);
    assert.ok(grew < 150 * 1024 * 1024, `the daemon's peak RSS grew by ${(grew / 1048576).toFixed(0)} MiB for a 1 GiB context`);
  } finally {
    await rm(big, { recursive: true, force: true });
  }
});

/** the process's peak resident set (VmHWM), bytes */
function peakRss(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) * 1024;
}
