// SPDY/3.1: frames, header compression with the SPDY dictionary, and a session of Duplex streams.
export { createSpdySession } from './session.ts';
export type { SpdySession, SpdyStream, SpdySessionOptions } from './session.ts';
export { encodeRawFrame, createRawFrameParser, encodeHeaderBlock, decodeHeaderBlock, RST, TYPE, FLAG_FIN } from './frames.ts';
export type { Headers, RawFrame, SpdyFrame } from './frames.ts';
export { createHeaderCodec } from './headers.ts';
export { headerDictionary } from './dictionary.ts';
