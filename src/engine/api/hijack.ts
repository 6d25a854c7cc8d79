// Two-way streams over one HTTP connection, as docker does for attach and exec start: the client asks to
// upgrade (`Connection: Upgrade`, `Upgrade: tcp`), we answer `101 UPGRADED`, and from then on the socket
// carries stdin one way and (multiplexed) output the other. Without an upgrade request the output is the
// body of a plain 200 response.
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex, Readable, Writable } from 'node:stream';
import type { Attachment } from '../types.ts';
import type { StreamConnection } from './router.ts';
import { readJson, writeChunk } from './http.ts';
import { frame } from '../../lib/stdcopy.ts';

/** A connection whose socket we own after an HTTP upgrade request. */
export function upgradedConnection(req: IncomingMessage, socket: Duplex, head: Buffer): StreamConnection {
  if (head.length > 0) socket.unshift(head);
  return {
    // Node's parser reads a Content-Length body into `req` before it hands over the socket
    readJson: () => readJson(req),
    open(contentType) {
      socket.write(`HTTP/1.1 101 UPGRADED\r\nContent-Type: ${contentType}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`);
      return { input: socket, output: socket };
    },
    end() {
      socket.end();
    },
    respond(status) {
      socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    },
  };
}

/** A plain request: the output is a 200 response body, the input the request body. */
export function plainConnection(req: IncomingMessage, res: ServerResponse): StreamConnection {
  return {
    readJson: () => readJson(req),
    open(contentType) {
      res.writeHead(200, { 'Content-Type': contentType });
      res.flushHeaders();
      return { input: req, output: res };
    },
    end() {
      res.end();
    },
    respond(status) {
      res.writeHead(status, { 'Content-Length': 0 });
      res.end();
    },
  };
}

/**
 * Move bytes between a client connection and an attachment until the process's output ends or the client
 * goes away (then the attachment is closed). Output is framed unless `tty`. Client bytes are stdin; the
 * client's half-close ends stdin.
 */
export async function pumpAttachment(
  att: Attachment,
  io: { input: Readable; output: Writable },
  tty: boolean,
  signal: AbortSignal,
): Promise<void> {
  const onAbort = () => att.close();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    if (att.input) {
      // the process may be gone before the client stops typing: a failed write is not our error
      att.input.on('error', () => {});
      io.input.pipe(att.input);
    } else {
      io.input.resume();
    }
    for await (const chunk of att.output) {
      if (chunk.data.length === 0) continue;
      const bytes = tty ? chunk.data : frame(chunk.stream, chunk.data);
      if (!(await writeChunk(io.output, bytes, signal))) break;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    if (att.input) io.input.unpipe(att.input);
    att.close();
  }
}
