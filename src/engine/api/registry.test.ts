import { test } from 'node:test';
import assert from 'node:assert/strict';
import { registryAuth, registryConfigs } from './registry.ts';
import { resolveAuthConfig } from '../../lib/distribution/index.ts';

test('X-Registry-Auth: base64url or base64 JSON AuthConfig; `{}` and absent are anonymous; junk is refused', () => {
  const auth = { username: 'u', password: 'p?>~', serveraddress: '127.0.0.1:5000' };
  assert.deepEqual(registryAuth(Buffer.from(JSON.stringify(auth)).toString('base64url')), auth);
  assert.deepEqual(registryAuth(Buffer.from(JSON.stringify(auth)).toString('base64')), auth);
  assert.equal(registryAuth('e30='), undefined);
  assert.equal(registryAuth(undefined), undefined);
  assert.throws(() => registryAuth('bm90IGpzb24'), /invalid X-Registry-Auth header/);
});

test('X-Registry-Config: the map registry → AuthConfig; a header that does not decode is no credentials (as dockerd)', () => {
  const map = { '127.0.0.1:5000': { username: 'u', password: 'p' }, 'https://index.docker.io/v1/': { auth: 'aHViOnB3' }, 'https://reg.example:8443/v1/': { username: 'r', password: 's' } };
  const got = registryConfigs(Buffer.from(JSON.stringify(map)).toString('base64url'));
  assert.deepEqual(got, map);
  assert.deepEqual(registryConfigs('bm90IGpzb24'), {});
  assert.deepEqual(registryConfigs(undefined), {});
  // the builder's lookup by a reference's domain: exact key, Docker Hub's key, a key with scheme and path
  assert.deepEqual(resolveAuthConfig(got, '127.0.0.1:5000'), map['127.0.0.1:5000']);
  assert.deepEqual(resolveAuthConfig(got, 'docker.io'), map['https://index.docker.io/v1/']);
  assert.deepEqual(resolveAuthConfig(got, 'reg.example:8443'), map['https://reg.example:8443/v1/']);
  assert.equal(resolveAuthConfig(got, '127.0.0.1:5001'), undefined);
});
