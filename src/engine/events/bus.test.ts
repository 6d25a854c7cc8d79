import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEventBus } from './bus.ts';
import type { EventMessage } from '../types.ts';

const sec = (s: number) => BigInt(s) * 1_000_000_000n;

/** a bus whose clock the test moves */
function clockedBus(limit?: number) {
  let now = sec(1000);
  const bus = createEventBus({ limit, clock: () => now });
  return { bus, tick: (s = 1) => (now += sec(s)), now: () => now };
}

async function collect(it: AsyncIterable<EventMessage>): Promise<EventMessage[]> {
  const out: EventMessage[] = [];
  for await (const m of it) out.push(m);
  return out;
}

test('a message has docker\'s shape, with the legacy fields for containers only', () => {
  const { bus } = clockedBus();
  const seen: EventMessage[] = [];
  bus.subscribe((m) => seen.push(m));
  bus.emit('container', 'create', { id: 'c1', attributes: { image: 'busybox', name: 'x' } });
  bus.emit('network', 'create', { id: 'n1', attributes: { name: 'net' } });
  assert.deepEqual(seen[0], {
    status: 'create', id: 'c1', from: 'busybox', Type: 'container', Action: 'create',
    Actor: { ID: 'c1', Attributes: { image: 'busybox', name: 'x' } }, scope: 'local', time: 1000, timeNano: sec(1000),
  });
  assert.equal(seen[1].status, undefined);
  assert.equal(seen[1].id, undefined);
});

test('since/until read the history; until in the past ends the stream at once', async () => {
  const { bus, tick } = clockedBus();
  bus.emit('container', 'create', { id: 'a' }); // t=1000
  tick();
  bus.emit('container', 'start', { id: 'a' }); // t=1001
  tick();
  bus.emit('container', 'die', { id: 'a' }); // t=1002
  tick();
  const got = await collect(bus.watch({ since: sec(1001), until: sec(1002) }));
  assert.deepEqual(got.map((m) => m.Action), ['start', 'die']);
  const all = await collect(bus.watch({ since: 0n, until: sec(1002) }));
  assert.deepEqual(all.map((m) => m.Action), ['create', 'start', 'die']);
});

test('the history keeps the last `limit` events', async () => {
  const { bus, tick } = clockedBus(3);
  for (let i = 0; i < 5; i++) {
    bus.emit('container', `a${i}`, { id: 'x' });
    tick();
  }
  const got = await collect(bus.watch({ since: 0n, until: sec(1004) }));
  assert.deepEqual(got.map((m) => m.Action), ['a2', 'a3', 'a4']);
});

test('a live stream gets new events and ends when aborted; without since it replays nothing', async () => {
  const bus = createEventBus();
  bus.emit('container', 'old', { id: 'x' });
  const ac = new AbortController();
  const seen: string[] = [];
  const done = (async () => {
    for await (const m of bus.watch({}, ac.signal)) seen.push(m.Action);
  })();
  await new Promise((r) => setImmediate(r));
  bus.emit('container', 'new1', { id: 'x' });
  bus.emit('container', 'new2', { id: 'x' });
  await new Promise((r) => setImmediate(r));
  ac.abort();
  await done;
  assert.deepEqual(seen, ['new1', 'new2']);
  assert.equal(bus.listeners(), 0);
});

test('a stream with until in the future ends then', async () => {
  const bus = createEventBus();
  const until = BigInt(Date.now() + 150) * 1_000_000n;
  const t0 = Date.now();
  const done = collect(bus.watch({ until }));
  await new Promise((r) => setTimeout(r, 20));
  bus.emit('container', 'during', { id: 'x' });
  const got = await done;
  assert.deepEqual(got.map((m) => m.Action), ['during']);
  assert.ok(Date.now() - t0 >= 140, `ended after ${Date.now() - t0} ms`);
});

test('filters apply to the history and to live events', async () => {
  const { bus } = clockedBus();
  bus.emit('container', 'create', { id: 'aaa111', attributes: { name: 'web', image: 'busybox:latest' } });
  bus.emit('container', 'create', { id: 'bbb222', attributes: { name: 'db', image: 'postgres' } });
  bus.emit('image', 'tag', { id: 'sha256:ff', attributes: { name: 'busybox:1' } });
  const q = (filters: Record<string, string[]>) => collect(bus.watch({ since: 0n, until: sec(1000), filters })).then((ms) => ms.map((m) => m.Actor.ID));
  assert.deepEqual(await q({ container: ['web'] }), ['aaa111']);
  assert.deepEqual(await q({ container: ['bbb'] }), ['bbb222']);
  assert.deepEqual(await q({ image: ['busybox'] }), ['aaa111', 'sha256:ff']);
  assert.deepEqual(await q({ type: ['image'] }), ['sha256:ff']);
  assert.deepEqual(await q({ event: ['create'], type: ['container'] }), ['aaa111', 'bbb222']);
});
