import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseChallenges, basicCredentials } from './auth.ts';
import { isLoopbackRegistry, openSession } from './client.ts';
import { describeSpecErrors, specErrors } from './errors.ts';

test('WWW-Authenticate challenges: Docker Hub bearer, basic, several schemes, escaped quotes', () => {
  assert.deepEqual(parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"'), [
    { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' } },
  ]);
  assert.deepEqual(parseChallenges('Basic realm="basic-realm"'), [{ scheme: 'basic', params: { realm: 'basic-realm' } }]);
  assert.deepEqual(parseChallenges('Basic realm="a \\"q\\"", Bearer realm=x,error=insufficient_scope'), [
    { scheme: 'basic', params: { realm: 'a "q"' } },
    { scheme: 'bearer', params: { realm: 'x', error: 'insufficient_scope' } },
  ]);
  assert.deepEqual(parseChallenges(undefined), []);
});

test('credentials from username/password or config.json-style auth (base64 user:password; a colon in the password)', () => {
  assert.deepEqual(basicCredentials({ username: 'u', password: 'p' }), { username: 'u', password: 'p' });
  assert.deepEqual(basicCredentials({ auth: Buffer.from('u:p:q').toString('base64') }), { username: 'u', password: 'p:q' });
  assert.equal(basicCredentials({ serveraddress: 'x' }), null);
});

test('loopback registries are plain HTTP, others HTTPS unless listed insecure; docker.io is registry-1', () => {
  for (const r of ['127.0.0.1:5000', 'localhost:5000', 'localhost', '127.3.4.5', '[::1]:5000']) assert.ok(isLoopbackRegistry(r), r);
  for (const r of ['10.0.0.1:5000', 'registry.example.com', 'localhost.example.com:5000']) assert.ok(!isLoopbackRegistry(r), r);
  assert.equal(openSession('127.0.0.1:5000').base.href, 'http://127.0.0.1:5000/');
  assert.equal(openSession('reg.example:5000').base.href, 'https://reg.example:5000/');
  assert.equal(openSession('reg.example:5000', { insecure: ['reg.example:5000'] }).base.href, 'http://reg.example:5000/');
  assert.equal(openSession('docker.io').base.href, 'https://registry-1.docker.io/');
});

test('spec error bodies in docker errcode words', () => {
  const errs = specErrors('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"x"}}]}');
  assert.equal(describeSpecErrors(errs), 'manifest unknown: manifest unknown');
  assert.deepEqual(specErrors('<html>'), []);
});
