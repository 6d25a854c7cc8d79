// A SPDY/3.1 session over a byte stream (a TCP/TLS socket after an HTTP upgrade, or a WebSocket tunnel).
// Each SPDY stream is a Duplex: its readable side is the peer's DATA (ended by FIN), its writable side
// sends DATA (end() sends FIN). The peer's SYN_STREAMs are answered with a SYN_REPLY and handed to
// onStream; pings are echoed; GOAWAY or the transport's end closes every stream. Like moby/spdystream
// (what kubectl speaks) there is no flow control: WINDOW_UPDATE and SETTINGS are read and ignored.
import { Duplex } from 'node:stream';
import { once } from 'node:events';
import { createRawFrameParser, encodeRawFrame, RST, type Headers, type RawFrame, type SpdyFrame } from './frames.ts';
import { createHeaderCodec } from './headers.ts';

export interface SpdyStream extends Duplex {
  streamId: number;
  /** the SYN_STREAM's headers (names lowercase) */
  headers: Headers;
  /** RST_STREAM (cancel) and drop the stream */
  reset(status?: number): void;
}

export interface SpdySession {
  /** open a stream (as the client does); resolves once the peer's SYN_REPLY arrives */
  openStream(headers: Headers): Promise<SpdyStream>;
  ping(): Promise<void>;
  /** GOAWAY, then end the transport */
  close(): void;
  /** resolves when the transport has ended */
  done: Promise<void>;
}

export interface SpdySessionOptions {
  /** true: the side that accepted the connection (its own streams get even ids) */
  server: boolean;
  onStream?(stream: SpdyStream): void;
}

/** Largest DATA payload sent in one frame */
const MAX_DATA = 32 * 1024;

export function createSpdySession(conn: Duplex, opts: SpdySessionOptions): SpdySession {
  const codec = createHeaderCodec();
  const parse = createRawFrameParser();
  const streams = new Map<number, SpdyStream>();
  const replies = new Map<number, (ok: boolean) => void>();
  const pings = new Map<number, () => void>();
  let nextStreamId = opts.server ? 2 : 1;
  let nextPingId = opts.server ? 2 : 1;
  let lastSeen = 0;
  let ended = false;
  let outChain: Promise<unknown> = Promise.resolve();
  let inChain: Promise<unknown> = Promise.resolve();

  /** frames leave in the order they were sent; header blocks are compressed on the way */
  const send = (f: SpdyFrame): Promise<void> => {
    const p = outChain.then(async () => {
      if (ended || conn.destroyed || !conn.writable) return;
      const raw: RawFrame = 'headers' in f ? { ...f, block: await codec.compress(f.headers) } as RawFrame : f;
      if (!conn.write(encodeRawFrame(raw))) await Promise.race([once(conn, 'drain'), once(conn, 'close')]);
    });
    outChain = p.catch(() => undefined); // a failed write ends the session through the transport's events
    return p;
  };

  const makeStream = (streamId: number, headers: Headers): SpdyStream => {
    let finSent = false;
    const s = new Duplex({
      read() {},
      write(chunk: Buffer, _enc, done) {
        const sends: Promise<void>[] = [];
        for (let off = 0; off < chunk.length; off += MAX_DATA) sends.push(send({ type: 'data', streamId, fin: false, data: chunk.subarray(off, off + MAX_DATA) }));
        Promise.all(sends).then(() => done(), done);
      },
      final(done) {
        finSent = true;
        send({ type: 'data', streamId, fin: true, data: Buffer.alloc(0) }).then(() => done(), done);
      },
      destroy(err, done) {
        if (streams.get(streamId) === s && !finSent && !s.readableEnded) void send({ type: 'rstStream', streamId, status: RST.cancel });
        streams.delete(streamId);
        done(err);
      },
    }) as SpdyStream;
    s.streamId = streamId;
    s.headers = headers;
    s.reset = (status: number = RST.cancel) => {
      if (streams.get(streamId) === s) void send({ type: 'rstStream', streamId, status });
      streams.delete(streamId);
      s.destroy();
    };
    streams.set(streamId, s);
    return s;
  };

  const onFrame = async (raw: RawFrame): Promise<void> => {
    const f: SpdyFrame = 'block' in raw ? { ...raw, headers: await codec.decompress(raw.block) } as SpdyFrame : raw;
    switch (f.type) {
      case 'synStream': {
        lastSeen = Math.max(lastSeen, f.streamId);
        if (streams.has(f.streamId)) return void send({ type: 'rstStream', streamId: f.streamId, status: RST.streamInUse });
        const s = makeStream(f.streamId, f.headers);
        await send({ type: 'synReply', streamId: f.streamId, fin: false, headers: {} });
        if (f.fin) s.push(null);
        if (opts.onStream) opts.onStream(s);
        else s.reset(RST.refusedStream);
        return;
      }
      case 'synReply': return void replies.get(f.streamId)?.(true);
      case 'data': {
        const s = streams.get(f.streamId);
        if (!s) return;
        if (f.data.length) s.push(f.data);
        if (f.fin) s.push(null);
        return;
      }
      case 'rstStream': {
        replies.get(f.streamId)?.(false);
        const s = streams.get(f.streamId);
        streams.delete(f.streamId);
        s?.destroy();
        return;
      }
      case 'ping': {
        // our own pings have our parity; the peer's are echoed
        if ((f.id % 2 === 0) === opts.server) return void pings.get(f.id)?.();
        return void send({ type: 'ping', id: f.id });
      }
      case 'goaway': return void conn.end();
      case 'headers': case 'settings': case 'windowUpdate': return;
    }
  };

  const shutdown = () => {
    if (ended) return;
    ended = true;
    for (const s of streams.values()) {
      s.push(null);
      s.destroy();
    }
    streams.clear();
    for (const r of replies.values()) r(false);
    codec.close();
  };
  const done = new Promise<void>((resolve) => {
    conn.on('close', () => {
      shutdown();
      resolve();
    });
  });
  conn.on('data', (chunk: Buffer) => {
    let frames: RawFrame[];
    try {
      frames = parse(chunk);
    } catch {
      // a frame we cannot read: the session cannot continue (draft 3.1 §2.4.2: GOAWAY with PROTOCOL_ERROR)
      void send({ type: 'goaway', lastGoodStreamId: lastSeen, status: 1 }).then(() => conn.end());
      return;
    }
    inChain = inChain.then(async () => {
      for (const f of frames) await onFrame(f);
    }).catch(() => conn.destroy());
  });
  conn.on('end', () => conn.end());
  conn.on('error', () => conn.destroy());

  return {
    async openStream(headers) {
      const streamId = nextStreamId;
      nextStreamId += 2;
      const s = makeStream(streamId, headers);
      const replied = new Promise<boolean>((r) => replies.set(streamId, r));
      await send({ type: 'synStream', streamId, associatedId: 0, priority: 0, fin: false, unidirectional: false, headers });
      const ok = await replied;
      replies.delete(streamId);
      if (!ok) throw new Error(`stream ${streamId} was refused`);
      return s;
    },
    async ping() {
      const id = nextPingId;
      nextPingId += 2;
      const answered = new Promise<void>((r) => pings.set(id, r));
      await send({ type: 'ping', id });
      await answered;
      pings.delete(id);
    },
    close() {
      void send({ type: 'goaway', lastGoodStreamId: lastSeen, status: 0 }).then(() => conn.end());
    },
    done,
  };
}
