// exec and attach over SPDY/3.1 (kubectl's fallback when the WebSocket upgrade is refused, and
// KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false): a POST with `Upgrade: SPDY/3.1` and the protocol versions
// the client speaks in X-Stream-Protocol-Version; the server answers v4.channel.k8s.io. The client then
// opens one SPDY stream per standard stream (header streamtype: error, stdin, stdout, stderr, resize);
// once those it asked for are there the command runs. The error stream gets the Status JSON at the end.
import type { IncomingMessage } from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import { createSpdySession, type SpdyStream } from '../../../lib/spdy/index.ts';
import type { StreamSession } from '../../../engine/types/runtime.ts';
import { coalescedResize, exitStatus, failureStatus, type RemoteCommand } from './remotecommand.ts';
import { logger } from '../../../lib/log.ts';

const log = logger('kubelet-streams');

export const SPDY_REMOTECOMMAND_PROTOCOL = 'v4.channel.k8s.io';

/** True when the request offers the protocol this server speaks over SPDY */
export function wantsSpdyRemoteCommand(req: IncomingMessage): boolean {
  const offered = ([] as string[]).concat(req.headers['x-stream-protocol-version'] ?? []).flatMap((v) => v.split(',')).map((v) => v.trim());
  return (req.headers.upgrade ?? '').toLowerCase() === 'spdy/3.1' && offered.includes(SPDY_REMOTECOMMAND_PROTOCOL);
}

export interface StreamsWanted {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** how long the client has to open the streams it asked for */
const streamsTimeoutMs = 30_000;

export function serveSpdyRemoteCommand(socket: Duplex, head: Buffer, wanted: StreamsWanted, rc: RemoteCommand): void {
  socket.write(['HTTP/1.1 101 Switching Protocols', 'Connection: Upgrade', 'Upgrade: SPDY/3.1', `X-Stream-Protocol-Version: ${SPDY_REMOTECOMMAND_PROTOCOL}`, '', ''].join('\r\n'));
  if (head.length) socket.unshift(head);
  const streams = new Map<string, SpdyStream>();
  const expected = ['error', ...(wanted.stdin ? ['stdin'] : []), ...(wanted.stdout ? ['stdout'] : []), ...(wanted.stderr && !wanted.tty ? ['stderr'] : []), ...(wanted.tty ? ['resize'] : [])];
  let started = false;
  const session = createSpdySession(socket, {
    server: true,
    onStream(s) {
      const type = s.headers.streamtype?.[0] ?? '';
      if (!expected.includes(type) || streams.has(type)) return s.reset();
      streams.set(type, s);
      if (!started && expected.every((t) => streams.has(t))) {
        started = true;
        clearTimeout(timer);
        void run(streams, rc, () => session.close());
      }
    },
  });
  const timer = setTimeout(() => {
    log.debug('the client did not open its streams in time', { have: [...streams.keys()] });
    session.close();
  }, streamsTimeoutMs);
  timer.unref();
  void session.done.then(() => clearTimeout(timer));
}

async function run(streams: Map<string, SpdyStream>, rc: RemoteCommand, close: () => void): Promise<void> {
  const errorStream = streams.get('error')!;
  errorStream.resume();
  const end = (status: object) => {
    errorStream.end(JSON.stringify(status));
    for (const t of ['stdout', 'stderr']) streams.get(t)?.end();
    close();
  };
  let session: StreamSession;
  try {
    session = await rc.start();
  } catch (err) {
    return end(failureStatus((err as Error).message ?? String(err)));
  }
  const stdin = streams.get('stdin');
  if (stdin && session.stdin) stdin.pipe(session.stdin);
  const resize = streams.get('resize');
  if (resize) {
    let text = '';
    const resizeTo = coalescedResize(session);
    resize.on('data', (d: Buffer) => {
      text += d.toString('utf8');
      for (const m of text.matchAll(/\{[^{}]*\}/g)) {
        try {
          const size = JSON.parse(m[0]) as { Width: number; Height: number };
          resizeTo(size.Width, size.Height);
        } catch (err) {
          log.debug('a resize message that is not JSON', { err: String(err) });
        }
      }
      text = text.slice(text.lastIndexOf('}') + 1);
    });
  }
  const pump = async (from: Readable | null, to: SpdyStream | undefined) => {
    if (!from || !to) return;
    for await (const chunk of from as AsyncIterable<Buffer>) if (!to.write(chunk)) await new Promise((r) => to.once('drain', r));
  };
  const [{ exitCode }] = await Promise.all([session.done, pump(session.stdout, streams.get('stdout')), pump(session.stderr, streams.get('stderr'))]);
  end(rc.reportExit ? exitStatus(exitCode, rc.cmd) : exitStatus(0, rc.cmd));
}
