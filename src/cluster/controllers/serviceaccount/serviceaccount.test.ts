import { test } from 'node:test';
import assert from 'node:assert/strict';
import { R } from '../../types/gvr.ts';
import type { KObject } from '../../types/meta.ts';
import { eventually, testContext } from '../../scheduler/testing.ts';
import { createServiceAccountsController } from './index.ts';

const ns = (name: string, terminating = false): KObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name }, status: { phase: terminating ? 'Terminating' : 'Active' } });

test('every active namespace gets a `default` ServiceAccount, again when it is deleted; terminating ones none', async () => {
  const ctx = testContext([ns('a'), ns('going', true)]);
  const done = createServiceAccountsController(ctx).run(ctx.signal);
  const has = async (n: string) => (await ctx.client.list(R.serviceaccounts, n)).items.some((s) => s.metadata?.name === 'default');
  try {
    await eventually(() => has('a'), 'default in a');
    await ctx.client.create(R.namespaces, undefined, ns('b'));
    await eventually(() => has('b'), 'default in a namespace made later');
    const before = (await ctx.client.get(R.serviceaccounts, 'a', 'default')).metadata?.uid;
    await ctx.client.delete(R.serviceaccounts, 'a', 'default');
    await eventually(async () => (await has('a')) && (await ctx.client.get(R.serviceaccounts, 'a', 'default')).metadata?.uid !== before, 'default made again');
    assert.equal(await has('going'), false, 'none in a terminating namespace');
  } finally {
    ctx.stop();
    await done;
  }
});
