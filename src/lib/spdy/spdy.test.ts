import { test } from 'node:test';
import assert from 'node:assert/strict';
import { duplexPair } from 'node:stream';
import { constants, inflateSync, deflateSync } from 'node:zlib';
import { headerDictionary } from './dictionary.ts';
import { createRawFrameParser, decodeHeaderBlock, encodeHeaderBlock, encodeRawFrame, type RawFrame } from './frames.ts';
import { createHeaderCodec } from './headers.ts';
import { createSpdySession, type SpdyStream } from './session.ts';

test('the dictionary is SPDY/3 draft 3 §2.6.10.1: 1423 bytes from "options" to "enq=0."', () => {
  assert.equal(headerDictionary.length, 1423);
  assert.equal(headerDictionary.subarray(0, 11).toString('latin1'), '\x00\x00\x00\x07options');
  assert.ok(headerDictionary.toString('latin1').endsWith('utf-,*,enq=0.'));
});

test('control and data frames round-trip through the parser', () => {
  const frames: RawFrame[] = [
    { type: 'synStream', streamId: 1, associatedId: 0, priority: 3, fin: false, unidirectional: true, block: Buffer.from('abc') },
    { type: 'synReply', streamId: 1, fin: true, block: Buffer.from('x') },
    { type: 'headers', streamId: 3, fin: false, block: Buffer.alloc(0) },
    { type: 'rstStream', streamId: 5, status: 5 },
    { type: 'settings', entries: [{ flags: 1, id: 7, value: 65536 }, { flags: 0, id: 4, value: 100 }] },
    { type: 'ping', id: 7 },
    { type: 'goaway', lastGoodStreamId: 9, status: 0 },
    { type: 'windowUpdate', streamId: 1, delta: 4096 },
    { type: 'data', streamId: 1, fin: false, data: Buffer.from('payload') },
    { type: 'data', streamId: 0x7ffffff1, fin: true, data: Buffer.alloc(0) },
  ];
  const wire = Buffer.concat(frames.map(encodeRawFrame));
  const parse = createRawFrameParser();
  const got: RawFrame[] = [];
  for (let i = 0; i < wire.length; i += 7) got.push(...parse(wire.subarray(i, i + 7)));
  assert.deepEqual(got, frames);
  // a control frame of a version we do not speak is refused
  const v2 = encodeRawFrame({ type: 'ping', id: 1 });
  v2.writeUInt16BE(0x8002, 0);
  assert.throws(() => createRawFrameParser()(v2), /version 2/);
});

test('header blocks: names lowercase, several values joined by NUL', () => {
  const block = encodeHeaderBlock({ StreamType: ['data'], port: ['8080'], multi: ['a', 'b'] });
  assert.deepEqual(decodeHeaderBlock(block), { streamtype: ['data'], port: ['8080'], multi: ['a', 'b'] });
});

test('header compression shares one zlib context per direction, primed with the dictionary', async () => {
  const out = createHeaderCodec();
  const headers = { streamtype: ['error'], port: ['80'], requestid: ['0'] };
  const first = await out.compress(headers);
  const second = await out.compress(headers);
  assert.ok(second.length < first.length, `the second block refers back to the first (${second.length} < ${first.length})`);
  // a plain zlib reader with the SPDY dictionary reads the stream (the FDICT bit names it)
  assert.equal(first[1] & 0x20, 0x20);
  const plain = inflateSync(Buffer.concat([first, second]), { dictionary: headerDictionary, finishFlush: constants.Z_SYNC_FLUSH });
  assert.deepEqual(plain, Buffer.concat([encodeHeaderBlock(headers), encodeHeaderBlock(headers)]));
  assert.throws(() => inflateSync(first, { finishFlush: constants.Z_SYNC_FLUSH }), /dictionary/i);
  // and the other side's codec reads both, in order
  const peer = createHeaderCodec();
  assert.deepEqual(await peer.decompress(first), headers);
  assert.deepEqual(await peer.decompress(second), headers);
  // a block compressed by a one-shot deflate with the dictionary decompresses too
  const other = createHeaderCodec();
  assert.deepEqual(await other.decompress(deflateSync(encodeHeaderBlock({ a: ['b'] }), { dictionary: headerDictionary, finishFlush: constants.Z_SYNC_FLUSH })), { a: ['b'] });
  for (const c of [out, peer, other]) c.close();
});

test('a session: the client opens streams the server echoes, FIN half-closes, pings are answered', async () => {
  const [a, b] = duplexPair();
  const server = createSpdySession(a, {
    server: true,
    onStream(s: SpdyStream) {
      s.on('data', (d: Buffer) => s.write(Buffer.from(`${s.headers.streamtype[0]}:${d}`)));
      s.on('end', () => s.end());
    },
  });
  const client = createSpdySession(b, { server: false });
  await client.ping();
  const streams = await Promise.all([client.openStream({ streamtype: ['data'] }), client.openStream({ streamtype: ['error'] })]);
  assert.deepEqual(streams.map((s) => s.streamId), [1, 3]);
  const answers = streams.map((s) => new Promise<string>((r) => {
    let text = '';
    s.on('data', (d: Buffer) => (text += d));
    s.on('end', () => r(text));
  }));
  streams[0].end(Buffer.from('hello'));
  streams[1].end(Buffer.from('big'.repeat(40000)));
  const [one, two] = await Promise.all(answers);
  assert.equal(one, 'data:hello');
  assert.equal(two.replaceAll('error:', '').length, 120000, 'a write larger than one DATA frame arrives whole');
  client.close();
  await Promise.all([client.done, server.done]);
});
