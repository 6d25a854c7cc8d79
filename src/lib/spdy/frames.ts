// SPDY/3.1 frames (draft 3.1 §2.2–2.6): control frames (SYN_STREAM, SYN_REPLY, RST_STREAM, SETTINGS,
// PING, GOAWAY, HEADERS, WINDOW_UPDATE) and DATA frames. Header blocks are (de)compressed by the caller
// (./headers.ts): here they are raw bytes, so encoding and parsing stay synchronous.

export const SPDY_VERSION = 3;
export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;

export const TYPE = { synStream: 1, synReply: 2, rstStream: 3, settings: 4, ping: 6, goaway: 7, headers: 8, windowUpdate: 9 } as const;

/** RST_STREAM status codes */
export const RST = { protocolError: 1, invalidStream: 2, refusedStream: 3, unsupportedVersion: 4, cancel: 5, internalError: 6, flowControlError: 7, streamInUse: 8, streamAlreadyClosed: 9 } as const;

export type Headers = Record<string, string[]>;

export type SpdyFrame =
  | { type: 'data'; streamId: number; fin: boolean; data: Buffer }
  | { type: 'synStream'; streamId: number; associatedId: number; priority: number; fin: boolean; unidirectional: boolean; headers: Headers }
  | { type: 'synReply'; streamId: number; fin: boolean; headers: Headers }
  | { type: 'headers'; streamId: number; fin: boolean; headers: Headers }
  | { type: 'rstStream'; streamId: number; status: number }
  | { type: 'settings'; entries: Array<{ flags: number; id: number; value: number }> }
  | { type: 'ping'; id: number }
  | { type: 'goaway'; lastGoodStreamId: number; status: number }
  | { type: 'windowUpdate'; streamId: number; delta: number };

/** A frame as read off the wire: header blocks still compressed */
export type RawFrame =
  | Exclude<SpdyFrame, { headers: Headers }>
  | WithBlock<Extract<SpdyFrame, { headers: Headers }>>;

type WithBlock<T> = T extends { headers: Headers } ? Omit<T, 'headers'> & { block: Buffer } : never;

export class SpdyProtocolError extends Error {}

/** The uncompressed name/value block: count, then (len, name, len, values joined by NUL) pairs; names lowercase */
export function encodeHeaderBlock(headers: Headers): Buffer {
  const parts: Buffer[] = [];
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  const entries = Object.entries(headers);
  parts.push(u32(entries.length));
  for (const [name, values] of entries) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from(values.join('\0'), 'utf8');
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

export function decodeHeaderBlock(block: Buffer): Headers {
  const out: Headers = {};
  if (block.length < 4) throw new SpdyProtocolError('short header block');
  const count = block.readUInt32BE(0);
  let off = 4;
  const take = (): string => {
    if (off + 4 > block.length) throw new SpdyProtocolError('short header block');
    const len = block.readUInt32BE(off);
    off += 4;
    if (off + len > block.length) throw new SpdyProtocolError('short header block');
    const s = block.toString('utf8', off, off + len);
    off += len;
    return s;
  };
  for (let i = 0; i < count; i++) {
    const name = take().toLowerCase();
    const values = take().split('\0');
    out[name] = [...(out[name] ?? []), ...values];
  }
  return out;
}

function control(type: number, flags: number, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt32BE(((flags & 0xff) << 24) | body.length, 4);
  return Buffer.concat([head, body]);
}

const words = (...ns: number[]) => {
  const b = Buffer.alloc(ns.length * 4);
  ns.forEach((n, i) => b.writeUInt32BE(n >>> 0, i * 4));
  return b;
};

/** Encodes a frame whose header block (if it has one) is already compressed */
export function encodeRawFrame(f: RawFrame): Buffer {
  switch (f.type) {
    case 'data': {
      if (f.data.length > 0xffffff) throw new SpdyProtocolError('data frame too large');
      const head = Buffer.alloc(8);
      head.writeUInt32BE(f.streamId & 0x7fffffff, 0);
      head.writeUInt32BE(((f.fin ? FLAG_FIN : 0) << 24) | f.data.length, 4);
      return Buffer.concat([head, f.data]);
    }
    case 'synStream': {
      const fixed = Buffer.alloc(10);
      fixed.writeUInt32BE(f.streamId & 0x7fffffff, 0);
      fixed.writeUInt32BE(f.associatedId & 0x7fffffff, 4);
      fixed[8] = (f.priority & 7) << 5;
      return control(TYPE.synStream, (f.fin ? FLAG_FIN : 0) | (f.unidirectional ? FLAG_UNIDIRECTIONAL : 0), Buffer.concat([fixed, f.block]));
    }
    case 'synReply': return control(TYPE.synReply, f.fin ? FLAG_FIN : 0, Buffer.concat([words(f.streamId & 0x7fffffff), f.block]));
    case 'headers': return control(TYPE.headers, f.fin ? FLAG_FIN : 0, Buffer.concat([words(f.streamId & 0x7fffffff), f.block]));
    case 'rstStream': return control(TYPE.rstStream, 0, words(f.streamId & 0x7fffffff, f.status));
    case 'settings': return control(TYPE.settings, 0, Buffer.concat([words(f.entries.length), ...f.entries.map((e) => words(((e.flags & 0xff) << 24) | (e.id & 0xffffff), e.value))]));
    case 'ping': return control(TYPE.ping, 0, words(f.id));
    case 'goaway': return control(TYPE.goaway, 0, words(f.lastGoodStreamId & 0x7fffffff, f.status));
    case 'windowUpdate': return control(TYPE.windowUpdate, 0, words(f.streamId & 0x7fffffff, f.delta & 0x7fffffff));
  }
}

function parseControl(type: number, flags: number, body: Buffer): RawFrame | undefined {
  const fin = (flags & FLAG_FIN) !== 0;
  const need = (n: number) => {
    if (body.length < n) throw new SpdyProtocolError(`control frame ${type} too short`);
  };
  switch (type) {
    case TYPE.synStream:
      need(10);
      return { type: 'synStream', streamId: body.readUInt32BE(0) & 0x7fffffff, associatedId: body.readUInt32BE(4) & 0x7fffffff, priority: body[8] >> 5, fin, unidirectional: (flags & FLAG_UNIDIRECTIONAL) !== 0, block: body.subarray(10) };
    case TYPE.synReply: need(4); return { type: 'synReply', streamId: body.readUInt32BE(0) & 0x7fffffff, fin, block: body.subarray(4) };
    case TYPE.headers: need(4); return { type: 'headers', streamId: body.readUInt32BE(0) & 0x7fffffff, fin, block: body.subarray(4) };
    case TYPE.rstStream: need(8); return { type: 'rstStream', streamId: body.readUInt32BE(0) & 0x7fffffff, status: body.readUInt32BE(4) };
    case TYPE.settings: {
      need(4);
      const n = body.readUInt32BE(0);
      need(4 + n * 8);
      const entries = [];
      for (let i = 0; i < n; i++) {
        const w = body.readUInt32BE(4 + i * 8);
        entries.push({ flags: w >>> 24, id: w & 0xffffff, value: body.readUInt32BE(8 + i * 8) });
      }
      return { type: 'settings', entries };
    }
    case TYPE.ping: need(4); return { type: 'ping', id: body.readUInt32BE(0) };
    case TYPE.goaway: need(8); return { type: 'goaway', lastGoodStreamId: body.readUInt32BE(0) & 0x7fffffff, status: body.readUInt32BE(4) };
    case TYPE.windowUpdate: need(8); return { type: 'windowUpdate', streamId: body.readUInt32BE(0) & 0x7fffffff, delta: body.readUInt32BE(4) & 0x7fffffff };
    default: return undefined; // unknown control frames are ignored (draft 3.1 §2.2.1)
  }
}

/** A frame parser: push() bytes, get back the frames completed so far */
export function createRawFrameParser(): (chunk: Buffer) => RawFrame[] {
  let buf: Buffer = Buffer.alloc(0);
  return (chunk) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    const out: RawFrame[] = [];
    while (buf.length >= 8) {
      const len = buf.readUInt32BE(4) & 0xffffff;
      if (buf.length < 8 + len) break;
      const flags = buf[4];
      const body = buf.subarray(8, 8 + len);
      if (buf[0] & 0x80) {
        const version = buf.readUInt16BE(0) & 0x7fff;
        if (version !== SPDY_VERSION) throw new SpdyProtocolError(`unsupported SPDY version ${version}`);
        const f = parseControl(buf.readUInt16BE(2), flags, Buffer.from(body));
        if (f) out.push(f);
      } else {
        out.push({ type: 'data', streamId: buf.readUInt32BE(0) & 0x7fffffff, fin: (flags & FLAG_FIN) !== 0, data: Buffer.from(body) });
      }
      buf = buf.subarray(8 + len);
    }
    return out;
  };
}
