import { test } from 'node:test';
import assert from 'node:assert/strict';
import { frame, frameDemuxer, splitFrames } from './stdcopy.ts';

test('demultiplexes frames split at any byte boundary', () => {
  const wire = Buffer.concat([frame('stdout', 'hello '), frame('stderr', 'oops\n'), frame('stdout', 'world\n'), frame('stdout', '')]);
  for (let cut = 1; cut < wire.length; cut++) {
    const got: Record<string, string> = { stdout: '', stderr: '' };
    const feed = frameDemuxer((s, d) => (got[s] += d.toString()));
    feed(wire.subarray(0, cut));
    feed(wire.subarray(cut));
    assert.deepEqual(got, { stdout: 'hello world\n', stderr: 'oops\n' });
  }
});

test('one byte at a time', () => {
  const wire = Buffer.concat([frame('stderr', 'e'), frame('stdout', 'out')]);
  const parts: string[] = [];
  const feed = frameDemuxer((s, d) => parts.push(`${s}:${d}`));
  for (const b of wire) feed(Buffer.from([b]));
  assert.equal(parts.join(''), 'stderr:estdout:ostdout:ustdout:t');
});

test('splitFrames returns whole frames of a complete body', () => {
  const body = Buffer.concat([frame('stdout', 'a'), frame('stderr', 'bc')]);
  assert.deepEqual(splitFrames(body).map((f) => `${f.stream}=${f.data}`), ['stdout=a', 'stderr=bc']);
});
