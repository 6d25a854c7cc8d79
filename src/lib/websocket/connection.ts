// The server side of a WebSocket (RFC 6455) over an upgraded HTTP/1.1 socket: the handshake with
// subprotocol negotiation, messages reassembled from fragments, pings answered, and the close handshake.
// What a subprotocol carries is the caller's: it sees whole messages and sends binary (or text) ones.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { acceptKey, createFrameParser, encodeFrame, OP_BINARY, OP_CLOSE, OP_CONTINUATION, OP_PING, OP_PONG, OP_TEXT, WebSocketProtocolError } from './frames.ts';

export interface WebSocketHandlers {
  message(data: Buffer, isBinary: boolean): void;
  /** once, when the connection is gone (code 1006 when it ended without a close frame) */
  close?(code: number, reason: string): void;
}

export interface WebSocket {
  /** the negotiated subprotocol ('' when none) */
  protocol: string;
  send(data: Buffer, isBinary?: boolean): boolean;
  /** starts the close handshake; the socket ends once the peer answers (or after a short wait) */
  close(code?: number, reason?: string): void;
  /** pause/resume reading from the peer (back-pressure) */
  pause(): void;
  resume(): void;
  socket: Duplex;
}

/** True for an HTTP request asking to become a WebSocket */
export const isWebSocketRequest = (req: IncomingMessage): boolean =>
  (req.headers.upgrade ?? '').toLowerCase() === 'websocket' && typeof req.headers['sec-websocket-key'] === 'string';

/** The client's Sec-WebSocket-Protocol list, in its order of preference */
export const requestedProtocols = (req: IncomingMessage): string[] =>
  String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter(Boolean);

/** Answers the handshake (101) with `protocol` and starts framing; the caller chose the protocol from requestedProtocols(). */
export function acceptWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, protocol: string, handlers: WebSocketHandlers): WebSocket {
  const lines = ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${acceptKey(String(req.headers['sec-websocket-key']))}`];
  if (protocol) lines.push(`Sec-WebSocket-Protocol: ${protocol}`);
  socket.write(lines.join('\r\n') + '\r\n\r\n');
  return frameWebSocket(socket, head, protocol, handlers, { client: false });
}

/** Framing over an already upgraded socket; `client: true` masks what it sends (tests play the client with it). */
export function frameWebSocket(socket: Duplex, head: Buffer, protocol: string, handlers: WebSocketHandlers, opts: { client: boolean }): WebSocket {
  const parse = createFrameParser({ requireMask: !opts.client });
  const mask = () => (opts.client ? { mask: Buffer.from([Math.random() * 256, Math.random() * 256, Math.random() * 256, Math.random() * 256]) } : {});
  let fragments: Buffer[] = [];
  let fragmentOpcode = 0;
  let closeSent = false;
  let closed = false;
  let closeTimer: NodeJS.Timeout | undefined;

  const finish = (code: number, reason: string) => {
    if (closed) return;
    closed = true;
    clearTimeout(closeTimer);
    socket.end();
    // a peer that never ends its side must not keep the socket
    setTimeout(() => socket.destroy(), 2000).unref();
    handlers.close?.(code, reason);
  };
  const write = (opcode: number, payload: Buffer, fin = true): boolean => (socket.writable ? socket.write(encodeFrame(opcode, payload, { fin, ...mask() })) : false);
  const sendClose = (code: number, reason: string) => {
    if (closeSent) return;
    closeSent = true;
    const body = Buffer.alloc(2 + Buffer.byteLength(reason));
    body.writeUInt16BE(code, 0);
    body.write(reason, 2);
    write(OP_CLOSE, body);
  };

  const onFrame = (f: { fin: boolean; opcode: number; payload: Buffer }) => {
    switch (f.opcode) {
      case OP_PING: return void write(OP_PONG, f.payload);
      case OP_PONG: return;
      case OP_CLOSE: {
        const code = f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1005;
        const reason = f.payload.subarray(2).toString('utf8');
        sendClose(code === 1005 ? 1000 : code, '');
        return finish(code, reason);
      }
      case OP_TEXT: case OP_BINARY:
        if (fragments.length) throw new WebSocketProtocolError('a new message began inside a fragmented one');
        if (f.fin) return handlers.message(f.payload, f.opcode === OP_BINARY);
        fragmentOpcode = f.opcode;
        fragments = [f.payload];
        return;
      case OP_CONTINUATION: {
        if (!fragments.length) throw new WebSocketProtocolError('a continuation frame without a message');
        fragments.push(f.payload);
        if (!f.fin) return;
        const data = Buffer.concat(fragments);
        fragments = [];
        return handlers.message(data, fragmentOpcode === OP_BINARY);
      }
      default: throw new WebSocketProtocolError(`unknown opcode ${f.opcode}`);
    }
  };
  const onData = (chunk: Buffer) => {
    if (closed) return;
    try {
      for (const f of parse(chunk)) {
        onFrame(f);
        if (closed) return;
      }
    } catch (err) {
      sendClose(err instanceof WebSocketProtocolError ? err.code : 1011, (err as Error).message.slice(0, 100));
      finish(1002, (err as Error).message);
    }
  };
  socket.on('data', onData);
  socket.on('end', () => finish(1006, 'connection ended'));
  socket.on('close', () => finish(1006, 'connection closed'));
  socket.on('error', () => finish(1006, 'connection error'));
  if (head.length) queueMicrotask(() => onData(head));

  return {
    protocol,
    socket,
    send: (data, isBinary = true) => !closeSent && write(isBinary ? OP_BINARY : OP_TEXT, data),
    close(code = 1000, reason = '') {
      if (closed) return;
      sendClose(code, reason);
      // wait for the peer's close frame, but not forever
      closeTimer = setTimeout(() => finish(code, reason), 1000);
      closeTimer.unref();
    },
    pause: () => void socket.pause(),
    resume: () => void socket.resume(),
  };
}
