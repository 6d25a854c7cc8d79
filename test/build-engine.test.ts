// Dockerfile builds through the engine library (engine.builds), no daemon in between: real RUN containers
// on the bridge, COPY on snapshots, the step cache (and its survival across an engine restart), multi-stage
// builds, the image config, and the bad inputs with their Dockerfile lines. Needs root, crun or runc, conmon
// and the busybox base image tar.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readdir, rm, writeFile, symlink } from 'node:fs/promises';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEngine } from '../src/engine/index.ts';
import { sweepNetwork, testNetworkOptions } from '../src/engine/network/testing.ts';
import type { BuildMessage, BuildRequest, ContainerSpec, Digest, Engine } from '../src/engine/index.ts';
import { BUSYBOX_CHANGES, BUSYBOX_TAR, ensureBusyboxTar, sweepRoot } from './harness.ts';

let dir = '';
let engine: Engine;
const net = testNetworkOptions();
const root = () => `${dir}/root`;
const open = () => createEngine({ root: root(), runRoot: `${dir}/run`, ...net });

before(async () => {
  await ensureBusyboxTar();
  dir = await mkdtemp('/var/tmp/skiff-build-test-');
  engine = await open();
  await engine.images.importRootfs(createReadStream(BUSYBOX_TAR), { ref: 'busybox:latest', changes: BUSYBOX_CHANGES });
});

after(async () => {
  await engine?.close().catch(() => {});
  await sweepRoot(root());
  await sweepNetwork(root(), net.bridge);
  await rm(dir, { recursive: true, force: true });
});

/** a context directory with these files */
async function context(files: Record<string, string>): Promise<string> {
  const ctx = await mkdtemp(join(dir, 'ctx-'));
  for (const [name, body] of Object.entries(files)) {
    await mkdir(join(ctx, name, '..'), { recursive: true });
    await writeFile(join(ctx, name), body);
  }
  return ctx;
}

async function build(contextDir: string, o: Partial<BuildRequest> = {}): Promise<{ id: string; out: string }> {
  let out = '';
  const emit = (m: BuildMessage) => (out += m.stream ?? '');
  const req: BuildRequest = { contextDir, dockerfile: 'Dockerfile', tags: [], buildArgs: {}, noCache: false, labels: {}, pull: false, rm: true, forceRm: false, quiet: false, ...o };
  try {
    const r = await engine.builds.build(req, emit);
    return { id: r.id, out };
  } catch (err) {
    (err as Error & { out?: string }).out = out;
    throw err;
  }
}

/** run `cmd` in a container of `image`; its output */
async function runIn(image: string, cmd: string[]): Promise<string> {
  const spec: ContainerSpec = {
    image, ...(cmd.length ? { cmd } : {}), env: [], labels: {}, tty: false, openStdin: false, stdinOnce: false, attachStdin: false, attachStdout: true, attachStderr: true,
    host: { restartPolicy: { name: 'no' }, autoRemove: false, networkMode: 'none', readonlyRootfs: false, capAdd: [], capDrop: [], privileged: false, mounts: [] },
  };
  const c = engine.containers;
  const rec = await c.create(spec);
  const a = await c.attach(rec.id, { stdin: false, stdout: true, stderr: true, stream: true });
  await c.start(rec.id);
  let s = '';
  for await (const chunk of a.output) s += chunk.data.toString();
  await c.wait(rec.id, 'not-running');
  await c.remove(rec.id, { force: true });
  return s;
}

const steps = (out: string) => out.split('\n').filter((l) => l.startsWith('Step ')).length;
const cached = (out: string) => out.split('\n').filter((l) => l === ' ---> Using cache').length;

test('a Dockerfile builds: RUN on the bridge, COPY, WORKDIR, ENV, CMD; the config and history are docker\'s', async () => {
  const ctx = await context({
    Dockerfile: 'FROM busybox\nENV GREETING=hello\nWORKDIR /app\nCOPY . .\nRUN echo "$GREETING from $(cat name.txt)" > out.txt && ls /app\nEXPOSE 5000\nCMD ["cat", "/app/out.txt"]\n',
    'name.txt': 'skiff\n',
    'sub/dir/file': 'x',
  });
  const { id, out } = await build(ctx, { tags: ['built:one'] });
  assert.match(out, /^Step 1\/7 : FROM busybox\n ---> [0-9a-f]{12}\n/);
  assert.match(out, /Step 5\/7 : RUN echo .*\n ---> Running in [0-9a-f]{12}\nDockerfile\nname.txt\nout.txt\nsub\n ---> Removed intermediate container [0-9a-f]{12}\n ---> [0-9a-f]{12}\n/);
  assert.match(out, /Successfully built [0-9a-f]{12}\nSuccessfully tagged built:one\n$/);
  assert.equal(await runIn('built:one', []), 'hello from skiff\n');
  const img = await engine.images.get('built:one');
  assert.equal(img.id, id);
  assert.equal(img.config.config.WorkingDir, '/app');
  assert.deepEqual(img.config.config.Cmd, ['cat', '/app/out.txt']);
  assert.ok(img.config.config.Env?.includes('GREETING=hello'));
  assert.deepEqual(img.config.config.ExposedPorts, { '5000/tcp': {} });
  const hist = img.config.history!.slice(-6);
  assert.deepEqual(hist.map((h) => [h.created_by?.replace(/[0-9a-f]{64}/, 'H'), !!h.empty_layer]), [
    ['/bin/sh -c #(nop)  ENV GREETING=hello', true],
    ['/bin/sh -c #(nop) WORKDIR /app', false],
    ['/bin/sh -c #(nop) COPY dir:H in /app/ ', false],
    ['/bin/sh -c echo "$GREETING from $(cat name.txt)" > out.txt && ls /app', false],
    ['/bin/sh -c #(nop)  EXPOSE 5000/tcp', true],
    ['/bin/sh -c #(nop)  CMD ["cat" "/app/out.txt"]', true],
  ]);
  // no step container is left behind
  assert.equal((await engine.containers.list({ all: true })).length, 0);
});

test('the cache: a rebuild uses it for every step; a changed file reruns its COPY and what follows; it survives a restart', async () => {
  const ctx = await context({
    Dockerfile: 'FROM busybox\nRUN echo base > /base\nCOPY app.txt /app/\nRUN wc -c /app/app.txt > /app/size\nCMD ["cat", "/app/size"]\n',
    'app.txt': 'one\n',
  });
  const first = await build(ctx);
  const again = await build(ctx);
  assert.equal(again.id, first.id);
  assert.equal(cached(again.out), 4, again.out);
  assert.doesNotMatch(again.out, /Running in/);
  await writeFile(join(ctx, 'app.txt'), 'two!!\n');
  const edited = await build(ctx);
  assert.notEqual(edited.id, first.id);
  assert.equal(cached(edited.out), 1, edited.out); // the first RUN only
  assert.match(edited.out, /Step 3\/5 : COPY app.txt \/app\/\n ---> [0-9a-f]{12}\n/);
  assert.equal(await runIn(edited.id, []), '6 /app/app.txt\n');
  // mtime alone is not a change
  await writeFile(join(ctx, 'app.txt'), 'two!!\n');
  assert.equal((await build(ctx)).id, edited.id);
  // a new engine on the same root: the cache is still there
  await engine.close();
  engine = await open();
  const afterRestart = await build(ctx);
  assert.equal(afterRestart.id, edited.id);
  assert.equal(cached(afterRestart.out), 4);
  // --no-cache runs everything
  const fresh = await build(ctx, { noCache: true });
  assert.equal(cached(fresh.out), 0);
  assert.notEqual(fresh.id, edited.id);
  // builder prune forgets the steps: the next build runs them
  const pruned = await engine.builds.prune({ all: true });
  assert.ok(pruned.CachesDeleted.length >= 4);
  assert.equal(cached((await build(ctx)).out), 0);
});

test('multi-stage: the final image holds only the artifact of the first stage; --target stops early', async () => {
  const ctx = await context({
    Dockerfile: 'FROM busybox AS build\nWORKDIR /src\nCOPY main.txt .\nRUN tr a-z A-Z < main.txt > /artifact && echo junk > /junk\n\nFROM scratch\nCOPY --from=build /artifact /artifact\nCMD ["/artifact"]\n',
    'main.txt': 'compiled\n',
  });
  const { id, out } = await build(ctx, { tags: ['multi:final'] });
  assert.equal(steps(out), 7);
  const img = await engine.images.get(id);
  assert.equal(img.config.rootfs.diff_ids.length, 1);
  const [layer] = await engine.images.layerPaths(id as Digest);
  assert.deepEqual(await readdir(layer), ['artifact']);
  assert.equal(readFileSync(join(layer, 'artifact'), 'utf8'), 'COMPILED\n');
  const target = await build(ctx, { target: 'build' });
  assert.equal(steps(target.out), 4);
  assert.equal(cached(target.out), 3);
});

test('build args, ARG before FROM, SHELL, USER, ENTRYPOINT resetting an inherited CMD, --label, heredocs, COPY --chown/--chmod', async () => {
  const ctx = await context({
    Dockerfile: [
      'ARG BASE=busybox', 'FROM $BASE', 'ARG WHO=nobody', 'ARG UNUSED_DEFAULT=1',
      'RUN echo "who=$WHO" > /who', 'COPY --chown=65534:65534 --chmod=640 f.txt /f.txt',
      'RUN <<EOF', 'echo heredoc > /h', 'EOF',
      'SHELL ["/bin/sh", "-ec"]', 'RUN stat -c "%u %g %a" /f.txt > /perm',
      'USER nobody', 'ENTRYPOINT ["cat"]', '',
    ].join('\n'),
    'f.txt': 'secret',
  });
  const { id, out } = await build(ctx, { buildArgs: { WHO: 'skiff', NOT_DECLARED: 'x' }, labels: { 'org.example': 'yes' } });
  assert.match(out, /\[Warning\] One or more build-args \[NOT_DECLARED\] were not consumed/);
  const img = await engine.images.get(id);
  assert.equal(img.config.config.User, 'nobody');
  assert.deepEqual(img.config.config.Entrypoint, ['cat']);
  assert.equal(img.config.config.Cmd ?? null, null);
  assert.deepEqual(img.config.config.Shell, ['/bin/sh', '-ec']);
  assert.equal(img.config.config.Labels?.['org.example'], 'yes');
  assert.ok(!img.config.config.Env?.some((e) => e.startsWith('WHO=')), 'build args stay out of the image');
  assert.equal(await runIn(id, ['/who', '/h', '/perm']), 'who=skiff\nheredoc\n65534 65534 640\n');
  assert.ok(img.config.history!.some((h) => h.created_by === '|2 UNUSED_DEFAULT=1 WHO=skiff /bin/sh -c echo "who=$WHO" > /who'));
});

test('bad input: the Dockerfile line in the error, nothing tagged, steps before it cached', async () => {
  const cases: Array<[string, RegExp, Record<string, string>?]> = [
    ['FROM busybox\nFORM x\n', /^Dockerfile:2: unknown instruction: FORM \(did you mean FROM\?\)/],
    ['RUN true\n', /^Dockerfile:1: no build stage in current context/],
    ['FROM busybox\nCOPY nothere /x\n', /^Dockerfile:2: COPY failed: file not found in build context or excluded by \.dockerignore: stat nothere: file does not exist/],
    ['FROM busybox\nCOPY ../outside /x\n', /^Dockerfile:2: COPY failed: forbidden path outside the build context: \.\.\/outside/],
    ['FROM busybox\nRUN echo to-stderr >&2; exit 3\n', /^Dockerfile:2: The command '\/bin\/sh -c echo to-stderr >&2; exit 3' returned a non-zero code: 3$/],
    ['FROM busybox AS a\nCOPY --from=b /x /x\nFROM busybox AS b\nCOPY --from=a /y /y\n', /^Dockerfile:\d: circular dependency detected on stage: [ab]/],
    ['FROM busybox\nCOPY --from=nosuchstage /x /x\n', /^Dockerfile:2: COPY --from=nosuchstage: no stage of that name and no such image here/],
    ['FROM nosuchbase:1\nRUN true\n', /^Dockerfile:1: FROM nosuchbase:1: no such image here/],
  ];
  for (const [text, want] of cases) {
    const ctx = await context({ Dockerfile: text });
    await assert.rejects(build(ctx, { tags: ['bad:input'] }), (err: Error & { out?: string }) => {
      assert.match(err.message, want, text);
      if (/exit 3/.test(text)) assert.match(err.out ?? '', /to-stderr\n/);
      return true;
    });
    await assert.rejects(engine.images.get('bad:input'), { kind: 'NotFound' });
  }
  await assert.rejects(build(await context({ Dockerfile: 'FROM busybox\n' }), { tags: ['Bad Tag'] }), /invalid tag "Bad Tag": invalid reference format/);
  await assert.rejects(build(await context({ 'Other.df': 'FROM busybox\n' })), /Cannot locate specified Dockerfile: Dockerfile/);
});

test('COPY never writes through an image symlink onto the host; .dockerignore keeps files out', async () => {
  const ctx = await context({
    Dockerfile: 'FROM busybox\nRUN ln -s /etc /escape && mkdir /data\nCOPY payload.txt /escape/skiff-build-escape-test\nCOPY . /data/\nRUN ls -A /data | sort | tr "\\n" " " > /listing\n',
    'payload.txt': 'x',
    '.dockerignore': 'secret*\n',
    'secret.key': 'nope',
  });
  await symlink('/etc/passwd', join(ctx, 'link-to-host'));
  const { id } = await build(ctx);
  assert.ok(!existsSync('/etc/skiff-build-escape-test'), 'the write stayed inside the image');
  assert.equal(await runIn(id, ['cat', '/etc/skiff-build-escape-test', '/listing']), 'x.dockerignore Dockerfile link-to-host payload.txt ');
});

test('ADD unpacks a local archive and fetches a URL; ONBUILD triggers run in the child build; VOLUME, HEALTHCHECK, STOPSIGNAL in the config', async () => {
  const ctx = await context({ 'tree/a/b.txt': 'in the archive\n' });
  execFileSync('tar', ['-czf', join(ctx, 'tree.tar.gz'), '-C', join(ctx, 'tree'), '.']);
  execFileSync('sh', ['-c', `printf 'plain text\\n' | gzip > ${join(ctx, 'notes.txt.gz')}`]); // compressed, but no tar
  const server = createServer((req, res) => {
    if (req.url === '/file.txt') res.end('served over http\n');
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  try {
    await writeFile(join(ctx, 'Dockerfile'), [
      'FROM busybox', 'ADD tree.tar.gz /unpacked/', 'ADD notes.txt.gz /notes/', `ADD http://127.0.0.1:${port}/file.txt /fetched/`,
      'ONBUILD RUN echo triggered > /trigger', 'VOLUME /data', 'HEALTHCHECK --interval=5s CMD true', 'STOPSIGNAL SIGUSR1', '',
    ].join('\n'));
    const parent = await build(ctx, { tags: ['onbuild:parent'] });
    const img = await engine.images.get(parent.id);
    assert.deepEqual(img.config.config.OnBuild, ['RUN echo triggered > /trigger']);
    assert.deepEqual(img.config.config.Volumes, { '/data': {} });
    assert.equal(img.config.config.Healthcheck?.Interval, 5e9);
    assert.equal(img.config.config.StopSignal, 'SIGUSR1');
    assert.equal(await runIn(parent.id, ['cat', '/unpacked/a/b.txt', '/fetched/file.txt']), 'in the archive\nserved over http\n');
    assert.equal(await runIn(parent.id, ['sh', '-c', 'gunzip -c /notes/notes.txt.gz']), 'plain text\n');
    await assert.rejects(build(await context({ Dockerfile: `FROM busybox\nADD http://127.0.0.1:${port}/missing /x\n` })), /Dockerfile:2: ADD failed: failed to GET .* with status 404/);
  } finally {
    server.close();
  }
  const child = await build(await context({ Dockerfile: 'FROM onbuild:parent\nCMD ["cat", "/trigger"]\n' }));
  assert.match(child.out, /# Executing 1 build trigger\n/);
  assert.equal(await runIn(child.id, []), 'triggered\n');
  assert.equal((await engine.images.get(child.id)).config.config.OnBuild ?? null, null);
});

test('independent stages build at the same time, and the output still reads in step order; a failing stage stops the build', async () => {
  // each stage runs 2 s, long beside a container start even on a loaded machine, so the overlap is certain when it is real
  const stage = (n: string) => `FROM busybox AS ${n}\nRUN cut -d" " -f1 /proc/uptime > /start && sleep 2 && cut -d" " -f1 /proc/uptime > /end\n`;
  const ctx = await context({
    Dockerfile: `${stage('a')}${stage('b')}FROM busybox\nCOPY --from=a /start /a.start\nCOPY --from=a /end /a.end\nCOPY --from=b /start /b.start\nCOPY --from=b /end /b.end\n`,
  });
  const { id, out } = await build(ctx);
  const numbers = [...out.matchAll(/^Step (\d+)\/9 :/gm)].map((m) => Number(m[1]));
  assert.deepEqual(numbers, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.match(out, /Step 2\/9 : RUN cut[^\n]*\n ---> Running in [0-9a-f]{12}\n ---> Removed intermediate container [0-9a-f]{12}\n ---> [0-9a-f]{12}\nStep 3\/9 : FROM busybox AS b\n/);
  const [aStart, aEnd, bStart, bEnd] = (await runIn(id, ['cat', '/a.start', '/a.end', '/b.start', '/b.end'])).trim().split('\n').map(Number);
  assert.ok(aStart < bEnd && bStart < aEnd, 'the two stages ran at the same time');
  // the slow stage would take 30 s: a build that fails well before that stopped it rather than waited for it
  const failing = await context({ Dockerfile: `FROM busybox AS slow\nRUN sleep 30\nFROM busybox AS bad\nRUN exit 7\nFROM busybox\nCOPY --from=slow /etc/hostname /x\nCOPY --from=bad /etc/hostname /y\n` });
  const started = Date.now();
  await assert.rejects(build(failing), (err: Error & { out?: string; exitCode?: number }) => {
    assert.match(err.message, /^Dockerfile:4: The command '\/bin\/sh -c exit 7' returned a non-zero code: 7$/);
    assert.equal(err.exitCode, 7);
    assert.match(err.out ?? '', /^Step 1\/7 : FROM busybox AS slow\n[\s\S]*Step 3\/7 : FROM busybox AS bad\n[\s\S]*Step 4\/7 : RUN exit 7\n/);
    return true;
  });
  assert.ok(Date.now() - started < 15_000, `the slow stage was stopped, not waited for (${Date.now() - started} ms)`);
});

test('rmi of a built image takes its untagged step images with it (docker\'s parent pruning), unless noPrune; shared parents stay', async () => {
  const ctx = await context({ Dockerfile: 'FROM busybox\nENV A=1\nRUN echo one > /one\nCMD ["cat", "/one"]\n' });
  const isInUse = (id: string) => engine.containers.imageInUse(id as Digest);
  const { id } = await build(ctx, { tags: ['prunes:parents'] });
  const stepImages = async () => (await engine.images.list()).filter((i) => !i.repoTags.length).map((i) => i.id);
  const before = await stepImages();
  const removed = await engine.images.remove('prunes:parents', { force: false, isInUse });
  const deleted = removed.filter((r) => r.Deleted).map((r) => r.Deleted);
  assert.equal(deleted[0], id);
  assert.equal(deleted.length, 3, JSON.stringify(removed)); // CMD's, RUN's and ENV's images; busybox stays
  assert.ok((await engine.images.get('busybox')).id);
  assert.deepEqual((await stepImages()).filter((s) => deleted.includes(s)), []);
  assert.ok(before.length >= 2);
  // the cache forgot them: the steps run again
  assert.equal(cached((await build(ctx, { tags: ['prunes:parents'] })).out), 0);
  // noPrune: only the image itself goes; a second image on the same steps keeps them anyway
  const kept = await engine.images.remove('prunes:parents', { force: false, noPrune: true, isInUse });
  assert.equal(kept.filter((r) => r.Deleted).length, 1);
  assert.equal(cached((await build(ctx)).out), 2); // ENV and RUN from the cache, CMD's image was the one removed
});
