import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { R } from '../types/gvr.ts';
import { internalError } from '../types/status-error.ts';
import { createScheduler } from './index.ts';
import { eventually, makeNode, makePod, testContext } from './testing.ts';
import type { TestContext } from './testing.ts';

async function start(ctx: TestContext, opts: Parameters<typeof createScheduler>[1] = {}) {
  const s = createScheduler(ctx, { initialBackoffMs: 50, maxBackoffMs: 200, ...opts });
  ctx.informers.start(ctx.signal);
  const done = s.run(ctx.signal);
  return async () => { ctx.stop(); await done; };
}

const podsOf = (ctx: TestContext) => ctx.client.objects(R.pods) as Pod[];
const nodeOf = (ctx: TestContext, name: string) => podsOf(ctx).find((p) => p.metadata?.name === name)?.spec?.nodeName;

test('binds pending pods through pods/binding and records Scheduled', async () => {
  const ctx = testContext([makeNode('node-1'), makePod('web-abc')]);
  const stop = await start(ctx);
  try {
    await eventually(() => nodeOf(ctx, 'web-abc'), 'the pod to be bound');
    assert.equal(nodeOf(ctx, 'web-abc'), 'node-1');
    const bind = ctx.client.actions.find((a) => a.verb === 'create' && a.subresource === 'binding');
    assert.deepEqual((bind?.object as { target?: unknown }).target, { apiVersion: 'v1', kind: 'Node', name: 'node-1' });
    await eventually(() => ctx.events.find((e) => e.reason === 'Scheduled'), 'the Scheduled event');
    assert.deepEqual(ctx.events.find((e) => e.reason === 'Scheduled'), {
      component: 'default-scheduler', object: 'default/web-abc', type: 'Normal', reason: 'Scheduled', message: 'Successfully assigned default/web-abc to node-1',
    });
  } finally { await stop(); }
});

test('leaves pods of other schedulers, bound pods and deleted pods alone', async () => {
  const other = makePod('other', { spec: { schedulerName: 'my-scheduler' } });
  const ctx = testContext([makeNode('n1'), other, makePod('mine')]);
  const stop = await start(ctx);
  try {
    await eventually(() => nodeOf(ctx, 'mine'), 'the default pod to be bound');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(nodeOf(ctx, 'other'), undefined);
  } finally { await stop(); }
});

test('assumed pods count at once: 3 pods of 1 cpu on a 2-cpu node bind 2 and report 1 Insufficient cpu', async () => {
  const ctx = testContext([makeNode('n1', { cpu: '2' }), makePod('a', { cpu: '1' }), makePod('b', { cpu: '1' }), makePod('c', { cpu: '1' })]);
  const stop = await start(ctx);
  try {
    const waiting = await eventually(() => podsOf(ctx).find((p) => p.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False')), 'a PodScheduled=False condition');
    assert.equal(podsOf(ctx).filter((p) => p.spec?.nodeName).length, 2);
    const cond = waiting.status!.conditions!.find((c) => c.type === 'PodScheduled')!;
    assert.equal(cond.reason, 'Unschedulable');
    assert.equal(cond.message, '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.');
    const ev = ctx.events.find((e) => e.reason === 'FailedScheduling');
    assert.equal(ev?.type, 'Warning');
    assert.equal(ev?.message, cond.message);
  } finally { await stop(); }
});

test('the unschedulable message counts every node by its first failing filter', async () => {
  const ctx = testContext([
    makeNode('n1', { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] }),
    makeNode('n2', { cpu: '1' }), makeNode('n3', { cpu: '1' }), makePod('big', { cpu: '2' }),
  ]);
  const stop = await start(ctx);
  try {
    const pod = await eventually(() => podsOf(ctx).find((p) => p.status?.conditions?.length), 'the condition');
    assert.equal(pod.status!.conditions![0].message,
      '0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 2 Insufficient cpu. ' +
      'preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.');
  } finally { await stop(); }
});

test('an unschedulable pod is retried when a node is added', async () => {
  const ctx = testContext([makeNode('small', { cpu: '1' }), makePod('big', { cpu: '2' })]);
  const stop = await start(ctx);
  try {
    await eventually(() => ctx.events.find((e) => e.reason === 'FailedScheduling'), 'FailedScheduling');
    await ctx.client.create(R.nodes, undefined, makeNode('large', { cpu: '8' }));
    await eventually(() => nodeOf(ctx, 'big') === 'large', 'the pod to land on the new node');
  } finally { await stop(); }
});

test('an unschedulable pod is retried when a bound pod is deleted', async () => {
  const ctx = testContext([makeNode('n1', { cpu: '1' }), makePod('old', { cpu: '1', nodeName: 'n1' }), makePod('new', { cpu: '1' })]);
  const stop = await start(ctx);
  try {
    await eventually(() => ctx.events.find((e) => e.reason === 'FailedScheduling'), 'FailedScheduling');
    await ctx.client.delete(R.pods, 'default', 'old');
    await eventually(() => nodeOf(ctx, 'new') === 'n1', 'the pod to take the freed room');
  } finally { await stop(); }
});

test('a failed binding forgets the assumption and is retried with back-off', async () => {
  const ctx = testContext([makeNode('n1', { cpu: '1' }), makePod('p', { cpu: '1' })]);
  const create = ctx.client.create.bind(ctx.client);
  let failuresLeft = 2;
  ctx.client.create = (async (r, ns, obj, o) => {
    if (o?.subresource === 'binding' && failuresLeft-- > 0) throw internalError('etcd is sad');
    return create(r, ns, obj, o);
  }) as typeof ctx.client.create;
  const stop = await start(ctx);
  try {
    await eventually(() => nodeOf(ctx, 'p') === 'n1', 'the pod to be bound after retries');
    assert.equal(ctx.client.actions.filter((a) => a.subresource === 'binding').length, 1);
    assert.equal(ctx.events.filter((e) => e.reason === 'FailedScheduling' && e.message.startsWith('Binding rejected')).length, 2);
  } finally { await stop(); }
});

test('host ports: the second pod asking for the same port waits', async () => {
  const ctx = testContext([makeNode('n1'), makePod('a', { hostPort: 80 }), makePod('b', { hostPort: 80 })]);
  const stop = await start(ctx);
  try {
    const ev = await eventually(() => ctx.events.find((e) => e.reason === 'FailedScheduling'), 'FailedScheduling');
    assert.match(ev.message, /^0\/1 nodes are available: 1 node\(s\) didn't have free ports for the requested pod ports\./);
  } finally { await stop(); }
});
