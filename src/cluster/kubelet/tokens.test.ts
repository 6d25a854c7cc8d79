import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ApiClient } from '../client/types.ts';
import type { KObject } from '../types/meta.ts';
import { createTokenManager } from './tokens.ts';

const pod: Pod = { metadata: { name: 'web', namespace: 'ns1', uid: 'pod-uid' }, spec: { serviceAccountName: 'bot', containers: [] } };

test('pod tokens: a TokenRequest bound to the pod, cached, asked again at 80 % of its life; a failure keeps a valid one', async () => {
  let clock = Date.parse('2026-12-05T08:00:00Z');
  const asked: Array<{ ns?: string; name?: string; sub?: string; body: KObject }> = [];
  let fail = false;
  // the one verb the token manager uses, recording what it was asked
  const client = {
    async create(_r: unknown, ns: string | undefined, body: KObject, o: { subresource?: string; name?: string }) {
      if (fail) throw new Error('connection refused');
      asked.push({ ns, name: o.name, sub: o.subresource, body });
      const exp = (body.spec as { expirationSeconds: number }).expirationSeconds;
      return { status: { token: `t${asked.length}`, expirationTimestamp: new Date(clock + exp * 1000).toISOString() } };
    },
  } as unknown as ApiClient;
  const m = createTokenManager(client, () => new Date(clock));
  assert.equal(await m.get(pod, undefined, 3607), 't1');
  assert.deepEqual({ ns: asked[0].ns, name: asked[0].name, sub: asked[0].sub }, { ns: 'ns1', name: 'bot', sub: 'token' });
  assert.deepEqual(asked[0].body.spec, { audiences: [], expirationSeconds: 3607, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'web', uid: 'pod-uid' } });
  assert.equal(await m.get(pod, 'vault', 3607), 't2', 'another audience is another token');
  assert.deepEqual(asked[1].body.spec && (asked[1].body.spec as { audiences: string[] }).audiences, ['vault']);
  clock += 2000_000;
  assert.equal(await m.get(pod, undefined, 3607), 't1', 'cached below 80 % of its life');
  clock += 1000_000;
  assert.equal(await m.get(pod, undefined, 3607), 't3', 'asked again past 80 %');
  clock += 3000_000;
  fail = true;
  assert.equal(await m.get(pod, undefined, 3607), 't3', 'the API server away: the still valid token');
  clock += 700_000;
  await assert.rejects(m.get(pod, undefined, 3607), /^Error: failed to fetch token: connection refused$/);
});
