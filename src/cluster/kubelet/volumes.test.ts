import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeEtcHosts } from './volumes.ts';

test('the pod\'s etc-hosts is written when its content changes, not on every sync', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'etc-hosts-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const pod = { metadata: { name: 'web', namespace: 'ns' }, spec: { containers: [] } };
  const path = await writeEtcHosts(join(dir, 'pod'), pod, '10.42.0.5');
  assert.match(await readFile(path, 'utf8'), /^10\.42\.0\.5\tweb$/m);
  const mtime = async () => (await stat(path, { bigint: true })).mtimeNs;
  const first = await mtime();
  await new Promise((ok) => setTimeout(ok, 20));
  await writeEtcHosts(join(dir, 'pod'), pod, '10.42.0.5');
  assert.equal(await mtime(), first, 'unchanged: not rewritten');
  await writeEtcHosts(join(dir, 'pod'), pod, '10.42.0.9'); // a new sandbox, a new address
  assert.match(await readFile(path, 'utf8'), /^10\.42\.0\.9\tweb$/m);
});
