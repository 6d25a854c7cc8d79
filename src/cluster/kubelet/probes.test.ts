import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import type { RuntimeService } from '../../engine/types/runtime.ts';
import { createProber, firstProbeDelay, initialCounter, recordOutcome } from './probes.ts';

test('probe counters flip after the thresholds', () => {
  const p = { successThreshold: 2, failureThreshold: 3 };
  let c = initialCounter('readiness');
  assert.equal(c.result, false);
  c = recordOutcome(c, true, p);
  assert.equal(c.result, false, 'one success of two');
  c = recordOutcome(c, true, p);
  assert.equal(c.result, true);
  c = recordOutcome(recordOutcome(c, false, p), false, p);
  assert.equal(c.result, true, 'two failures of three');
  c = recordOutcome(c, false, p);
  assert.equal(c.result, false);
  assert.equal(initialCounter('liveness').result, true);
  assert.equal(firstProbeDelay({ initialDelaySeconds: 5 }, 1000, 3000), 3000);
});

test('prober: initialDelay, period, startup gating, liveness flip wakes the pod (fake clock)', async () => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  try {
    const calls: Array<[number, string]> = [];
    let healthy = true;
    const changes: string[] = [];
    const failures: string[] = [];
    const prober = createProber({
      runtime: {} as RuntimeService,
      onChange: (k) => changes.push(k),
      onFailure: (_k, c, kind, r) => failures.push(`${kind}:${c}:${r.ok ? '' : r.output}`),
      run: async (probe) => {
        const kind = probe === container.startupProbe ? 'startup' : probe === container.readinessProbe ? 'readiness' : 'liveness';
        calls.push([Date.now(), kind]);
        return kind === 'liveness' && !healthy ? { ok: false, output: 'boom' } : { ok: true };
      },
    });
    const container = {
      name: 'c',
      startupProbe: { periodSeconds: 1, exec: { command: ['true'] } },
      readinessProbe: { initialDelaySeconds: 2, periodSeconds: 5, exec: { command: ['true'] } },
      livenessProbe: { periodSeconds: 10, failureThreshold: 2, exec: { command: ['true'] } },
    };
    prober.sync('ns/p', [{ podKey: 'ns/p', podIP: '10.0.0.2', container, containerId: 'c1', startedMs: 0 }]);
    const step = async (ms: number) => { for (let i = 0; i < ms / 500; i++) { mock.timers.tick(500); for (let j = 0; j < 5; j++) await Promise.resolve(); } };
    await step(500);
    assert.equal(prober.result('c1', 'startup'), true, 'startup probe ran at 0');
    assert.equal(prober.result('c1', 'readiness'), false);
    await step(2500);
    assert.equal(prober.result('c1', 'readiness'), true, 'readiness after its initial delay');
    assert.deepEqual(calls.filter(([, k]) => k === 'startup').length, 1, 'a passed startup probe stops');
    healthy = false;
    await step(20_000);
    assert.equal(prober.result('c1', 'liveness'), false, 'two liveness failures');
    assert.ok(changes.length >= 3);
    assert.ok(failures.includes('liveness:c:boom'));
    const liveness = calls.filter(([, k]) => k === 'liveness').map(([t]) => t);
    assert.equal(liveness[1] - liveness[0], 10_000, 'every periodSeconds');
    prober.sync('ns/p', []);
    assert.equal(prober.result('c1', 'liveness'), undefined, 'gone with its container');
  } finally {
    mock.timers.reset();
  }
});

test('prober warm-up: a readiness probe failing right after the start is retried within ms, uncounted (fake clock)', async () => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  try {
    const calls: number[] = [];
    const failures: string[] = [];
    let failFirst = 3;
    const container = { name: 'c', readinessProbe: { periodSeconds: 10, failureThreshold: 1, exec: { command: ['true'] } } };
    const prober = createProber({
      runtime: {} as RuntimeService,
      onChange: () => {},
      onFailure: (_k, _c, kind, r) => failures.push(`${kind}:${r.ok ? '' : r.output}`),
      run: async () => {
        calls.push(Date.now());
        return failFirst-- > 0 ? { ok: false, output: 'connection refused' } : { ok: true };
      },
    });
    const step = async (ms: number) => { for (let i = 0; i < ms / 10; i++) { mock.timers.tick(10); for (let j = 0; j < 5; j++) await Promise.resolve(); } };
    prober.sync('ns/p', [{ podKey: 'ns/p', podIP: '10.0.0.2', container, containerId: 'c1', startedMs: 0 }]);
    await step(400);
    assert.deepEqual(calls.map((t) => t - calls[0]), [0, 50, 150, 350], 'retries 50 ms apart, doubling');
    assert.equal(prober.result('c1', 'readiness'), true, 'Ready ~350 ms after the start, not 10 s');
    assert.deepEqual(failures, [], 'warm-up failures are not reported');
    await step(10_000);
    assert.deepEqual(calls.slice(4).map((t) => t - calls[3]), [10_000], 'then every periodSeconds');

    // a probe that keeps failing: the warm-up ends within the period, then failures count and are reported
    prober.forget('ns/p');
    calls.length = 0;
    failFirst = 1000;
    prober.sync('ns/q', [{ podKey: 'ns/q', podIP: '10.0.0.3', container, containerId: 'c2', startedMs: Date.now() }]);
    const t0 = Date.now();
    await step(10_500);
    assert.ok(calls.every((t) => t - t0 <= 10_010), 'every try within the first period, the last at its end');
    assert.ok(calls.length > 3 && calls.length < 11, `a few warm-up tries (${calls.length})`);
    assert.deepEqual(failures, ['readiness:connection refused'], 'the last one, past the warm-up, is reported');
    assert.equal(prober.result('c2', 'readiness'), false);
  } finally {
    mock.timers.reset();
  }
});
