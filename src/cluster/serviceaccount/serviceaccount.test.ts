import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createFakeClient } from '../client/index.ts';
import { R } from '../types/gvr.ts';
import type { KObject } from '../types/meta.ts';
import { isStatusError } from '../types/status-error.ts';
import { createServiceAccountAuthenticator, createTokenRequestIssuer, decodeJwtUnverified, DEFAULT_ISSUER, ensureServiceAccountKey, signJwt, verifyJwt, type SigningKey } from './index.ts';

let key: SigningKey;
let other: SigningKey;
const dir = await mkdtemp('/var/tmp/skiff-sa-test-');
test.after(() => rm(dir, { recursive: true, force: true }));

test('the signing key is made once (0600), its public half written; JWTs verify only with it', async () => {
  key = await ensureServiceAccountKey(join(dir, 'tls'));
  assert.equal((await stat(join(dir, 'tls', 'service-account.key'))).mode & 0o777, 0o600);
  assert.ok((await stat(join(dir, 'tls', 'service-account.pub'))).isFile());
  const again = await ensureServiceAccountKey(join(dir, 'tls'));
  assert.equal(again.kid, key.kid, 'the same key on the next start');
  other = await ensureServiceAccountKey(join(dir, 'other'));
  const jwt = signJwt({ sub: 'x', n: 1 }, key.privateKey, key.kid);
  assert.deepEqual(verifyJwt(jwt, key.publicKey), { sub: 'x', n: 1 });
  assert.equal(verifyJwt(jwt, other.publicKey), undefined, 'another key does not verify it');
  const [h, , s] = jwt.split('.');
  const forged = `${h}.${Buffer.from(JSON.stringify({ sub: 'admin', n: 1 })).toString('base64url')}.${s}`;
  assert.equal(verifyJwt(forged, key.publicKey), undefined, 'changed claims do not verify');
  assert.equal(verifyJwt('not.a.jwt!', key.publicKey), undefined);
});

const sa = (ns: string, name: string, uid: string): KObject => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: ns, uid } });
const pod = (name: string, uid: string, saName = 'default', nodeName?: string): KObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns1', uid }, spec: { serviceAccountName: saName, nodeName, containers: [] } });
const node = (name: string, uid: string): KObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, uid } });
const request = (spec: object, metadata: object = {}): KObject => ({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata, spec });

async function rejects(p: Promise<unknown>, code: number, message: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isStatusError(err), String(err));
    assert.equal(err.status.code, code);
    assert.match(err.status.message ?? '', message);
    return true;
  });
}

test('TokenRequest: defaults, kube claims, bound pod with its node; kube\'s refusals', async () => {
  let clock = new Date('2026-12-05T08:00:00Z');
  const client = createFakeClient([sa('ns1', 'default', 'sa-uid'), sa('ns1', 'bot', 'bot-uid'), pod('web', 'pod-uid', 'default', 'n1'), node('n1', 'node-uid')]);
  const issue = createTokenRequestIssuer({ key, issuer: DEFAULT_ISSUER, audiences: [DEFAULT_ISSUER], now: () => clock });
  const uid = async (r: typeof R.pods, ns: string | undefined, name: string) => (await client.get(r, ns, name)).metadata?.uid ?? '';
  const [saUid, podUid, nodeUid] = [await uid(R.serviceaccounts, 'ns1', 'default'), await uid(R.pods, 'ns1', 'web'), await uid(R.nodes, undefined, 'n1')];
  const out = await issue(client, 'ns1', 'default', request({}), {});
  const status = out.status as { token: string; expirationTimestamp: string };
  assert.equal(status.expirationTimestamp, '2026-12-05T09:00:00Z', 'one hour by default');
  assert.deepEqual(out.spec, { audiences: [DEFAULT_ISSUER], expirationSeconds: 3600 });
  const c = decodeJwtUnverified(status.token)!;
  assert.equal(c.sub, 'system:serviceaccount:ns1:default');
  assert.equal(c.iss, DEFAULT_ISSUER);
  assert.deepEqual(c['kubernetes.io'], { namespace: 'ns1', serviceaccount: { name: 'default', uid: saUid } });
  assert.equal(c.exp, (c.iat as number) + 3600);

  const bound = await issue(client, 'ns1', 'default', request({ audiences: ['vault'], expirationSeconds: 3607, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web', uid: podUid } }), {});
  const bc = decodeJwtUnverified((bound.status as { token: string }).token)!;
  assert.deepEqual(bc.aud, ['vault']);
  assert.deepEqual(bc['kubernetes.io'], { namespace: 'ns1', serviceaccount: { name: 'default', uid: saUid }, pod: { name: 'web', uid: podUid }, node: { name: 'n1', uid: nodeUid } });

  await rejects(issue(client, 'ns1', 'default', request({ expirationSeconds: 60 }), {}), 422, /^TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes$/);
  await rejects(issue(client, 'ns1', 'nope', request({}), {}), 404, /^serviceaccounts "nope" not found$/);
  await rejects(issue(client, 'ns1', 'bot', request({ boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web' } }), {}), 400, /cannot bind token for serviceaccount "bot" to pod running with different serviceaccount name./);
  await rejects(issue(client, 'ns1', 'default', request({ boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web', uid: 'old' } }), {}), 409, /the UID in the bound object reference \(old\) does not match the UID in record/);
  await rejects(issue(client, 'ns1', 'default', request({ boundObjectRef: { kind: 'Deployment', apiVersion: 'apps/v1', name: 'web' } }), {}), 400, /^cannot bind token to object of type apps\/v1, Kind=Deployment$/);
  await rejects(issue(client, 'ns1', 'default', request({}, { name: 'other' }), {}), 422, /metadata.name: Invalid value: "other": must match the service account name if specified/);
  clock = new Date();
});

test('the authenticator: the account (and bound pod) must still be there with the same uid; audience, issuer, expiry', async () => {
  let clock = new Date();
  const client = createFakeClient([sa('ns1', 'default', 'sa-uid'), pod('web', 'pod-uid')]);
  const issue = createTokenRequestIssuer({ key, issuer: DEFAULT_ISSUER, audiences: [DEFAULT_ISSUER], now: () => clock });
  const authn = createServiceAccountAuthenticator({ client, publicKey: key.publicKey, issuer: DEFAULT_ISSUER, audiences: [DEFAULT_ISSUER], now: () => clock });
  const tokenOf = async (spec: object) => ((await issue(client, 'ns1', 'default', request(spec), {})).status as { token: string }).token;
  const plain = await tokenOf({ expirationSeconds: 600 });
  const user = await authn(plain);
  assert.equal(user?.name, 'system:serviceaccount:ns1:default');
  assert.equal(user?.uid, (await client.get(R.serviceaccounts, 'ns1', 'default')).metadata?.uid);
  assert.deepEqual(user?.groups, ['system:serviceaccounts', 'system:serviceaccounts:ns1', 'system:authenticated']);
  assert.match(user?.extra?.['authentication.kubernetes.io/credential-id']?.[0] ?? '', /^JTI=[0-9a-f-]{36}$/);

  const podBound = await tokenOf({ boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web' } });
  assert.deepEqual((await authn(podBound))?.extra?.['authentication.kubernetes.io/pod-name'], ['web']);
  assert.equal(await authn(await tokenOf({ audiences: ['vault'] })), undefined, 'another audience is not for the API server');
  const foreign = createServiceAccountAuthenticator({ client, publicKey: other.publicKey, issuer: DEFAULT_ISSUER, audiences: [DEFAULT_ISSUER] });
  assert.equal(await foreign(plain), undefined, 'signed by another key');
  assert.equal(await authn('K10abcdef'), undefined, 'not a JWT');

  clock = new Date(clock.getTime() + 600_000 + 61_000);
  assert.equal(await authn(plain), undefined, 'expired (past the minute of leeway)');
  clock = new Date();

  await client.delete(R.pods, 'ns1', 'web');
  assert.equal(await authn(podBound), undefined, 'its pod is gone');
  assert.ok(await authn(plain), 'an unbound token lives on');
  await client.delete(R.serviceaccounts, 'ns1', 'default');
  await client.create(R.serviceaccounts, 'ns1', sa('ns1', 'default', 'new-uid'));
  assert.equal(await authn(plain), undefined, 'the account was deleted and made again');
});
