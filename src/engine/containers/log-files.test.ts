import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, openSync, readSync, closeSync, fstatSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { boundRotated, packFromEnd } from './log-files.ts';

const lines = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `l${String(from + i).padStart(3, '0')}\n`).join('');

test('packFromEnd: pieces of at most maxSize at line boundaries, newest first; a longer line alone', () => {
  const buf = Buffer.from('aa\nbbbb\ncc\nddddddddd\ne\n');
  assert.deepEqual(packFromEnd(buf, 5, 10).map(String), ['e\n', 'ddddddddd\n', 'cc\n', 'bbbb\n', 'aa\n']);
  assert.deepEqual(packFromEnd(buf, 8, 10).map(String), ['e\n', 'ddddddddd\n', 'bbbb\ncc\n', 'aa\n']);
  assert.deepEqual(packFromEnd(buf, 8, 2).map(String), ['e\n', 'ddddddddd\n']);
});

test('boundRotated splits an oversized .1 into new files, drops the oldest, leaves an open fd its bytes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'logb-'));
  try {
    const log = join(dir, 'container.log');
    writeFileSync(`${log}.2`, lines(1, 10)); // 50 bytes
    writeFileSync(`${log}.1`, lines(11, 40)); // 150 bytes
    writeFileSync(log, lines(41, 42));
    const fd = openSync(`${log}.1`, 'r');
    const ino = fstatSync(fd).ino;
    await boundRotated(log, 50, 2);
    assert.deepEqual(readdirSync(dir).sort(), ['container.log', 'container.log.1', 'container.log.2']);
    assert.equal(readFileSync(`${log}.1`, 'utf8'), lines(31, 40));
    assert.equal(readFileSync(`${log}.2`, 'utf8'), lines(21, 30));
    assert.equal(readFileSync(log, 'utf8'), lines(41, 42), 'the live file is left alone');
    const buf = Buffer.alloc(200);
    assert.equal(buf.subarray(0, readSync(fd, buf, 0, 200, 0)).toString(), lines(11, 40), 'the old inode keeps its bytes');
    assert.equal(fstatSync(fd).ino, ino);
    closeSync(fd);
    // within the bound: nothing changes
    await boundRotated(log, 50, 2);
    assert.equal(readFileSync(`${log}.2`, 'utf8'), lines(21, 30));
    // fewer files kept: the oldest go, small ones are kept whole
    await boundRotated(log, 50, 1);
    assert.deepEqual(readdirSync(dir).sort(), ['container.log', 'container.log.1']);
    assert.equal(readFileSync(`${log}.1`, 'utf8'), lines(31, 40));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
