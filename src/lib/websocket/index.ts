// WebSocket (RFC 6455), server side: the handshake, framing, and a byte-stream view for tunnels.
export { acceptWebSocket, frameWebSocket, isWebSocketRequest, requestedProtocols } from './connection.ts';
export type { WebSocket, WebSocketHandlers } from './connection.ts';
export { acceptWebSocketStream } from './stream.ts';
export { acceptKey, encodeFrame, createFrameParser, OP_BINARY, OP_TEXT, OP_CLOSE, OP_PING, OP_PONG, OP_CONTINUATION } from './frames.ts';
