import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detachFilter, parseDetachKeys } from './stdio.ts';

test('detach keys parse as docker does', () => {
  assert.deepEqual(parseDetachKeys('ctrl-p,ctrl-q'), [0x10, 0x11]);
  assert.deepEqual(parseDetachKeys('a,ctrl-@'), [0x61, 0x00]);
  assert.throws(() => parseDetachKeys('ctrl-1'), /invalid detach keys/);
});

test('the detach sequence is held back and detaches; a broken prefix passes through', () => {
  let detached = 0;
  const f = detachFilter([0x10, 0x11], () => detached++);
  assert.deepEqual([...f(Buffer.from('ab\x10'))], [0x61, 0x62]);
  assert.deepEqual([...f(Buffer.from('x'))], [0x10, 0x78]);
  assert.equal(detached, 0);
  assert.deepEqual([...f(Buffer.from('\x10'))], []);
  assert.deepEqual([...f(Buffer.from('\x11rest'))], []);
  assert.equal(detached, 1);
  assert.deepEqual([...f(Buffer.from('\x10\x10\x11'))], [0x10]);
  assert.equal(detached, 2);
});
