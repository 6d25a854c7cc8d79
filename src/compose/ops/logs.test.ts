import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lineWriter, prefixer, shortName } from './logs.ts';
import { LABEL } from '../types.ts';

test('short names: web-1 for p-web-1; one-offs and container_name keep theirs', () => {
  const labels = (o: Record<string, string>) => ({ [LABEL.project]: 'p', [LABEL.service]: 'web', [LABEL.number]: '1', [LABEL.oneoff]: 'False', ...o });
  assert.equal(shortName({ Names: ['/p-web-1'], Labels: labels({}) }), 'web-1');
  assert.equal(shortName({ Names: ['/p-web-run-abc'], Labels: labels({ [LABEL.oneoff]: 'True' }) }), 'p-web-run-abc');
  assert.equal(shortName({ Names: ['/custom'], Labels: labels({}) }), 'custom');
});

test('prefixes are padded to the widest name, coloured per container when asked', () => {
  const plain = prefixer(['web-1', 'db-1'], false);
  assert.equal(plain.prefix('web-1'), 'web-1  | ');
  assert.equal(plain.prefix('db-1'), 'db-1   | ');
  const c = prefixer(['web-1', 'db-1'], true);
  assert.equal(c.prefix('web-1'), '\x1b[36mweb-1  | \x1b[0m');
  assert.equal(c.prefix('db-1'), '\x1b[33mdb-1   | \x1b[0m');
  assert.equal(c.prefix('web-1'), '\x1b[36mweb-1  | \x1b[0m');
});

test('lines split across chunks come out whole', () => {
  const got: string[] = [];
  const w = lineWriter((l) => got.push(l));
  w.push(Buffer.from('a\nb'));
  w.push(Buffer.from('c\r\nd'));
  w.end();
  assert.deepEqual(got, ['a', 'bc', 'd']);
});
