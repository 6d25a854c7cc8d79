import { test } from 'node:test';
import assert from 'node:assert/strict';
import { healthcheckJson, healthJson } from './health.ts';
import { statusText } from './inspect.ts';
import type { ContainerRecord, HealthState } from '../types.ts';

const running = (health?: HealthState) => ({
  state: { status: 'running', startedAt: new Date(Date.now() - 3000).toISOString(), health },
} as unknown as ContainerRecord);

test('ps Status carries the health as docker prints it, only while running', () => {
  assert.equal(statusText(running()), 'Up 3 seconds');
  assert.equal(statusText(running({ status: 'starting', failingStreak: 0, log: [] })), 'Up 3 seconds (health: starting)');
  assert.equal(statusText(running({ status: 'healthy', failingStreak: 0, log: [] })), 'Up 3 seconds (healthy)');
  assert.equal(statusText(running({ status: 'unhealthy', failingStreak: 3, log: [] })), 'Up 3 seconds (unhealthy)');
  const exited = { state: { status: 'exited', exitCode: 0, finishedAt: new Date().toISOString(), health: { status: 'unhealthy', failingStreak: 0, log: [] } } } as unknown as ContainerRecord;
  assert.match(statusText(exited), /^Exited \(0\) /);
});

test('Config.Healthcheck leaves zero fields out (Go omitempty); State.Health in docker\'s field names', () => {
  assert.deepEqual(healthcheckJson({ test: ['CMD-SHELL', 'true'], interval: 1e9, timeout: 0, retries: 0 }), { Test: ['CMD-SHELL', 'true'], Interval: 1e9 });
  assert.deepEqual(healthcheckJson({ test: [], retries: 2 }), { Retries: 2 });
  assert.deepEqual(healthJson({ status: 'healthy', failingStreak: 0, log: [{ start: 'a', end: 'b', exitCode: 0, output: 'ok' }] }), {
    Status: 'healthy', FailingStreak: 0, Log: [{ Start: 'a', End: 'b', ExitCode: 0, Output: 'ok' }],
  });
});
