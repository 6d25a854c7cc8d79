import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyProbeResult, createHealthMonitor, limitedBuffer, maxOutputLen, nextProbeDelay, startingHealth } from './health.ts';
import { checkHealthcheck, goDuration, mergeHealthcheck, probeOf } from './health-config.ts';
import type { ContainerRecord, HealthLogEntry, HealthState } from '../types.ts';

const t0 = Date.parse('2026-01-01T00:00:00Z');
const at = (ms: number, exitCode: number): HealthLogEntry => ({ start: new Date(t0 + ms).toISOString(), end: new Date(t0 + ms + 5).toISOString(), exitCode, output: '' });
const probe = { retries: 3, startPeriodMs: 0 };

test('one success makes a starting container healthy; retries failures in a row make it unhealthy', () => {
  let h = startingHealth(undefined);
  h = applyProbeResult(h, at(1000, 0), probe, t0);
  assert.equal(h.status, 'healthy');
  h = applyProbeResult(h, at(2000, 1), probe, t0);
  h = applyProbeResult(h, at(3000, 1), probe, t0);
  assert.deepEqual([h.status, h.failingStreak], ['healthy', 2]);
  h = applyProbeResult(h, at(4000, 1), probe, t0);
  assert.deepEqual([h.status, h.failingStreak], ['unhealthy', 3]);
  h = applyProbeResult(h, at(5000, 0), probe, t0);
  assert.deepEqual([h.status, h.failingStreak], ['healthy', 0]);
});

test('failures within the start period do not count while starting', () => {
  const p = { retries: 1, startPeriodMs: 10_000 };
  let h = startingHealth(undefined);
  h = applyProbeResult(h, at(1000, 1), p, t0);
  assert.deepEqual([h.status, h.failingStreak], ['starting', 0]);
  h = applyProbeResult(h, at(11_000, 1), p, t0);
  assert.deepEqual([h.status, h.failingStreak], ['unhealthy', 1]);
});

test('the log keeps the last five results; a start keeps the log and resets the rest', () => {
  let h: HealthState = startingHealth(undefined);
  for (let i = 0; i < 7; i++) h = applyProbeResult(h, at(i * 1000, i), probe, t0);
  assert.deepEqual(h.log.map((e) => e.exitCode), [2, 3, 4, 5, 6]);
  const again = startingHealth(h);
  assert.deepEqual([again.status, again.failingStreak, again.log.length], ['starting', 0, 5]);
});

test('the next probe: start interval while starting in the start period, never past its end', () => {
  const p = { intervalMs: 30_000, startPeriodMs: 60_000, startIntervalMs: 5000 };
  assert.equal(nextProbeDelay(p, 0, 'starting'), 5000);
  assert.equal(nextProbeDelay(p, 0, 'healthy'), 30_000);
  assert.equal(nextProbeDelay(p, 50_000, 'starting'), 10_000);
  assert.equal(nextProbeDelay(p, 70_000, 'starting'), 30_000);
  assert.equal(nextProbeDelay({ ...p, startPeriodMs: 0 }, 0, 'starting'), 30_000);
});

test('the user\'s healthcheck takes what it leaves empty from the image; NONE turns it off', () => {
  const image = { Test: ['CMD', 'true'], Interval: 5e9, Retries: 7 };
  assert.deepEqual(mergeHealthcheck(undefined, image), { test: ['CMD', 'true'], interval: 5e9, timeout: 0, startPeriod: 0, startInterval: 0, retries: 7 });
  assert.deepEqual(mergeHealthcheck({ test: [], interval: 1e9 }, image)?.test, ['CMD', 'true']);
  assert.equal(mergeHealthcheck({ test: [], interval: 1e9 }, image)?.interval, 1e9);
  assert.equal(probeOf(mergeHealthcheck({ test: ['NONE'] }, image)), null);
  assert.equal(probeOf(undefined), null);
  const p = probeOf({ test: ['CMD-SHELL', 'curl -f http://x/'], timeout: 1.5e9 })!;
  assert.deepEqual(p.cmd, ['/bin/sh', '-c', 'curl -f http://x/']);
  assert.deepEqual([p.intervalMs, p.timeoutMs, p.retries, p.startIntervalMs, p.timeoutText], [30_000, 1500, 3, 5000, '1.5s']);
});

test('settings are checked with docker\'s messages', () => {
  assert.throws(() => checkHealthcheck({ interval: 500_000 }), /^InvalidArgumentError: Interval in Healthcheck cannot be less than 1ms$/m);
  assert.throws(() => checkHealthcheck({ timeout: -1 }), /Timeout in Healthcheck cannot be less than 1ms/);
  assert.throws(() => checkHealthcheck({ retries: -1 }), /Retries in Healthcheck cannot be negative/);
  assert.throws(() => checkHealthcheck({ startPeriod: 10 }), /StartPeriod in Healthcheck cannot be less than 1ms/);
  assert.throws(() => checkHealthcheck({ startInterval: 10 }), /StartInterval in Healthcheck cannot be less than 1ms/);
  assert.throws(() => checkHealthcheck({ test: ['SHELL', 'x'] }), /Unknown healthcheck type 'SHELL'/);
  checkHealthcheck({ test: ['CMD', 'true'], interval: 1e6, timeout: 0, retries: 0 });
});

test('Go duration text', () => {
  assert.deepEqual([goDuration(30e9), goDuration(90e9), goDuration(5e8), goDuration(1.5e9), goDuration(3600e9)], ['30s', '1m30s', '500ms', '1.5s', '1h0m0s']);
});

test('a monitor probes, records, reports status changes, and stops (then unhealthy, as docker)', async () => {
  const codes = [0, 1, 1];
  const reports: string[] = [];
  const persisted: string[] = [];
  const rec = {
    id: 'c1', state: { status: 'running', startedAt: new Date().toISOString() },
    spec: { healthcheck: { test: ['CMD', 'check'], interval: 20e6, retries: 2 } },
  } as unknown as ContainerRecord;
  const m = createHealthMonitor({
    runProbe: async () => ({ exitCode: codes.shift() ?? 1, output: 'out' }),
    async record(r, health, persist) {
      r.state = { ...r.state, health };
      if (persist) persisted.push(`${health.status}/${health.failingStreak}`);
    },
    report: (_r, action) => reports.push(action),
  });
  m.start(rec);
  assert.equal(rec.state.health?.status, 'starting');
  const deadline = Date.now() + 5000;
  while (reports.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  m.stop(rec);
  assert.deepEqual(reports, ['health_status: healthy', 'health_status: unhealthy']);
  assert.deepEqual(persisted.slice(0, 4), ['starting/0', 'healthy/0', 'healthy/1', 'unhealthy/2']);
  assert.equal(rec.state.health?.log.at(-1)?.output, 'out');
  const n = rec.state.health!.log.length;
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(rec.state.health!.log.length, n, 'no probe after stop');
  assert.equal(rec.state.health?.status, 'unhealthy');
});

test('a probe keeps the first 4 KiB of its output and marks the cut with ...', () => {
  const b = limitedBuffer();
  b.write(Buffer.alloc(4000, 'a'));
  b.write(Buffer.alloc(200, 'b'));
  b.write(Buffer.from('c'));
  const text = b.text();
  assert.equal(text.length, maxOutputLen + 3);
  assert.ok(text.endsWith('b...'));
  const small = limitedBuffer();
  small.write(Buffer.from('ok\n'));
  assert.equal(small.text(), 'ok\n');
});
