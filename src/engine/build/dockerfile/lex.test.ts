// Docker's shell lexer cases (after buildkit's shell/envVarTest and wordsTest), re-expressed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { processWord, processWords } from './lex.ts';

const env = { PWD: '/home', SHELL: 'bash', KOREAN: '한국어', NULL: '' };

// [input, expected | 'error']
const wordCases: [string, string][] = [
  ['hello', 'hello'],
  ["he'll'o", 'hello'],
  ["he'llo", 'error'],
  ["he\\'llo", "he'llo"],
  ["he\\\\'llo", 'error'],
  ['abc\\tdef', 'abctdef'],
  ['"abc\\tdef"', 'abc\\tdef'],
  ['"abc\\\\tdef"', 'abc\\tdef'],
  ["'abc\\tdef'", 'abc\\tdef'],
  ['hello\\', 'hello'],
  ['hello\\\\', 'hello\\'],
  ['"hello', 'error'],
  ['"hello\\"', 'error'],
  ['"hel\'lo"', "hel'lo"],
  ["'hello", 'error'],
  ["'hello\\'", 'hello\\'],
  ['"\'\'"', "''"],
  ['$.', '$.'],
  ['he$1x', 'hex'],
  ['he$.x', 'he$.x'],
  ['he$pwd.', 'he.'],
  ['he$PWD', 'he/home'],
  ['he\\$PWD', 'he$PWD'],
  ['he\\\\$PWD', 'he\\/home'],
  ['"he\\$PWD"', 'he$PWD'],
  ['"he\\\\$PWD"', 'he\\/home'],
  ['\\${}', '${}'],
  ['he\\${}xx', 'he${}xx'],
  ['${}', 'error'],
  ['he${}xx', 'error'],
  ['he${hi}xx', 'hexx'],
  ['he${PWD}', 'he/home'],
  ['he${.}', 'error'],
  ['he${XXX:-000}xx', 'he000xx'],
  ['he${PWD:-000}xx', 'he/homexx'],
  ['he${XXX:-$PWD}xx', 'he/homexx'],
  ['he${XXX:-${PWD:-yyy}}xx', 'he/homexx'],
  ['he${XXX:-${YYY:-yyy}}xx', 'heyyyxx'],
  ['he${XXX:YYY}', 'error'],
  ['he${XXX?}', 'error'],
  ['he${XXX:?}', 'error'],
  ['he${PWD?}', 'he/home'],
  ['he${NULL?}', 'he'],
  ['he${NULL:?}', 'error'],
  ['he${XXX:+${PWD}}xx', 'hexx'],
  ['he${PWD:+${SHELL}}xx', 'hebashxx'],
  ['he${PWD:+000}xx', 'he000xx'],
  ['he${NULL-x}y', 'hey'],
  ['he${NULL:-x}y', 'hexy'],
  ['he${NULL+x}y', 'hexy'],
  ['he${NULL:+x}y', 'hey'],
  ["'he${XX}'", 'he${XX}'],
  ['"he\'$PWD\'"', "he'/home'"],
  ["'$PWD'", '$PWD'],
  ["'\\$PWD'", '\\$PWD'],
  ['he${PWD', 'error'],
  ['he${PWD:=000}xx', 'error'],
  ['he${PWD:+${PWD}:}xx', 'he/home:xx'],
  ['he${XXX:-\\$PWD:}xx', 'he$PWD:xx'],
  ['he${XXX:-\\${PWD}z}xx', 'he${PWDz}xx'],
  ["안'녕'하세요", '안녕하세요'],
  ['안녕$KOREAN', '안녕한국어'],
  ['${{aaa}', 'error'],
  ['${aaa}}', '}'],
  ['${aaa', 'error'],
];

test('processWord follows docker: quotes, escapes, $VAR and ${VAR<op>word}', () => {
  for (const [input, want] of wordCases) {
    if (want === 'error') assert.throws(() => processWord(input, env), Error, input);
    else assert.equal(processWord(input, env), want, input);
  }
});

test('${VAR:?msg} and ${VAR?msg} report the name and message', () => {
  assert.throws(() => processWord('${VAR:?message here$ARG}', { VAR: '', ARG: 'x' }), /VAR: message herex/);
  assert.throws(() => processWord('${VAR?message here$ARG}', { ARG: 'x' }), /VAR: message herex/);
  assert.equal(processWord('${VAR?message}', { VAR: '' }), '');
  assert.throws(() => processWord('${VAR?}', {}), /failed to process "\$\{VAR\?\}": VAR: is not allowed to be unset/);
  assert.throws(() => processWord('${VAR:?}', { VAR: '' }), /VAR: is not allowed to be empty/);
});

test('prefix and suffix trimming: # ## % %%', () => {
  const cases: [string, Record<string, string>, string][] = [
    ['${FOO#*x*y}', { FOO: 'xxyy' }, 'y'],
    ['${FOO#*}', { FOO: 'xxyy' }, 'xxyy'],
    ['${FOO#$BAR}', { FOO: 'xxyy', BAR: 'x' }, 'xyy'],
    ['${FOO##*x}', { FOO: 'xxyy' }, 'yy'],
    ['${FOO#?\\?}', { FOO: '???y' }, '?y'],
    ['${ABC:-.}${FOO%x}${ABC:-.}', { FOO: 'xxyy' }, '.xxyy.'],
    ['${FOO%y}', { FOO: 'xxyy' }, 'xxy'],
    ['${FOO%%y*}', { FOO: 'xxyy' }, 'xx'],
    ['${FOO%y*}', { FOO: 'xxyy' }, 'xxy'],
    ['${FOO%%\\**\\*}', { FOO: 'a***yy*' }, 'a'],
    ['${FOO%%\\**}', { FOO: 'xx**' }, 'xx'],
    ['${FOO%}', { FOO: 'xxyy' }, 'xxyy'],
  ];
  for (const [input, vars, want] of cases) assert.equal(processWord(input, vars), want, input);
});

test('pattern substitution: ${VAR/pat/rep} and ${VAR//pat/rep}', () => {
  const cases: [string, Record<string, string>, string][] = [
    ['${FOO/$NEEDLE/.} - ${FOO//$NEEDLE/.}', { FOO: '/foo*/*/*.txt', NEEDLE: '\\*/' }, '/foo.*/*.txt - /foo..*.txt'],
    ['${FOO/$NEEDLE/} - ${FOO//$NEEDLE/}', { FOO: '/tmp/tmp/bar.txt', NEEDLE: '/tmp' }, '/tmp/bar.txt - /bar.txt'],
    ['${FOO/$NEEDLE/$REPLACEMENT} - ${FOO//$NEEDLE/$REPLACEMENT}', { FOO: '/a/foo/b/c.txt', NEEDLE: '/?/', REPLACEMENT: '/' }, '/foo/b/c.txt - /foo/c.txt'],
    ['${FOO/$NEEDLE/$REPLACEMENT}', { FOO: 'http://google.de', NEEDLE: 'http://', REPLACEMENT: 'https://' }, 'https://google.de'],
    ['${FOO//\\//\\/}', { FOO: '/tmp/foo.txt' }, '\\/tmp\\/foo.txt'],
    ['${FOO/$BAR/ww}', { FOO: 'xxyy', BAR: '' }, 'wwxxyy'],
    ['${FOO///}', { FOO: 'xxyy' }, 'xxyy'],
    ['${FOO///}', {}, ''],
  ];
  for (const [input, vars, want] of cases) assert.equal(processWord(input, vars), want, input);
  assert.throws(() => processWord('${FOO//ww}', { FOO: 'xxyy' }), /missing '\/' in|missing '}'/);
  assert.throws(() => processWord('${FOO//}', { FOO: 'xxyy' }));
});

test('processWords splits after expansion; quoted text keeps its spaces', () => {
  const vars = { hi: 'hi', space: 'abc  def', leading: '  ab c', trailing: 'ab c   ' };
  const cases: [string, string[] | 'error'][] = [
    ['hello', ['hello']],
    ['hello${hi}bye', ['hellohibye']],
    ['hello${space}bye', ['helloabc', 'defbye']],
    ['hello"${space}"bye', ['helloabc  defbye']],
    ['hello "${space}"bye', ['hello', 'abc  defbye']],
    ['hello${leading}def', ['hello', 'ab', 'cdef']],
    ['hello"${leading}" def', ['hello  ab c', 'def']],
    ['hello${leading}', ['hello', 'ab', 'c']],
    ['hello${trailing}', ['helloab', 'c']],
    ['hello${trailing}d', ['helloab', 'c', 'd']],
    ['hello"${trailing}"d', ['helloab c   d']],
    ['hello" there  "', ['hello there  ']],
    ['hello there', ['hello', 'there']],
    ['hello\\ there', ['hello there']],
    ['hello" there', 'error'],
    ['hello\\" there', ['hello"', 'there']],
    ['hello"\\\\there"', ['hello\\there']],
    ['hello"\\there"', ['hello\\there']],
    ["hello'\\\\there'", ['hello\\\\there']],
    ["hello'$there'", ['hello$there']],
  ];
  for (const [input, want] of cases) {
    if (want === 'error') assert.throws(() => processWords(input, vars), Error, input);
    else assert.deepEqual(processWords(input, vars), want, input);
  }
});

test('the backtick escape replaces the backslash', () => {
  assert.equal(processWord('c:\\dir`$PWD', env, { escape: '`' }), 'c:\\dir$PWD');
  assert.equal(processWord('"a`"b"', env, { escape: '`' }), 'a"b');
});
