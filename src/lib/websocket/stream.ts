// A WebSocket as a byte stream: what is written goes out as binary messages, and the payloads of the
// messages received are read in order. This is how a protocol tunnels through WebSocket (kubectl
// port-forward's SPDY/3.1 inside binary messages).
import type { IncomingMessage } from 'node:http';
import { Duplex } from 'node:stream';
import { acceptWebSocket, type WebSocket } from './connection.ts';

export function acceptWebSocketStream(req: IncomingMessage, socket: Duplex, head: Buffer, protocol: string): Duplex {
  let ws: WebSocket | undefined;
  const stream = new Duplex({
    read() {
      ws?.resume();
    },
    write(chunk: Buffer, _enc, done) {
      ws?.send(chunk);
      done();
    },
    final(done) {
      ws?.close(1000);
      done();
    },
    destroy(err, done) {
      ws?.close(1000);
      done(err);
    },
  });
  ws = acceptWebSocket(req, socket, head, protocol, {
    message(data) {
      if (!stream.push(data)) ws?.pause();
    },
    close() {
      stream.push(null);
    },
  });
  return stream;
}
