import assert from 'node:assert/strict';
import { it } from 'node:test';
import { cloneJson } from './clone.ts';

it('cloneJson copies nested objects and arrays deeply, keeping undefined values', () => {
  const src = { a: { b: [1, { c: 'x' }], u: undefined }, n: null, s: 's' };
  const copy = cloneJson(src);
  assert.deepStrictEqual(copy, src);
  assert.ok('u' in copy.a);
  (copy.a.b[1] as { c: string }).c = 'y';
  copy.a.b.push(2);
  assert.equal((src.a.b[1] as { c: string }).c, 'x');
  assert.equal(src.a.b.length, 2);
});
