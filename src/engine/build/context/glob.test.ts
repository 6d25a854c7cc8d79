import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goMatch, hasWildcards } from './glob.ts';

// Go's path/filepath TestMatch table, re-expressed
const cases: Array<[string, string, boolean | 'bad']> = [
  ['abc', 'abc', true], ['*', 'abc', true], ['*c', 'abc', true], ['a*', 'a', true], ['a*', 'abc', true], ['a*', 'ab/c', false],
  ['a*/b', 'abc/b', true], ['a*/b', 'a/c/b', false], ['a*b*c*d*e*/f', 'axbxcxdxe/f', true], ['a*b*c*d*e*/f', 'axbxcxdxexxx/f', true],
  ['a*b*c*d*e*/f', 'axbxcxdxe/xxx/f', false], ['a*b*c*d*e*/f', 'axbxcxdxexxx/fff', false], ['a*b?c*x', 'abxbbxdbxebxczzx', true],
  ['a*b?c*x', 'abxbbxdbxebxczzy', false], ['ab[c]', 'abc', true], ['ab[b-d]', 'abc', true], ['ab[e-g]', 'abc', false],
  ['ab[^c]', 'abc', false], ['ab[^b-d]', 'abc', false], ['ab[^e-g]', 'abc', true], ['a\\*b', 'a*b', true], ['a\\*b', 'ab', false],
  ['a?b', 'a☺b', true], ['a[^a]b', 'a☺b', true], ['a???b', 'a☺b', false], ['a[^a][^a][^a]b', 'a☺b', false], ['[a-ζ]*', 'α', true],
  ['*[a-ζ]', 'A', false], ['a?b', 'a/b', false], ['a*b', 'a/b', false], ['[\\]a]', ']', true], ['[\\-]', '-', true],
  ['[x\\-]', 'x', true], ['[x\\-]', '-', true], ['[x\\-]', 'z', false], ['[\\-x]', 'x', true], ['[\\-x]', '-', true], ['[\\-x]', 'a', false],
  ['[]a]', ']', 'bad'], ['[-]', '-', 'bad'], ['[x-]', 'x', 'bad'], ['[-x]', 'x', 'bad'], ['\\', 'a', 'bad'], ['[a-b-c]', 'a', 'bad'],
  ['[', 'a', 'bad'], ['[^', 'a', 'bad'], ['[^bc', 'a', 'bad'], ['a[', 'ab', 'bad'], ['*x', 'xxx', true], ['a.(c)', 'a.(c)', true], ['a.c', 'abc', false],
  ['[^/]', '/', false],
];

test('goMatch follows filepath.Match', () => {
  for (const [pattern, name, want] of cases) {
    if (want === 'bad') assert.throws(() => goMatch(pattern, name), /syntax error in pattern/, pattern);
    else assert.equal(goMatch(pattern, name), want, `${pattern} vs ${name}`);
  }
});

test('hasWildcards sees *, ? and [ but not escaped ones', () => {
  assert.equal(hasWildcards('src/*.js'), true);
  assert.equal(hasWildcards('a?'), true);
  assert.equal(hasWildcards('[ab]'), true);
  assert.equal(hasWildcards('plain/path.txt'), false);
  assert.equal(hasWildcards('a\\*'), false);
});
