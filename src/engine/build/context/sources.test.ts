import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, writeFile, symlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBuildContext, resolveCopySources, type CopySelection } from './sources.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-ctx-'));
  await mkdir(join(dir, 'src/lib'), { recursive: true });
  await mkdir(join(dir, 'node_modules/pkg'), { recursive: true });
  await mkdir(join(dir, 'docs'));
  for (const [p, c] of [['app.py', 'print(1)'], ['b.txt', 'b'], ['a.txt', 'a'], ['src/main.js', 'm'], ['src/lib/x.js', 'x'], ['src/x.log', 'l'],
    ['node_modules/pkg/i.js', 'i'], ['docs/README.md', 'r'], ['docs/other.md', 'o'], ['Dockerfile', 'FROM scratch\n']]) {
    await writeFile(join(dir, p), c);
  }
  await writeFile(join(dir, '.dockerignore'), 'node_modules\n**/*.log\ndocs\n!docs/README.md\n');
  await symlink('/etc/passwd', join(dir, 'abs-link'));
  await symlink('../../..', join(dir, 'up-link'));
  await symlink('src', join(dir, 'src-link'));
});
after(() => rm(dir, { recursive: true, force: true }));

const names = (sel: CopySelection) => sel.sources.map((s) => [s.given, s.contextPath, s.isDir, s.entries.map((e) => e.rel)]);

test('a directory source stands for its contents, sorted, without what .dockerignore excludes', async () => {
  const ctx = openBuildContext(dir);
  const sel = await resolveCopySources(ctx, ['.'], '.');
  const top = sel.sources[0].entries.map((e) => e.rel);
  assert.ok(top.includes('app.py') && top.includes('src/lib/x.js') && top.includes('docs/README.md'));
  assert.ok(!top.some((r) => r.startsWith('node_modules') || r.endsWith('.log') || r === 'docs/other.md' || r === 'docs'), top.join(','));
  assert.deepEqual(top.slice(0, 3), ['.dockerignore', 'Dockerfile', 'a.txt']);
  assert.equal(sel.destIsDir, true);
  assert.deepEqual(names(await resolveCopySources(ctx, ['src/'], '/app')), [['src/', 'src', true, ['lib', 'lib/x.js', 'main.js']]]);
});

test('wildcards match with filepath.Match against context paths; several sources need a directory', async () => {
  const ctx = openBuildContext(dir);
  const sel = await resolveCopySources(ctx, ['*.txt'], '/d/');
  assert.deepEqual(sel.sources.map((s) => s.contextPath), ['a.txt', 'b.txt']);
  assert.deepEqual((await resolveCopySources(ctx, ['src/*.js'], '/d/')).sources.map((s) => s.contextPath), ['src/main.js']);
  assert.deepEqual((await resolveCopySources(ctx, ['src/*'], '/d/')).sources.map((s) => s.contextPath), ['src/lib', 'src/main.js'], 'the ignored log is not matched');
  await assert.rejects(resolveCopySources(ctx, ['*.txt'], '/d'), { message: 'When using COPY with more than one source file, the destination must be a directory and end with a /' });
  await assert.rejects(resolveCopySources(ctx, ['a.txt', 'b.txt'], '/d'), /When using COPY with more than one source file/);
  await assert.rejects(resolveCopySources(ctx, ['*.nothing'], '/d/', 'ADD'), { message: 'ADD failed: no source files were specified' });
  assert.equal((await resolveCopySources(ctx, ['a.txt'], '/d')).destIsDir, false);
});

test('missing, ignored and outside sources get docker legacy builder messages', async () => {
  const ctx = openBuildContext(dir);
  await assert.rejects(resolveCopySources(ctx, ['x'], '/'), { message: 'COPY failed: file not found in build context or excluded by .dockerignore: stat x: file does not exist' });
  await assert.rejects(resolveCopySources(ctx, ['node_modules/pkg/i.js'], '/'), /excluded by \.dockerignore: stat node_modules\/pkg\/i\.js/);
  await assert.rejects(resolveCopySources(ctx, ['docs/other.md'], '/'), /file not found in build context/);
  await assert.rejects(resolveCopySources(ctx, ['app.py/x'], '/'), /file not found in build context/);
  await assert.rejects(resolveCopySources(ctx, ['../x'], '/'), { message: 'COPY failed: forbidden path outside the build context: ../x ()' });
  await assert.rejects(resolveCopySources(ctx, ['src/../../etc'], '/'), /forbidden path outside the build context/);
  assert.equal((await resolveCopySources(ctx, ['docs/README.md'], '/')).sources[0].entries.length, 1);
});

test('symlinks named as sources are followed only inside the context', async () => {
  const ctx = openBuildContext(dir);
  // /etc/passwd is looked up as <context>/etc/passwd, which does not exist
  await assert.rejects(resolveCopySources(ctx, ['abs-link'], '/'), /file not found in build context/);
  // ../../.. is clamped at the context root: the context itself
  const up = await resolveCopySources(ctx, ['up-link'], '/');
  assert.equal(up.sources[0].contextPath, '');
  const link = await resolveCopySources(ctx, ['src-link'], '/');
  assert.equal(link.sources[0].contextPath, 'src');
  // inside a copied directory links stay links
  const all = await resolveCopySources(ctx, ['.'], '/');
  assert.equal(all.sources[0].entries.find((e) => e.rel === 'abs-link')?.linkTarget, '/etc/passwd');
});

test('<Dockerfile>.dockerignore beside a -f Dockerfile wins over .dockerignore', async () => {
  await mkdir(join(dir, 'build'));
  await writeFile(join(dir, 'build/app.Dockerfile'), 'FROM scratch\n');
  await writeFile(join(dir, 'build/app.Dockerfile.dockerignore'), '*.txt\n');
  const ctx = openBuildContext(dir, 'build/app.Dockerfile');
  await assert.rejects(resolveCopySources(ctx, ['a.txt'], '/'), /file not found/);
  assert.equal((await resolveCopySources(ctx, ['node_modules/pkg/i.js'], '/')).sources.length, 1);
  await rm(join(dir, 'build'), { recursive: true });
});
