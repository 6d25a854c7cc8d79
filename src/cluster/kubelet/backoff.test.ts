import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBackoff, goDuration } from './backoff.ts';

test('back-off: first failure restarts at once, then 10 s doubling to 5 min, reset after a long run', () => {
  let t = 1_000_000;
  const b = createBackoff({ now: () => t });
  const k = 'uid/c';
  assert.equal(b.inBackoffSince(k, t), false, 'no entry: restart now');
  b.next(k, t);
  assert.equal(b.delayOf(k), 10_000);
  // crashes again 1 s later: waits 10 s from that finish
  t += 1000;
  let finished = t;
  assert.equal(b.inBackoffSince(k, finished), true);
  t += 5000;
  assert.equal(b.remaining(k, finished), 5000);
  t += 5000;
  assert.equal(b.inBackoffSince(k, finished), false);
  b.next(k, finished);
  assert.equal(b.delayOf(k), 20_000);
  const seen = [];
  for (let i = 0; i < 6; i++) {
    finished = t;
    b.next(k, finished);
    seen.push(b.delayOf(k));
  }
  assert.deepEqual(seen, [40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
  // a container that ran for more than 10 min since the last restart starts over
  t += 11 * 60_000;
  assert.equal(b.inBackoffSince(k, t), false);
  b.next(k, t);
  assert.equal(b.delayOf(k), 10_000);
  b.retain(() => false);
  assert.equal(b.delayOf(k), 0);
});

test('goDuration prints as Go does', () => {
  assert.equal(goDuration(10_000), '10s');
  assert.equal(goDuration(80_000), '1m20s');
  assert.equal(goDuration(300_000), '5m0s');
});
