import { test } from 'node:test';
import assert from 'node:assert/strict';
import { progressBar, eachLimited } from './transfer-progress.ts';

test('progress bars as docker draws them', () => {
  assert.equal(progressBar(0, 1000), `[>${' '.repeat(50)}]       0B/1kB`);
  assert.equal(progressBar(500_000, 1_000_000), `[${'='.repeat(25)}>${' '.repeat(25)}]    500kB/1MB`);
  assert.equal(progressBar(1_000_000, 1_000_000), `[${'='.repeat(50)}>]      1MB/1MB`);
});

test('eachLimited runs at most `limit` at once and reports the first failure after the others settle', async () => {
  let running = 0;
  let peak = 0;
  const done: number[] = [];
  await assert.rejects(
    eachLimited([1, 2, 3, 4, 5, 6], 3, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      if (n === 2) throw new Error('two');
      done.push(n);
    }),
    /two/,
  );
  assert.equal(peak, 3);
  assert.equal(running, 0);
});
