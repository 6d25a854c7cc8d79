import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Secret } from 'kubernetes-types/core/v1.js';
import { R } from '../../types/gvr.ts';
import type { KObject } from '../../types/meta.ts';
import { eventually, testContext } from '../../scheduler/testing.ts';
import { createServiceAccountAuthenticator, decodeJwtUnverified, ensureServiceAccountKey, signJwt } from '../../serviceaccount/index.ts';
import { createTokensController } from './index.ts';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const sa = (name: string): KObject => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: 'ns1' } });
const tokenSecret = (name: string, saName: string): KObject => ({ apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/service-account-token', metadata: { name, namespace: 'ns1', annotations: { 'kubernetes.io/service-account.name': saName } } });
const text = (s: Secret | undefined, k: string) => (s?.data?.[k] ? Buffer.from(s.data[k], 'base64').toString('utf8') : undefined);

test('token Secrets get a legacy token (that authenticates while Secret and account last), the CA and the namespace; orphans are deleted', async () => {
  const dir = await mkdtemp('/var/tmp/skiff-sa-tokens-');
  const key = await ensureServiceAccountKey(dir);
  const ctx = testContext([sa('bot'), tokenSecret('bot-token', 'bot'), tokenSecret('ghost-token', 'ghost')]);
  const done = createTokensController(ctx, { rootCA: CA, sign: (c) => signJwt(c, key.privateKey, key.kid) }).run(ctx.signal);
  const authn = createServiceAccountAuthenticator({ client: ctx.client, publicKey: key.publicKey, issuer: 'https://kubernetes.default.svc.cluster.local', audiences: ['https://kubernetes.default.svc.cluster.local'] });
  const get = (n: string) => ctx.client.get<Secret & KObject>(R.secrets, 'ns1', n).catch(() => undefined);
  try {
    const s = await eventually(async () => { const x = await get('bot-token'); return text(x, 'token') ? x : undefined; }, 'the token filled in');
    const uid = (await ctx.client.get(R.serviceaccounts, 'ns1', 'bot')).metadata?.uid;
    assert.equal(text(s, 'ca.crt'), CA);
    assert.equal(text(s, 'namespace'), 'ns1');
    assert.equal(s.metadata?.annotations?.['kubernetes.io/service-account.uid'], uid);
    const token = text(s, 'token')!;
    assert.deepEqual(decodeJwtUnverified(token), {
      iss: 'kubernetes/serviceaccount', 'kubernetes.io/serviceaccount/namespace': 'ns1', 'kubernetes.io/serviceaccount/secret.name': 'bot-token',
      'kubernetes.io/serviceaccount/service-account.name': 'bot', 'kubernetes.io/serviceaccount/service-account.uid': uid, sub: 'system:serviceaccount:ns1:bot',
    });
    assert.deepEqual(await authn(token), { name: 'system:serviceaccount:ns1:bot', uid, groups: ['system:serviceaccounts', 'system:serviceaccounts:ns1', 'system:authenticated'] });
    await eventually(async () => !(await get('ghost-token')), 'a Secret naming no account deleted');
    await ctx.client.delete(R.serviceaccounts, 'ns1', 'bot');
    await eventually(async () => !(await get('bot-token')), 'the account\'s Secret deleted with it');
    assert.equal(await authn(token), undefined, 'its Secret gone: refused');
  } finally {
    ctx.stop();
    await done;
    await rm(dir, { recursive: true, force: true });
  }
});
