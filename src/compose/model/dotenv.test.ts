import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDotenv } from './dotenv.ts';

test('dotenv: comments, export, quotes, inline comments, spaces', () => {
  const text = [
    '# a comment',
    '',
    'PLAIN=value',
    'export EXPORTED=yes',
    '  SPACED = around  ',
    'INLINE=val # comment',
    'HASH=a#b',
    "SINGLE='lit $PLAIN \\n # kept'",
    'DOUBLE="x\\ty\\n\\"q\\" $PLAIN"',
    'EMPTY=',
    'COLON: c',
    'URL=http://h:80/p?q=1',
    "QUOTED_COMMENT='v' # after",
  ].join('\n');
  assert.deepEqual(parseDotenv(text), {
    PLAIN: 'value',
    EXPORTED: 'yes',
    SPACED: 'around',
    INLINE: 'val',
    HASH: 'a#b',
    SINGLE: 'lit $PLAIN \\n # kept',
    DOUBLE: 'x\ty\n"q" value',
    EMPTY: '',
    COLON: 'c',
    URL: 'http://h:80/p?q=1',
    QUOTED_COMMENT: 'v',
  });
});

test('dotenv: multi-line quoted values, CRLF, and line numbers after them', () => {
  const text = 'KEY="line1\nline2"\r\nSQ=\'a\nb\'\nNEXT=1\n';
  assert.deepEqual(parseDotenv(text), { KEY: 'line1\nline2', SQ: 'a\nb', NEXT: '1' });
  assert.throws(() => parseDotenv('A="x\ny"\nB="unterminated\n', undefined, '/p/.env'), { message: '/p/.env: line 3: unterminated quoted value for B' });
  assert.throws(() => parseDotenv('A=1\nBAD KEY=2\n', undefined, '/p/.env'), { message: '/p/.env: line 2: key cannot contain a space' });
  assert.throws(() => parseDotenv('A!B=1\n', undefined, '/p/.env'), { message: '/p/.env: line 1: unexpected character "!" in variable name "A!B=1"' });
});

test('dotenv: substitution from the environment first, then keys above; single quotes are literal', () => {
  const envLookup = (k: string): string | undefined => ({ HOST: 'envhost', A: 'fromenv' })[k];
  const text = 'A=file\nB=${A}\nC="$HOST:${PORT:-80}"\nD=\'${A}\'\nE="\\$A"\nF=$$A';
  assert.deepEqual(parseDotenv(text, envLookup), { A: 'file', B: 'fromenv', C: 'envhost:80', D: '${A}', E: '$A', F: '$A' });
  assert.deepEqual(parseDotenv('X=1\nY=${X}2'), { X: '1', Y: '12' });
});

test('dotenv: a bare key takes the environment value, or is left out', () => {
  assert.deepEqual(parseDotenv('SET\nUNSET\n', (k) => (k === 'SET' ? 'v' : undefined)), { SET: 'v' });
});

test('dotenv: escapes as compose-go reads them (a quote escaped in either quotes, Go escapes in double ones)', () => {
  const text = [
    "K='Let\\'s go!'",
    "D='\\n'",
    'H="\\n"',
    'O="\\0101\\x"',
    'I = "echo \'asd\'" # Inline comment',
    'DOTS.AND-DASHES=ok',
  ].join('\n');
  assert.deepEqual(parseDotenv(text), { K: "Let's go!", D: '\\n', H: '\n', O: 'A\\x', I: "echo 'asd'", 'DOTS.AND-DASHES': 'ok' });
});
