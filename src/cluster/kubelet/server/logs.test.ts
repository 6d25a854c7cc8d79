import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, appendFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { PassThrough } from 'node:stream';
import { parseCriLine, writeCriLog, type LogQuery } from './logs.ts';

const lines = [
  '2026-12-05T01:00:00.100000000Z stdout F one',
  '2026-12-05T01:00:01.000000000Z stderr P tw',
  '2026-12-05T01:00:01.500000000Z stderr F o',
  'not a record',
  '2026-12-05T01:00:02.000000000Z stdout F three',
  '2026-12-05T01:00:03.000000000Z stdout P no-newline-yet',
].join('\n') + '\n';

async function read(path: string, q: Partial<LogQuery>, running = async () => false): Promise<string> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d));
  await writeCriLog(path, { follow: false, timestamps: false, ...q }, out, running, new AbortController().signal);
  return text;
}

test('CRI log records: F ends a line, P is a piece of one; unreadable lines are skipped', async () => {
  assert.deepEqual(parseCriLine(Buffer.from('2026-12-05T01:00:00.5Z stdout F hi there')), { time: '2026-12-05T01:00:00.5Z', seconds: Date.parse('2026-12-05T01:00:00Z') / 1000 + 0.5, text: Buffer.from('hi there'), full: true });
  assert.equal(parseCriLine(Buffer.from('garbage')), undefined);
  const dir = await mkdtemp(join(tmpdir(), 'cri-log-'));
  try {
    const path = join(dir, '0.log');
    await writeFile(path, lines);
    assert.equal(await read(path, {}), 'one\ntwo\nthree\nno-newline-yet');
    assert.equal(await read(path, { tailLines: 2 }), 'three\nno-newline-yet', 'the unfinished line counts as one');
    assert.equal(await read(path, { tailLines: 3 }), 'two\nthree\nno-newline-yet', 'a line is taken with all its pieces');
    assert.equal(await read(path, { tailLines: 0 }), '');
    assert.equal(await read(path, { since: Date.parse('2026-12-05T01:00:01.2Z') / 1000 }), 'o\nthree\nno-newline-yet');
    assert.equal(await read(path, { limitBytes: 6 }), 'one\ntw');
    assert.equal(await read(path, { timestamps: true, tailLines: 2 }), '2026-12-05T01:00:02.000000000Z three\n2026-12-05T01:00:03.000000000Z no-newline-yet');
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('follow reads what is appended until the container stops, then once more', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cri-log-'));
  try {
    const path = join(dir, '0.log');
    await writeFile(path, '2026-12-05T01:00:00Z stdout F first\n');
    let running = true;
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => (text += d));
    const done = writeCriLog(path, { follow: true, timestamps: false }, out, async () => running, new AbortController().signal);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(text, 'first\n');
    await appendFile(path, '2026-12-05T01:00:01Z stdout F second\n2026-12-05T01:00:02Z stdout P half');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(text, 'first\nsecond\n', 'an unfinished record waits for its newline');
    await appendFile(path, '\n2026-12-05T01:00:03Z stdout F last\n');
    running = false;
    await done;
    assert.equal(text, 'first\nsecond\nhalflast\n');
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('follow goes on in the new file after a rotation (rename, then a fresh file at the path)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cri-log-'));
  try {
    const path = join(dir, '0.log');
    await writeFile(path, '2026-12-05T01:00:00Z stdout F before\n');
    let running = true;
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => (text += d));
    const done = writeCriLog(path, { follow: true, timestamps: false }, out, async () => running, new AbortController().signal);
    await new Promise((r) => setTimeout(r, 300));
    await rename(path, `${path}.20261205-010000`);
    // written to the old file between the rename and the reopen: still read
    await appendFile(`${path}.20261205-010000`, '2026-12-05T01:00:01Z stdout F late\n');
    await writeFile(path, '2026-12-05T01:00:02Z stdout F after\n');
    await new Promise((r) => setTimeout(r, 700));
    running = false;
    await done;
    assert.equal(text, 'before\nlate\nafter\n');
  } finally {
    await rm(dir, { recursive: true });
  }
});
