import { test } from 'node:test';
import assert from 'node:assert/strict';
import { frame, frameDemuxer } from './frames.ts';

test('demultiplexes frames split at any byte boundary', () => {
  const wire = Buffer.concat([frame(1, 'hello '), frame(2, 'oops\n'), frame(1, 'world\n'), frame(1, '')]);
  for (let cut = 1; cut < wire.length; cut++) {
    const got: Record<number, string> = { 1: '', 2: '' };
    const feed = frameDemuxer((s, d) => (got[s] += d.toString()));
    feed(wire.subarray(0, cut));
    feed(wire.subarray(cut));
    assert.deepEqual(got, { 1: 'hello world\n', 2: 'oops\n' });
  }
});

test('one byte at a time', () => {
  const wire = Buffer.concat([frame(2, 'e'), frame(1, 'out')]);
  const parts: string[] = [];
  const feed = frameDemuxer((s, d) => parts.push(`${s}:${d}`));
  for (const b of wire) feed(Buffer.from([b]));
  assert.equal(parts.join(''), '2:e1:o1:u1:t');
});
