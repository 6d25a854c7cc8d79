// RFC 6455 framing: the opening handshake's accept key, and frames encoded and parsed. A parser is fed
// bytes as they arrive and hands back whole frames (unmasked); control frames may sit between the pieces
// of a fragmented message, so reassembly is the connection's job, not the parser's.
import { createHash } from 'node:crypto';

export const OP_CONTINUATION = 0x0;
export const OP_TEXT = 0x1;
export const OP_BINARY = 0x2;
export const OP_CLOSE = 0x8;
export const OP_PING = 0x9;
export const OP_PONG = 0xa;

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** Sec-WebSocket-Accept for a client's Sec-WebSocket-Key */
export const acceptKey = (key: string): string => createHash('sha1').update(key + GUID).digest('base64');

export interface Frame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
}

/** XOR with the 4-byte mask, in place (masking and unmasking are the same) */
export function applyMask(data: Buffer, mask: Buffer): Buffer {
  for (let i = 0; i < data.length; i++) data[i] ^= mask[i & 3];
  return data;
}

/** One frame; `mask` (4 bytes) makes it a client's frame. A server never masks (RFC 6455 §5.1). */
export function encodeFrame(opcode: number, payload: Buffer, opts: { fin?: boolean; mask?: Buffer } = {}): Buffer {
  const len = payload.length;
  const extra = len < 126 ? 0 : len < 65536 ? 2 : 8;
  const maskLen = opts.mask ? 4 : 0;
  const head = Buffer.alloc(2 + extra + maskLen);
  head[0] = ((opts.fin ?? true) ? 0x80 : 0) | opcode;
  head[1] = (opts.mask ? 0x80 : 0) | (len < 126 ? len : len < 65536 ? 126 : 127);
  if (extra === 2) head.writeUInt16BE(len, 2);
  else if (extra === 8) head.writeBigUInt64BE(BigInt(len), 2);
  if (!opts.mask) return Buffer.concat([head, payload]);
  opts.mask.copy(head, 2 + extra);
  return Buffer.concat([head, applyMask(Buffer.from(payload), opts.mask)]);
}

export class WebSocketProtocolError extends Error {
  /** the close code to answer with (1002 protocol error, 1009 too big) */
  readonly code: number;
  constructor(message: string, code = 1002) {
    super(message);
    this.code = code;
  }
}

/** A frame parser: push() bytes, get back the frames completed so far. `requireMask` is the server's rule. */
export function createFrameParser(opts: { requireMask: boolean; maxPayload?: number }): (chunk: Buffer) => Frame[] {
  let buf: Buffer = Buffer.alloc(0);
  const max = opts.maxPayload ?? 64 * 1024 * 1024;
  return (chunk) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    const frames: Frame[] = [];
    for (;;) {
      if (buf.length < 2) break;
      const fin = (buf[0] & 0x80) !== 0;
      if (buf[0] & 0x70) throw new WebSocketProtocolError('reserved bits set (no extension was negotiated)');
      const opcode = buf[0] & 0x0f;
      const masked = (buf[1] & 0x80) !== 0;
      if (opts.requireMask && !masked) throw new WebSocketProtocolError('a client frame must be masked');
      let len = buf[1] & 0x7f;
      let off = 2;
      if (len === 126) {
        if (buf.length < 4) break;
        len = buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (buf.length < 10) break;
        const big = buf.readBigUInt64BE(2);
        if (big > BigInt(max)) throw new WebSocketProtocolError('frame too large', 1009);
        len = Number(big);
        off = 10;
      }
      if (len > max) throw new WebSocketProtocolError('frame too large', 1009);
      if (opcode >= 0x8 && (len > 125 || !fin)) throw new WebSocketProtocolError('a control frame must be short and unfragmented');
      const maskAt = off;
      if (masked) off += 4;
      if (buf.length < off + len) break;
      const payload = Buffer.from(buf.subarray(off, off + len));
      if (masked) applyMask(payload, buf.subarray(maskAt, maskAt + 4));
      frames.push({ fin, opcode, payload });
      buf = buf.subarray(off + len);
    }
    return frames;
  };
}
