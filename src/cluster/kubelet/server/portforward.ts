// port-forward (portforward.k8s.io over SPDY/3.1): for each forwarded connection the client opens an
// error stream and a data stream carrying the same `requestid` and `port` headers. The data stream is
// spliced onto a TCP connection to the port inside the pod's network namespace; a failure is written
// on the error stream as text; both streams are closed (FIN) when the connection is done, which is what
// kubectl waits for. The SPDY session runs over a plain `Upgrade: SPDY/3.1` or inside a WebSocket
// (subprotocol SPDY/3.1+portforward.k8s.io, kubectl 1.31+'s default).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { createSpdySession, type SpdyStream } from '../../../lib/spdy/index.ts';
import { acceptWebSocketStream, requestedProtocols } from '../../../lib/websocket/index.ts';
import { logger } from '../../../lib/log.ts';

const log = logger('kubelet-streams');

export const PORTFORWARD_PROTOCOL = 'portforward.k8s.io';
export const TUNNEL_PROTOCOL = `SPDY/3.1+${PORTFORWARD_PROTOCOL}`;

/** opens the TCP connection to `port` in the pod (RuntimeService.portForward) */
export type PortDialer = (port: number) => Promise<Duplex>;

const header = (s: SpdyStream, name: string): string | undefined => s.headers[name]?.[0];

/** True when the request asks for port-forward over a WebSocket tunnel */
export const wantsTunnel = (req: IncomingMessage): boolean => requestedProtocols(req).includes(TUNNEL_PROTOCOL);

/** Answers the upgrade (tunnelled or plain SPDY) and serves port-forward streams on it */
export function servePortForward(req: IncomingMessage, socket: Duplex, head: Buffer, dial: PortDialer): void {
  let conn: Duplex;
  if (wantsTunnel(req)) {
    conn = acceptWebSocketStream(req, socket, head, TUNNEL_PROTOCOL);
  } else {
    socket.write(['HTTP/1.1 101 Switching Protocols', 'Connection: Upgrade', 'Upgrade: SPDY/3.1', `X-Stream-Protocol-Version: ${PORTFORWARD_PROTOCOL}`, '', ''].join('\r\n'));
    if (head.length) socket.unshift(head);
    conn = socket;
  }
  const pairs = new Map<string, { error?: SpdyStream; data?: SpdyStream }>();
  createSpdySession(conn, {
    server: true,
    onStream(s) {
      const id = header(s, 'requestid') ?? '0';
      const pair = pairs.get(id) ?? {};
      const type = header(s, 'streamtype');
      if (type === 'error') pair.error = s;
      else if (type === 'data') pair.data = s;
      else return s.reset();
      pairs.set(id, pair);
      if (pair.error && pair.data) {
        pairs.delete(id);
        void forward(pair.error, pair.data, dial);
      }
    },
  });
}

async function forward(errorStream: SpdyStream, data: SpdyStream, dial: PortDialer): Promise<void> {
  errorStream.resume(); // the client only half-closes it
  const portText = header(data, 'port') ?? '';
  const port = Number(portText);
  const fail = (message: string) => {
    if (!errorStream.destroyed) errorStream.end(message);
    if (!data.destroyed) data.end();
  };
  if (!Number.isInteger(port) || port < 1 || port > 65535) return fail(`invalid port: "${portText}"`);
  let tcp: Duplex;
  try {
    tcp = await dial(port);
  } catch (err) {
    return fail(`error forwarding port ${port} to pod: ${(err as Error).message}`);
  }
  const done = () => {
    if (!errorStream.destroyed && !errorStream.writableEnded) errorStream.end();
    if (!data.destroyed && !data.writableEnded) data.end();
  };
  data.pipe(tcp);
  tcp.pipe(data, { end: false });
  tcp.on('end', done);
  tcp.on('close', done);
  tcp.on('error', (err) => {
    log.debug('port-forward connection failed', { port, err: String(err) });
    fail(`error forwarding port ${port}: ${err.message}`);
  });
  // the client resets the data stream when it is done with it
  data.on('close', () => tcp.destroy());
}
