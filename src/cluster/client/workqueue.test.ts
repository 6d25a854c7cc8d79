import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWorkQueue, runWorkers } from './workqueue.ts';

const until = async (cond: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
};

test('a key added twice before processing is processed once (de-duplication)', async () => {
  const q = createWorkQueue();
  q.add('a');
  q.add('a');
  q.add('b');
  assert.equal(q.len(), 2);
  assert.equal(await q.get(), 'a');
  assert.equal(await q.get(), 'b');
  assert.equal(q.len(), 0);
});

test('a key added while processing is queued again only after done (one worker per key)', async () => {
  const q = createWorkQueue();
  q.add('a');
  const k = await q.get();
  q.add('a');
  assert.equal(q.len(), 0, 'not handed out while processing');
  q.done(k!);
  assert.equal(q.len(), 1);
  assert.equal(await q.get(), 'a');
});

test('addRateLimited backs off per key exponentially; forget resets it', async () => {
  const q = createWorkQueue({ baseDelayMs: 1 });
  q.addRateLimited('a');
  q.addRateLimited('a');
  q.addRateLimited('a');
  assert.equal(q.numRequeues('a'), 3);
  assert.equal(await q.get(), 'a');
  q.forget('a');
  assert.equal(q.numRequeues('a'), 0);
  q.shutDown();
});

test('addAfter delivers after the delay; an earlier addAfter wins over a later one', async () => {
  const q = createWorkQueue();
  const t0 = Date.now();
  q.addAfter('a', 50);
  q.addAfter('a', 5000);
  assert.equal(q.len(), 0);
  assert.equal(await q.get(), 'a');
  assert.ok(Date.now() - t0 >= 45);
  q.shutDown();
});

test('runWorkers: success forgets, a throw retries with back-off, requeueAfterMs runs again, abort ends it', async () => {
  const q = createWorkQueue({ baseDelayMs: 1 });
  const seen: string[] = [];
  let failsLeft = 2;
  let requeues = 1;
  const ac = new AbortController();
  const done = runWorkers(q, 2, async (key) => {
    seen.push(key);
    if (key === 'flaky' && failsLeft-- > 0) throw new Error('boom');
    if (key === 'again' && requeues-- > 0) return { requeueAfterMs: 10 };
  }, ac.signal, 'test-controller');
  q.add('flaky');
  q.add('again');
  q.add('plain');
  await until(() => seen.filter((k) => k === 'flaky').length === 3 && seen.filter((k) => k === 'again').length === 2);
  assert.equal(q.numRequeues('flaky'), 0, 'forgotten after success');
  assert.equal(seen.filter((k) => k === 'plain').length, 1);
  ac.abort();
  await done;
});

test('runWorkers never runs one key in two workers at once', async () => {
  const q = createWorkQueue();
  let running = 0;
  let maxRunning = 0;
  let runs = 0;
  const ac = new AbortController();
  const done = runWorkers(q, 4, async () => {
    running++;
    maxRunning = Math.max(maxRunning, running);
    await new Promise((r) => setTimeout(r, 5));
    running--;
    runs++;
  }, ac.signal);
  for (let i = 0; i < 20; i++) {
    q.add('same');
    await new Promise((r) => setTimeout(r, 1));
  }
  await until(() => q.len() === 0 && running === 0);
  assert.equal(maxRunning, 1);
  assert.ok(runs >= 2);
  ac.abort();
  await done;
});

test('3,000 keys go through 8 workers quickly', async () => {
  const q = createWorkQueue();
  let n = 0;
  const ac = new AbortController();
  const done = runWorkers(q, 8, async () => void n++, ac.signal);
  for (let i = 0; i < 3000; i++) q.add(`ns/p${i}`);
  await until(() => n === 3000);
  ac.abort();
  await done;
});
