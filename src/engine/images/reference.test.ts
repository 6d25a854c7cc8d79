import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseReference, familiarString, tagKey, familiarKey } from './reference.ts';

test('short names normalize to docker.io/library and show back short', () => {
  const r = parseReference('busybox');
  assert.deepEqual(r, { domain: 'docker.io', path: 'library/busybox', tag: undefined, digest: undefined });
  assert.equal(tagKey(r), 'docker.io/library/busybox:latest');
  assert.equal(familiarKey('docker.io/library/busybox:latest'), 'busybox:latest');
  assert.equal(familiarString(parseReference('me/app:1.0')), 'me/app:1.0');
  assert.equal(tagKey(parseReference('index.docker.io/library/busybox:1')), 'docker.io/library/busybox:1');
});

test('registries with ports, localhost and digests', () => {
  assert.deepEqual(parseReference('localhost:5000/a/b:v1'), { domain: 'localhost:5000', path: 'a/b', tag: 'v1', digest: undefined });
  assert.equal(parseReference('localhost/app').domain, 'localhost');
  assert.equal(parseReference('example.com/app').domain, 'example.com');
  const d = 'sha256:' + 'a'.repeat(64);
  const r = parseReference(`busybox@${d}`);
  assert.equal(r.digest, d);
  assert.equal(familiarString(r), `busybox@${d}`);
  assert.equal(familiarString(parseReference('127.0.0.1:5000/x:2')), '127.0.0.1:5000/x:2');
});

test('bad references are InvalidArgument with docker-like messages', () => {
  assert.throws(() => parseReference('Busybox'), /repository name \(library\/Busybox\) must be lowercase/);
  assert.throws(() => parseReference('a'.repeat(64)), /cannot specify 64-byte hexadecimal strings/);
  assert.throws(() => parseReference('busy box'), /invalid reference format/);
  assert.throws(() => parseReference('busybox:'), /invalid reference format/);
  assert.throws(() => parseReference(':tag'), /invalid reference format/);
  assert.throws(() => parseReference('x@sha256:short'), /invalid reference format/);
});
