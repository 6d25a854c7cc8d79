import { test } from 'node:test';
import assert from 'node:assert/strict';
import { registryAuth } from './registry.ts';

test('X-Registry-Auth: base64url or base64 JSON AuthConfig; `{}` and absent are anonymous; junk is refused', () => {
  const auth = { username: 'u', password: 'p?>~', serveraddress: '127.0.0.1:5000' };
  assert.deepEqual(registryAuth(Buffer.from(JSON.stringify(auth)).toString('base64url')), auth);
  assert.deepEqual(registryAuth(Buffer.from(JSON.stringify(auth)).toString('base64')), auth);
  assert.equal(registryAuth('e30='), undefined);
  assert.equal(registryAuth(undefined), undefined);
  assert.throws(() => registryAuth('bm90IGpzb24'), /invalid X-Registry-Auth header/);
});
