import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { withLayoutLock } from './lock.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('withLayoutLock: two holders never overlap; the second goes once the first is done', async () => {
  const log: string[] = [];
  const hold = (name: string) => withLayoutLock(async () => {
    log.push(`${name} in`);
    await sleep(200);
    log.push(`${name} out`);
    return name;
  });
  assert.deepEqual(await Promise.all([hold('a'), hold('b')]), ['a', 'b']);
  assert.deepEqual(log, ['a in', 'a out', 'b in', 'b out']);
});

test('withLayoutLock: a holder killed with SIGKILL leaves no lock behind', async () => {
  const child = spawn(process.execPath, ['-e', "require('net').createServer().listen({ path: '\\0skiff-cluster-layout' }, () => console.log('held'))"], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((ok) => child.stdout.once('data', () => ok()));
    // while the child holds it, a short wait gives up
    await assert.rejects(withLayoutLock(async () => 'x', 300), /another skiff up/);
    child.kill('SIGKILL');
    assert.equal(await withLayoutLock(async () => 'ours', 10_000), 'ours');
  } finally {
    child.kill('SIGKILL');
  }
});
