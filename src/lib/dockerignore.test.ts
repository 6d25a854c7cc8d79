import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileIgnore, parseIgnoreFile, keepBuildFiles } from './dockerignore.ts';

// moby/patternmatcher's TestMatches table (MatchesOrParentMatches with one pattern), re-expressed
const single: Array<[string, string, boolean]> = [
  ['**', 'file', true], ['**', 'file/', true], ['**/', 'file', true], ['**/', 'file/', true], ['**', '/', true],
  ['**', 'dir/file', true], ['**/', 'dir/file', true], ['**/**', 'dir/file', true], ['**/**', 'dir/file/', true],
  ['dir/**', 'dir/file', true], ['dir/**', 'dir/dir2/file', true], ['**/dir', 'dir', true], ['**/dir', 'dir/file', true],
  ['**/dir2/*', 'dir/dir2/file', true], ['**/dir2/**', 'dir/dir2/dir3/file', true], ['**file', 'file', true],
  ['**file', 'dir/file', true], ['**/file', 'dir/file', true], ['**file', 'dir/dir/file', true], ['**/file', 'dir/dir/file', true],
  ['**/file*', 'dir/dir/file', true], ['**/file*', 'dir/dir/file.txt', true], ['**/file*txt', 'dir/dir/file.txt', true],
  ['**/file*.txt', 'dir/dir/file.txt', true], ['**/file*.txt*', 'dir/dir/file.txt', true], ['**/**/*.txt', 'dir/dir/file.txt', true],
  ['**/**/*.txt2', 'dir/dir/file.txt', false], ['**/*.txt', 'file.txt', true], ['**/**/*.txt', 'file.txt', true],
  ['a**/*.txt', 'a/file.txt', true], ['a**/*.txt', 'a/dir/file.txt', true], ['a**/*.txt', 'a/dir/dir/file.txt', true],
  ['a/*.txt', 'a/dir/file.txt', false], ['a/*.txt', 'a/file.txt', true], ['a/*.txt**', 'a/file.txt', true],
  ['a[b-d]e', 'ae', false], ['a[b-d]e', 'ace', true], ['a[b-d]e', 'aae', false], ['a[^b-d]e', 'aze', true],
  ['.*', '.foo', true], ['.*', 'foo', false], ['abc.def', 'abcdef', false], ['abc.def', 'abc.def', true], ['abc.def', 'abcZdef', false],
  ['abc?def', 'abcZdef', true], ['abc?def', 'abcdef', false], ['a\\\\', 'a\\', true], ['**/foo/bar', 'foo/bar', true],
  ['**/foo/bar', 'dir/foo/bar', true], ['**/foo/bar', 'dir/dir2/foo/bar', true], ['abc/**', 'abc', false], ['abc/**', 'abc/def', true],
  ['abc/**', 'abc/def/ghi', true], ['**/.foo', '.foo', true], ['**/.foo', 'bar.foo', false], ['a(b)c/def', 'a(b)c/def', true],
  ['a(b)c/def', 'a(b)c/xyz', false], ['a.|)$(}+{bc', 'a.|)$(}+{bc', true],
  ['dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', true],
  ['dist/*.whl', 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', true],
  // a pattern matching a parent directory excludes what is below it
  ['node_modules', 'node_modules/x/y.js', true], ['dir/', 'dir/file', true], ['/dir', 'dir/file', true], ['./dir', 'dir/file', true],
  ['*.md', 'docs/readme.md', false], ['*/*.md', 'docs/readme.md', true],
];

test('single patterns match as moby/patternmatcher does (parents included)', () => {
  for (const [pattern, path, want] of single) {
    const m = compileIgnore(parseIgnoreFile(pattern));
    assert.equal(m.matches(path.replace(/\/$/, '')), want, `${pattern} vs ${path}`);
  }
});

test('exceptions (!) re-include, in order, and a later pattern wins', () => {
  const m = compileIgnore(['docs', '!docs/README.md']);
  assert.equal(m.matches('docs/a.md'), true);
  assert.equal(m.matches('docs/README.md'), false);
  const again = compileIgnore(['*.go', '!main.go', 'main.go']);
  assert.equal(again.matches('main.go'), true);
  assert.equal(again.matches('x.go'), true);
  const order = compileIgnore(['!keep', '*']);
  assert.equal(order.matches('keep'), true, 'an exception before the pattern it should undo has no effect');
  assert.equal(compileIgnore(['**/*.log', '!important/*.log']).matches('important/a.log'), false);
  assert.equal(m.mayReinclude('docs'), true);
  assert.equal(m.mayReinclude('other'), false);
});

test('ignorefile.ReadAll: comments, blanks, leading slash, `!` with spaces, BOM, CRLF', () => {
  const text = '\uFEFFtest1\n/test2\n/a/file/here\n\nlastfile\n# this is a comment\n! /inverted/abs/path\n!\n! \r\n  spaced/  \n';
  assert.deepEqual(parseIgnoreFile(text), ['test1', 'test2', 'a/file/here', 'lastfile', '!inverted/abs/path', '!', '!', 'spaced']);
  assert.deepEqual(parseIgnoreFile(' # not a comment when indented'), ['# not a comment when indented']);
  assert.deepEqual(parseIgnoreFile('.\n./\na/../b'), ['.', '.', 'b']);
});

test('bad patterns are refused as docker refuses them', () => {
  assert.throws(() => compileIgnore(['!']), /illegal exclusion pattern: "!"/);
  for (const bad of ['[', 'a[', '[^', '[]a]', '[x-]', 'a\\']) assert.throws(() => compileIgnore([bad]), /syntax error in pattern/, bad);
});

test('the Dockerfile and .dockerignore are always sent (TrimBuildFilesFromExcludes)', () => {
  const kept = compileIgnore(keepBuildFiles(['*', '!src'], 'build/Dockerfile'));
  assert.equal(kept.matches('.dockerignore'), false);
  assert.equal(kept.matches('build/Dockerfile'), false);
  assert.equal(kept.matches('build/other'), true);
  assert.deepEqual(keepBuildFiles(['*.txt'], 'Dockerfile'), ['*.txt']);
});
