import { test } from 'node:test';
import assert from 'node:assert/strict';
import { duplexPair } from 'node:stream';
import { acceptKey, applyMask, createFrameParser, encodeFrame, OP_BINARY, OP_CLOSE, OP_CONTINUATION, OP_PING, OP_PONG, OP_TEXT } from './frames.ts';
import { frameWebSocket } from './connection.ts';

test('the accept key is RFC 6455 §1.3 worked example', () => {
  assert.equal(acceptKey('dGhlIHNhbXBsZSBub25jZQ=='), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
});

test('frames round-trip masked and unmasked, with 7-, 16- and 64-bit lengths', () => {
  for (const size of [0, 5, 125, 126, 300, 65535, 65536, 70000]) {
    const payload = Buffer.alloc(size, 'x');
    payload[0 % Math.max(size, 1)] = 7;
    const mask = Buffer.from([1, 2, 3, 4]);
    const masked = encodeFrame(OP_BINARY, payload, { mask });
    if (size > 0) assert.notDeepEqual(masked.subarray(masked.length - size), payload, 'the payload is masked on the wire');
    const [f] = createFrameParser({ requireMask: true })(masked);
    assert.deepEqual(f, { fin: true, opcode: OP_BINARY, payload });
    const [g] = createFrameParser({ requireMask: false })(encodeFrame(OP_TEXT, payload, { fin: false }));
    assert.deepEqual(g, { fin: false, opcode: OP_TEXT, payload });
  }
  assert.deepEqual(applyMask(applyMask(Buffer.from('hello'), Buffer.from('abcd')), Buffer.from('abcd')), Buffer.from('hello'));
});

test('the parser waits for whole frames fed a byte at a time, and refuses an unmasked client frame', () => {
  const parse = createFrameParser({ requireMask: true });
  const wire = Buffer.concat([encodeFrame(OP_TEXT, Buffer.from('ab'), { mask: Buffer.from([9, 9, 9, 9]) }), encodeFrame(OP_PING, Buffer.from('p'), { mask: Buffer.from([1, 1, 1, 1]) })]);
  const got = [];
  for (const b of wire) got.push(...parse(Buffer.from([b])));
  assert.deepEqual(got.map((f) => [f.opcode, f.payload.toString()]), [[OP_TEXT, 'ab'], [OP_PING, 'p']]);
  assert.throws(() => createFrameParser({ requireMask: true })(encodeFrame(OP_TEXT, Buffer.from('x'))), /masked/);
});

test('a connection reassembles fragments around a ping, answers the ping, and completes the close handshake', async () => {
  const [serverSide, clientSide] = duplexPair();
  const messages: Array<[string, boolean]> = [];
  let closed: [number, string] | undefined;
  const server = frameWebSocket(serverSide, Buffer.alloc(0), 'v5.channel.k8s.io', { message: (d, bin) => messages.push([d.toString(), bin]), close: (c, r) => (closed = [c, r]) }, { client: false });
  const fromServer = createFrameParser({ requireMask: false });
  const received: Array<{ opcode: number; payload: string }> = [];
  clientSide.on('data', (c: Buffer) => received.push(...fromServer(c).map((f) => ({ opcode: f.opcode, payload: f.payload.toString() }))));
  const mask = Buffer.from([0xa, 0xb, 0xc, 0xd]);
  clientSide.write(encodeFrame(OP_BINARY, Buffer.from('hel'), { fin: false, mask }));
  clientSide.write(encodeFrame(OP_PING, Buffer.from('beat'), { mask }));
  clientSide.write(encodeFrame(OP_CONTINUATION, Buffer.from('lo'), { fin: true, mask }));
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(messages, [['hello', true]]);
  assert.deepEqual(received, [{ opcode: OP_PONG, payload: 'beat' }]);
  server.send(Buffer.from('out'));
  const body = Buffer.from([0x03, 0xe8]); // 1000
  clientSide.write(encodeFrame(OP_CLOSE, body, { mask }));
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(received.slice(1).map((f) => f.opcode), [OP_BINARY, OP_CLOSE]);
  assert.deepEqual(closed, [1000, '']);
  clientSide.destroy();
});
