import { test } from 'node:test';
import assert from 'node:assert/strict';
import { R } from '../../types/gvr.ts';
import type { KObject } from '../../types/meta.ts';
import { eventually, testContext } from '../../scheduler/testing.ts';
import { createTokenCleaner } from './index.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const token = (id: string, expiration?: string, type = 'bootstrap.kubernetes.io/token'): KObject => ({
  apiVersion: 'v1', kind: 'Secret', type, metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' },
  data: { 'token-id': b64(id), 'token-secret': b64('0123456789abcdef'), ...(expiration ? { expiration: b64(expiration) } : {}) },
});
const at = (msFromNow: number) => new Date(Date.now() + msFromNow).toISOString();

test('expired bootstrap tokens are deleted at their expiry; live, everlasting and other Secrets stay', async () => {
  const ctx = testContext([token('old111', at(-60_000)), token('new222', at(3_600_000)), token('never4'), token('other5', at(-60_000), 'Opaque')]);
  const done = createTokenCleaner(ctx).run(ctx.signal);
  const names = async () => (await ctx.client.list(R.secrets, 'kube-system')).items.map((s) => s.metadata?.name).sort();
  try {
    await eventually(async () => !(await names()).includes('bootstrap-token-old111'), 'the expired token deleted');
    await ctx.client.create(R.secrets, 'kube-system', token('soon33', at(300)));
    await eventually(async () => !(await names()).includes('bootstrap-token-soon33'), 'a token created later deleted when it expires', 5000);
    assert.deepEqual(await names(), ['bootstrap-token-never4', 'bootstrap-token-new222', 'bootstrap-token-other5']);
  } finally {
    ctx.stop();
    await done;
  }
});
